"""An import asked for while the job queue (Redis) is away is kept, says it waits for the
queue, and runs once, by itself, when the queue is back."""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from api.imports import ImportJobSerializer
from catalog.imports.generate import marc_generate
from catalog.imports.jobs import import_job_create
from catalog.imports.models import ImportRow
from catalog.models import Record
from config.celery import app
from tests.conftest import WorkerProcess
from tests.worker.helpers import import_job_in, queue_of_its_own, wait_for
from tests.worker.test_broker_outage import Redis

pytestmark = [pytest.mark.worker, pytest.mark.faults]

COUNT = 300


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Redis]:
    """A Redis of the test's own, which this process queues on too meanwhile."""
    redis = Redis(tmp_path)
    redis.start()
    before = app.conf.broker_url
    _broker_use(redis.url)
    try:
        yield redis
    finally:
        redis.stop()
        _broker_use(before)


def _broker_use(url: str) -> None:
    """Queue on `url` from here on: the app's connections and the producers it keeps (made
    for the broker an earlier test queued on) are looked up again for this broker. Those of
    the broker before are left open (kombu keeps them by address), for when it is back."""
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


def test_an_import_asked_for_while_redis_is_away_waits_then_runs_once(
    live_library, tmp_path, broker
) -> None:
    schema = live_library.library.schema_name
    path = tmp_path / "books.mrc"
    with path.open("wb") as out:
        marc_generate(out, COUNT)
    with queue_of_its_own("queue-away") as queue:
        env = {"REDIS_URL": broker.url, "CELERY_BROKER_URL": broker.url,
               "CELERY_DEFAULT_QUEUE": queue, "STACKS_IMPORT_HEARTBEAT_SECONDS": "1",
               "STACKS_IMPORT_LEASE_SECONDS": "60"}  # fmt: skip
        worker = WorkerProcess(concurrency=1, extra_env=env)
        worker.log_path = worker.log_path.with_name(f"worker-queue-away-{broker.port}.log")
        worker.start()
        try:
            broker.stop()
            with schema_context(schema), path.open("rb") as stream:
                job = import_job_create(
                    file=stream, file_name="books.mrc", one_shot=True, create_locations=True
                )
            waiting = import_job_in(schema, job.pk)
            assert waiting.status == "queued"
            with schema_context(schema):
                shown = ImportJobSerializer(waiting).data
            assert shown["waiting_for_job_queue"] is True

            broker.start()
            back = time.monotonic()
            # The worker retries the broker with a growing pause (up to about 30 s).
            done = wait_for(lambda: import_job_in(schema, job.pk).status == "committed", 150)
            took = time.monotonic() - back
            assert done, worker.log()[-4000:]
            print(f"the import started and ended {took:.1f} s after the queue was back")
        finally:
            worker.stop()
    ended = import_job_in(schema, job.pk)
    with schema_context(schema):
        assert ImportJobSerializer(ended).data["waiting_for_job_queue"] is False
        assert (ended.total, ended.created) == (COUNT, COUNT)
        assert Record.objects.count() == COUNT
        assert ImportRow.objects.filter(job_id=job.pk).count() == COUNT
