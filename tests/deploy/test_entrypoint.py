"""The entrypoint's roles against real PostgreSQL and Redis, on a database of their own."""

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.core.cache import cache
from django.db import connection
from django_tenants.utils import schema_context

from tests.conftest import ROOT, database_url
from worker.tasks import STATISTICS_CACHE_KEY, library_statistics_refresh

pytestmark = pytest.mark.worker

# Variables of development or of the test run that a production process would not have.
_NOT_PRODUCTION = ("DEBUG", "STACKS_HTTPS", "LOG_FORMAT", "DJANGO_SETTINGS_MODULE")


def _entrypoint_env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in _NOT_PRODUCTION}
    return {
        **base,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "LOG_FORMAT": "json",
        **extra,
    }


def _entrypoint(*args: str, env: dict[str, str], timeout: float = 300):  # type: ignore[no-untyped-def]
    return subprocess.run(
        [sys.executable, "-m", "config.entrypoint", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


class Role:
    """A long-running role (web or worker) started through the entrypoint, logging to a file."""

    def __init__(self, *args: str, env: dict[str, str], log: Path) -> None:
        self.log_path = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "config.entrypoint", *args],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for(self, pattern: str, timeout: float = 60) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, self.log())
            if found:
                return found
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"no {pattern!r} in the log:\n{self.log()[-3000:]}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait()


@pytest.fixture
def own_database(live_db) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """An empty database beside the test database, dropped afterwards; yields its URL."""
    name = f"{connection.settings_dict['NAME']}_entrypoint"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield database_url().replace(f"/{connection.settings_dict['NAME']}", f"/{name}", 1)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_migrate_web_and_worker_roles_serve_a_library(own_database, tmp_path):
    schema = f"entry_{secrets.token_hex(3)}"
    host = f"{schema.replace('_', '-')}.localhost"
    queue = f"test-{os.environ['STACKS_TEST_RUN']}-entrypoint"
    env = _entrypoint_env(
        DATABASE_URL=own_database, CELERY_DEFAULT_QUEUE=queue, TRUST_X_FORWARDED_PROTO="true",
        MEDIA_ROOT=str(tmp_path / "media"), WEB_CONCURRENCY="1", CELERY_WORKER_CONCURRENCY="1",
    )  # fmt: skip

    # migrate: an empty database becomes the platform with its template.
    first = _entrypoint("migrate", env=env)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "migrate finished" in first.stderr
    made = subprocess.run(
        [sys.executable, "manage.py", "create_library", schema, "--name", "Entry Library",
         "--domain", host, "--admin-email", f"admin@{host}"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    # migrate again, as an upgrade does: every library through the parallel executor.
    again = _entrypoint("migrate", env=env)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert "--executor=multiprocessing" in again.stderr
    assert f"multiprocessing:{schema}] Running migrations" in again.stdout

    web = Role("web", "--bind", "127.0.0.1:0", env=env, log=tmp_path / "web.log")
    node = f"entrypoint-{secrets.token_hex(3)}@test"
    worker = Role(
        "worker", "-n", node, "--without-gossip", "--without-mingle", "--without-heartbeat",
        env=env, log=tmp_path / "worker.log",
    )  # fmt: skip
    try:
        port = web.wait_for(r"Listening at: http://127\.0\.0\.1:(\d+)").group(1)
        web.wait_for(r"Booting worker")
        base = f"http://127.0.0.1:{port}"

        ready = requests.get(f"{base}/readyz", timeout=30)
        assert ready.status_code == 200, ready.text
        assert ready.json() == {"status": "ok"}

        # The library's catalog behind a TLS proxy, with the proxy's request id in the log.
        page = requests.get(
            f"{base}/",
            headers={"Host": host, "X-Forwarded-Proto": "https", "X-Request-ID": "edge-1"},
            allow_redirects=False, timeout=30,
        )  # fmt: skip
        assert page.status_code == 200
        assert page.headers["X-Request-ID"] == "edge-1"
        assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        plain = requests.get(f"{base}/", headers={"Host": host}, allow_redirects=False, timeout=30)
        assert plain.status_code == 301
        assert plain.headers["Location"] == f"https://{host}/"
        logged = [json.loads(line) for line in web.log().splitlines() if line.startswith("{")]
        assert any(x.get("request_id") == "edge-1" and x["status"] == 200 for x in logged)

        health = _entrypoint("healthcheck", "web", env={**env, "PORT": port}, timeout=30)
        assert health.returncode == 0, health.stderr

        worker.wait_for(r"ready\.")
        pinged = _entrypoint("healthcheck", "worker", node, env=env, timeout=60)
        assert pinged.returncode == 0, pinged.stderr
        absent = _entrypoint("healthcheck", "worker", f"absent-{node}", env=env, timeout=60)
        assert absent.returncode == 1
        assert f"worker absent-{node} did not answer a ping" in absent.stderr
        with schema_context(schema):
            queued = library_statistics_refresh.apply_async(queue=queue)
        deadline = time.monotonic() + 60
        stats = None
        while stats is None and time.monotonic() < deadline:
            with schema_context(schema):
                stats = cache.get(STATISTICS_CACHE_KEY)
            time.sleep(0.2)
        assert stats == {"schema": schema, "records": 0, "items": 0, "items_available": 0}, (
            worker.log()[-3000:]
        )
        # The worker's log lines are JSON too, and a task's lines carry its id.
        done = worker.wait_for(r'\{[^\n]*"message": "Task worker.library_statistics_refresh'
                               r'[^\n]*succeeded[^\n]*\}')  # fmt: skip
        assert json.loads(done.group(0))["request_id"] == queued.id
    finally:
        web.stop()
        worker.stop()
        with schema_context(schema):
            cache.delete(STATISTICS_CACHE_KEY)

    # Once the web role has stopped, its healthcheck says so.
    down = _entrypoint("healthcheck", "web", env={**env, "PORT": port}, timeout=30)
    assert down.returncode == 1


def test_waiting_for_an_absent_database_gives_up_with_a_clear_message():
    env = _entrypoint_env(
        DATABASE_URL="postgres://stacks@127.0.0.1:1/stacks", STACKS_WAIT_SECONDS="1"
    )
    result = _entrypoint("web", env=env, timeout=60)
    assert result.returncode == 1
    assert "waiting for PostgreSQL at 127.0.0.1:1/stacks (DATABASE_URL)" in result.stderr
    assert "gave up after 1s: PostgreSQL at 127.0.0.1:1/stacks" in result.stderr
    assert "Listening at" not in result.stderr


def test_waiting_for_an_absent_broker_gives_up_with_a_clear_message(live_db):
    env = _entrypoint_env(
        DATABASE_URL=database_url(), CELERY_BROKER_URL="redis://127.0.0.1:1/0",
        STACKS_WAIT_SECONDS="1",
    )  # fmt: skip
    result = _entrypoint("worker", env=env, timeout=60)
    assert result.returncode == 1
    assert "PostgreSQL at" in result.stderr
    assert "is up" in result.stderr
    assert "waiting for broker at redis://127.0.0.1:1/0 (CELERY_BROKER_URL" in result.stderr
    assert "gave up after 1s: broker at redis://127.0.0.1:1/0" in result.stderr


def test_an_unknown_role_is_refused_with_the_list_of_roles():
    result = _entrypoint("serve", env=_entrypoint_env(), timeout=60)
    assert result.returncode == 2
    assert "usage: python -m config.entrypoint {web|worker|beat|migrate|healthcheck}" in (
        result.stderr
    )
