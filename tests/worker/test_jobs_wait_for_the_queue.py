"""An import asked for while the job queue (Redis) is away is kept, says it waits for the
queue, and runs once, by itself, within seconds of the queue coming back."""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from api.imports import ImportJobSerializer
from catalog.imports.generate import marc_generate
from catalog.imports.models import ImportRow
from catalog.models import Record
from config.celery import app
from staff.services import api_key_create
from tests.api.conftest import client_for
from tests.conftest import WorkerProcess
from tests.worker.helpers import import_job_in, queue_of_its_own, wait_for
from tests.worker.test_broker_outage import Redis

pytestmark = [pytest.mark.worker, pytest.mark.faults]

COUNT = 300
# The worker tries the job queue again at most 2 s apart while it is away, and its watch
# queues the waiting jobs as soon as it is back on it; the import of 300 records takes about
# a second more. The rest is room for a busy machine, far short of the lease period (60 s)
# after which the watch's full round would find the job anyway.
STARTED_WITHIN_SECONDS = 15


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


def test_an_import_asked_for_while_redis_is_away_runs_once_soon_after_it_is_back(
    live_library, tmp_path, broker
) -> None:
    schema = live_library.library.schema_name
    with schema_context(schema):
        key = api_key_create(name="drill", scope="write").secret
    api = client_for(live_library.domain.domain, f"Api-Key {key}")
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
            upload = SimpleUploadedFile("books.mrc", path.read_bytes())
            answer = api.post(
                "/api/v1/imports/",
                {"file": upload, "one_shot": "true", "create_locations": "true"},
                format="multipart",
            )
            assert answer.status_code == 202, answer.content
            assert answer.json()["status"] == "queued"
            assert answer.json()["waiting_for_job_queue"] is True
            job_id = answer.json()["id"]
            assert api.get(f"/api/v1/imports/{job_id}/").json()["waiting_for_job_queue"] is True

            broker.start()
            back = time.monotonic()
            done = wait_for(
                lambda: import_job_in(schema, job_id).status == "committed",
                STARTED_WITHIN_SECONDS,
            )
            took = time.monotonic() - back
            assert done, (
                f"not committed {took:.1f} s after the queue was back\n" + worker.log()[-4000:]
            )
            print(f"the import started and ended {took:.1f} s after the queue was back")
        finally:
            worker.stop()
    ended = import_job_in(schema, job_id)
    with schema_context(schema):
        assert ImportJobSerializer(ended).data["waiting_for_job_queue"] is False
        assert (ended.total, ended.created, ended.updated, ended.rejected) == (COUNT, COUNT, 0, 0)
        assert Record.objects.count() == COUNT
        assert ImportRow.objects.filter(job_id=job_id).count() == COUNT
