"""Imports on real worker processes: the command, a SIGKILL mid-commit, a lost task, fairness,
two imports in one library at once."""

import os
import signal
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context

from catalog.imports.generate import marc_generate
from catalog.imports.jobs import import_job_create
from catalog.imports.models import ImportJob, ImportRow
from catalog.models import Change, Item, Record
from config.celery import app
from tenants.services import library_drop
from tests.catalog.imports.helpers import MARC_DIR
from tests.conftest import WorkerProcess, live_library_create
from tests.worker.helpers import import_job_in, wait_for

pytestmark = pytest.mark.worker


def _marc_file(tmp_path: Path, count: int, start: int = 1) -> Path:
    path = tmp_path / f"generated-{start}-{count}.mrc"
    with path.open("wb") as out:
        marc_generate(out, count, start=start)
    return path


def _kill(process_id: int) -> None:
    """SIGKILL a worker and its pool processes (found by parent id, nothing else)."""
    children = Path(f"/proc/{process_id}/task/{process_id}/children").read_text().split()
    for child in children:
        os.kill(int(child), signal.SIGKILL)
    os.kill(process_id, signal.SIGKILL)


def _committed_by_a_new_worker(schema: str, job_id: int, env: dict, timeout: float) -> None:
    """Start a worker with `env` (its queue) and wait for it to commit the job."""
    worker = WorkerProcess(concurrency=1, extra_env=env).start()
    try:
        done = wait_for(lambda: import_job_in(schema, job_id).status == "committed", timeout)
        assert done, worker.log()[-3000:]
    finally:
        worker.stop()


@pytest.fixture
def own_queue():  # type: ignore[no-untyped-def]
    """A queue only this test's workers read, so the session's worker cannot help out."""
    queue = f"imports-{os.urandom(4).hex()}"
    before = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    yield {"CELERY_DEFAULT_QUEUE": queue}
    app.conf.task_default_queue = before


def test_import_catalog_runs_on_the_worker_and_prints_counts(
    celery_worker_process, live_library, capsys
):
    schema = live_library.library.schema_name
    call_command("import_catalog", "--library", schema, str(MARC_DIR / "bad_records.mrc"))

    out = capsys.readouterr().out
    assert "committed" in out
    assert "total 8, created 2, updated 0, unchanged 0, rejected 6" in out
    with schema_context(schema):
        assert Record.objects.count() == 2


def test_import_catalog_fails_with_a_non_zero_exit_on_an_unreadable_file(
    celery_worker_process, live_library, tmp_path
):
    bad = tmp_path / "books.csv"
    bad.write_text("name,isbn\nDune,1\n")
    with pytest.raises(CommandError, match="title"):
        call_command("import_catalog", "--library", live_library.library.schema_name, str(bad))


def test_a_worker_killed_mid_commit_is_replaced_and_nothing_is_doubled(
    live_library, tmp_path, own_queue
):
    schema = live_library.library.schema_name
    count = 6000
    env = {
        **own_queue,
        "STACKS_IMPORT_CHUNK_SIZE": "200",
        "STACKS_IMPORT_LEASE_SECONDS": "3",
        "STACKS_IMPORT_SLICE_SECONDS": "600",
    }
    first = WorkerProcess(concurrency=1, extra_env=env).start()
    try:
        with schema_context(schema), _marc_file(tmp_path, count).open("rb") as stream:
            job = import_job_create(
                file=stream, file_name="big.mrc", one_shot=True, create_locations=True
            )
        assert wait_for(
            lambda: import_job_in(schema, job.pk).committed_through >= 1000, timeout=120
        )
        assert first.process is not None
        _kill(first.process.pid)
        first.process.wait()
    finally:
        first.stop()
    killed_at = import_job_in(schema, job.pk)
    assert killed_at.status == "committing"
    assert killed_at.committed_through < count

    _committed_by_a_new_worker(schema, job.pk, env, timeout=300)

    job = import_job_in(schema, job.pk)
    assert (job.total, job.created, job.updated, job.unchanged, job.rejected) == (
        count, count, 0, 0, 0,
    )  # fmt: skip
    with schema_context(schema):
        assert Record.objects.count() == count
        assert Record.objects.values("control_number").distinct().count() == count
        assert Item.objects.count() == count
        assert ImportRow.objects.filter(job_id=job.pk).count() == count
        assert Change.objects.filter(entity="record", action="created").count() == count


def test_a_job_whose_task_was_lost_is_resumed_by_the_next_worker(live_library, own_queue):
    """Job state lives in PostgreSQL: with no message left in the broker (as after a Redis
    restart without persistence), a starting worker finds the job and finishes it."""
    schema = live_library.library.schema_name
    with schema_context(schema):
        job = ImportJob(format="marc", file_name="test.dat", one_shot=True)
        job.file.save("test.dat", ContentFile((MARC_DIR / "test.dat").read_bytes()), save=False)
        job.save()  # no task queued for it

    _committed_by_a_new_worker(schema, job.pk, own_queue, timeout=60)
    assert import_job_in(schema, job.pk).created == 10


def test_a_huge_import_does_not_starve_another_librarys_small_one(
    live_library, tmp_path, own_queue
):
    big_schema = live_library.library.schema_name
    small = live_library_create("Small")
    small_schema = small.library.schema_name
    env = {**own_queue, "STACKS_IMPORT_CHUNK_SIZE": "100", "STACKS_IMPORT_SLICE_SECONDS": "0"}
    worker = WorkerProcess(concurrency=1, extra_env=env).start()
    try:
        with schema_context(big_schema), _marc_file(tmp_path, 4000).open("rb") as stream:
            big = import_job_create(
                file=stream, file_name="big.mrc", one_shot=True, create_locations=True
            )
        assert wait_for(
            lambda: import_job_in(big_schema, big.pk).committed_through > 0, timeout=120
        )
        with schema_context(small_schema), (MARC_DIR / "test.dat").open("rb") as stream:
            little = import_job_create(
                file=stream, file_name="test.dat", one_shot=True, create_locations=True
            )

        assert wait_for(
            lambda: import_job_in(small_schema, little.pk).status == "committed", timeout=120
        )
        big_when_small_done = import_job_in(big_schema, big.pk)
        assert wait_for(
            lambda: import_job_in(big_schema, big.pk).status == "committed", timeout=300
        )
    finally:
        worker.stop()
        connection.set_schema_to_public()
        library_drop(library=small.library)

    # One worker, one slot: the small job ran between the big job's chunks.
    assert big_when_small_done.status == "committing"
    assert big_when_small_done.committed_through < 4000


def test_two_imports_of_one_file_at_once_create_each_record_once(live_library, tmp_path, own_queue):
    """Each import decides what to create from what the catalog holds: a library's imports
    take turns, so the second finds what the first created."""
    schema = live_library.library.schema_name
    count = 3000
    path = _marc_file(tmp_path, count)
    worker = WorkerProcess(concurrency=2, extra_env=own_queue).start()
    try:
        jobs = []
        for _ in range(2):
            with schema_context(schema), path.open("rb") as stream:
                jobs.append(
                    import_job_create(
                        file=stream, file_name=path.name, one_shot=True, create_locations=True
                    )
                )
        for job in jobs:
            assert wait_for(
                lambda job=job: import_job_in(schema, job.pk).status == "committed", timeout=180
            ), worker.log()[-3000:]
    finally:
        worker.stop()

    first, second = (import_job_in(schema, job.pk) for job in jobs)
    assert first.created + second.created == count
    assert first.unchanged + second.unchanged == count
    with schema_context(schema):
        assert Record.objects.count() == count
        assert Record.objects.values("control_number").distinct().count() == count


def test_a_slice_sees_whether_other_tasks_wait_in_its_queue(live_db):
    from worker.imports import queue_waiting

    queue = f"waiting-{os.urandom(4).hex()}"
    assert not queue_waiting(queue)
    app.send_task("worker.import_job_run", args=[0], queue=queue)
    try:
        assert queue_waiting(queue)
    finally:
        with app.connection_for_write() as broker:
            broker.default_channel.queue_purge(queue)
    assert not queue_waiting(queue)
