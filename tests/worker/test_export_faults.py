"""Interrupted exports finish by themselves, and one library's exports never hold up another's
imports: real worker processes, a database session terminated, a worker killed."""

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest
from django.db import connection
from django_tenants.utils import schema_context

from catalog.imports.exports import export_job_create
from catalog.imports.generate import marc_generate
from catalog.imports.jobs import import_job_create
from catalog.imports.leasing import HEARTBEATS_MISSED
from catalog.imports.models import ExportJob, LeaseHeartbeat
from tenants.services import library_drop
from tests.catalog.imports.helpers import MARC_DIR
from tests.conftest import WorkerProcess, database_url, live_library_create
from tests.worker.helpers import (
    database_sessions_of,
    import_job_in,
    processes_of,
    queue_of_its_own,
    wait_for,
)

pytestmark = [pytest.mark.worker, pytest.mark.faults]

COUNT = 6000
LEASE_SECONDS = 3
WORKER_ENV = {"STACKS_IMPORT_LEASE_SECONDS": str(LEASE_SECONDS)}


@pytest.fixture
def own_queue() -> Iterator[dict[str, str]]:
    """A queue only this test's workers read."""
    with queue_of_its_own("exports") as queue:
        yield {"CELERY_DEFAULT_QUEUE": queue, **WORKER_ENV}


def _catalog_fill(schema: str, tmp_path: Path, count: int = COUNT) -> None:
    """`count` generated records, imported by the test's worker."""
    path = tmp_path / "generated.mrc"
    with path.open("wb") as out:
        marc_generate(out, count)
    with schema_context(schema), path.open("rb") as stream:
        job = import_job_create(
            file=stream, file_name=path.name, one_shot=True, create_locations=True
        )
    assert wait_for(lambda: import_job_in(schema, job.pk).status == "committed", timeout=120)


def _export_in(schema: str, job_id: int) -> ExportJob:
    with schema_context(schema):
        return ExportJob.objects.get(pk=job_id)


def _written_records(job: ExportJob) -> int:
    with job.file.open("rb") as stream:
        return stream.read().count(b"<record")


def _running(schema: str, job_id: int) -> bool:
    job = _export_in(schema, job_id)
    return job.status == "running"


def _export_running(schema: str, tmp_path: Path) -> ExportJob:
    """A MARCXML export of COUNT records, once a worker has begun writing it."""
    _catalog_fill(schema, tmp_path)
    with schema_context(schema):
        job = export_job_create(format="marcxml", filters={})
    assert wait_for(lambda: _running(schema, job.pk), timeout=60)
    return job


def test_an_export_whose_database_session_is_terminated_finishes(live_library, tmp_path, own_queue):
    schema = live_library.library.schema_name
    worker = WorkerProcess(concurrency=1, extra_env=own_queue).start()
    try:
        job = _export_running(schema, tmp_path)
        assert worker.process is not None
        sessions = [pid for pid, _, _ in database_sessions_of(processes_of(worker.process.pid))]
        assert sessions
        with psycopg2.connect(database_url()) as admin, admin.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s) AS pid", [sessions])
        admin.close()

        done = wait_for(lambda: _export_in(schema, job.pk).status == "done", timeout=120)
        assert done, (_export_in(schema, job.pk).status, worker.log()[-3000:])
    finally:
        worker.stop()
    job = _export_in(schema, job.pk)
    assert job.records == COUNT
    assert _written_records(job) == COUNT
    assert job.lease_owner == ""


@contextmanager
def _working(env: dict[str, str]) -> Iterator[WorkerProcess]:
    """A worker of its own for the block, stopped however the block ends."""
    worker = WorkerProcess(concurrency=1, extra_env=env).start()
    try:
        yield worker
    finally:
        worker.stop()


def _finished(schema: str, job_id: int, worker: WorkerProcess) -> ExportJob:
    """The export once done, which `worker` must see to within two minutes."""
    done = wait_for(lambda: _export_in(schema, job_id).status == "done", timeout=120)
    assert done, worker.log()[-3000:]
    return _export_in(schema, job_id)


def _killed(worker: WorkerProcess) -> None:
    """The worker and its pool killed outright, with no chance to release anything."""
    assert worker.process is not None
    for pid in processes_of(worker.process.pid):
        os.kill(pid, signal.SIGKILL)
    worker.process.wait()


def test_an_export_whose_worker_is_killed_is_finished_by_the_next(
    live_library, tmp_path, own_queue
):
    schema = live_library.library.schema_name
    with _working(own_queue) as first:
        job = _export_running(schema, tmp_path)
        _killed(first)
    assert _export_in(schema, job.pk).status == "running"

    with _working(own_queue) as second:
        job = _finished(schema, job.pk, second)
    assert (job.records, _written_records(job)) == (COUNT, COUNT)


def test_a_killed_exports_holder_is_taken_over_within_seconds(live_library, tmp_path, own_queue):
    """An export's holder killed mid-turn leaves a lease of a minute, and a heartbeat that
    stops: the next worker takes the export over within seconds, not a lease later."""
    schema = live_library.library.schema_name
    heartbeat, lease = 1, 60
    env = {
        **own_queue,
        "STACKS_IMPORT_HEARTBEAT_SECONDS": str(heartbeat),
        "STACKS_IMPORT_LEASE_SECONDS": str(lease),
    }
    # The holder's last stamp runs out, then the queued turn or the survivor's look (once a
    # heartbeat period) takes it; a few seconds for a task to pass through the broker.
    bound = HEARTBEATS_MISSED * heartbeat + heartbeat + 5
    assert bound < lease / 4
    with _working(env) as holder:
        job = _export_running(schema, tmp_path)
        owner = _export_in(schema, job.pk).lease_owner

        def beating() -> bool:
            with schema_context(schema):
                return LeaseHeartbeat.objects.filter(owner=owner).exists()

        assert wait_for(beating, timeout=10), holder.log()[-3000:]
        _killed(holder)
    assert _export_in(schema, job.pk).status == "running"

    with _working(env) as survivor:
        ready = time.monotonic()
        taken = wait_for(lambda: _export_in(schema, job.pk).lease_owner not in ("", owner), bound)
        assert taken, survivor.log()[-3000:]
        assert time.monotonic() - ready <= bound
        job = _finished(schema, job.pk, survivor)
    assert (job.records, _written_records(job)) == (COUNT, COUNT)
    with schema_context(schema):
        assert not LeaseHeartbeat.objects.exists()  # the killed holder's stamp, and ours, gone


def test_many_exports_of_one_library_do_not_hold_up_another_librarys_import(
    live_library, tmp_path, own_queue
):
    """One worker, one slot: the other library's import runs after the export in hand, not
    after every export the first library asked for."""
    busy = live_library.library.schema_name
    other = live_library_create("Other")
    other_schema = other.library.schema_name
    worker = WorkerProcess(concurrency=1, extra_env=own_queue).start()
    try:
        _catalog_fill(busy, tmp_path, count=3000)
        with schema_context(busy):
            exports = [export_job_create(format="marcxml", filters={}).pk for _ in range(4)]
        with schema_context(other_schema), (MARC_DIR / "test.dat").open("rb") as stream:
            little = import_job_create(file=stream, file_name="test.dat", one_shot=True)

        assert wait_for(
            lambda: import_job_in(other_schema, little.pk).status == "committed", timeout=120
        )
        when_import_done = [_export_in(busy, pk).status for pk in exports]
        assert wait_for(
            lambda: all(_export_in(busy, pk).status == "done" for pk in exports), timeout=300
        ), worker.log()[-3000:]
    finally:
        worker.stop()
        connection.set_schema_to_public()
        library_drop(library=other.library)

    assert when_import_done.count("done") <= 1, when_import_done


def test_a_large_export_gives_the_worker_up_to_another_librarys_import(
    live_library, tmp_path, own_queue
):
    """One worker, one slot: a library's import waits for the export in hand's turn to end,
    not for the whole export; the export then goes on where it stopped, losing nothing."""
    busy = live_library.library.schema_name
    other = live_library_create("Other")
    other_schema = other.library.schema_name
    worker = WorkerProcess(
        concurrency=1, extra_env={**own_queue, "STACKS_IMPORT_SLICE_SECONDS": "0.2"}
    ).start()
    try:
        export = _export_running(busy, tmp_path)
        with schema_context(other_schema), (MARC_DIR / "test.dat").open("rb") as stream:
            little = import_job_create(file=stream, file_name="test.dat", one_shot=True)

        assert wait_for(
            lambda: import_job_in(other_schema, little.pk).status == "committed", timeout=120
        ), worker.log()[-3000:]
        when_import_done = _export_in(busy, export.pk)
        assert wait_for(lambda: _export_in(busy, export.pk).status == "done", timeout=120)
    finally:
        worker.stop()
        connection.set_schema_to_public()
        library_drop(library=other.library)

    assert when_import_done.status == "running", "the import waited for the whole export"
    # It stopped between turns.
    assert 0 < when_import_done.records < COUNT, worker.log()[-3000:]
    job = _export_in(busy, export.pk)
    assert (job.records, _written_records(job), job.parts) == (COUNT, COUNT, [])
