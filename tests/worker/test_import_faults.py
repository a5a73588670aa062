"""Interrupted imports resume by themselves, with one worker running throughout.

Each test drives one fault against real processes (a Celery worker, PostgreSQL, Redis) in the
middle of a one-shot import, then waits, with no process restarted by hand, for the job to be
committed with exact counts: every record in the file accounted for, none written twice, one
feed entry per record created. Run them alone with `pytest -m faults`.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import psycopg2
import pytest
from django.core.files.base import ContentFile
from django_tenants.utils import schema_context

from catalog.imports.generate import marc_generate
from catalog.imports.jobs import import_job_create
from catalog.imports.leasing import HEARTBEATS_MISSED
from catalog.imports.models import ImportJob, ImportRow
from catalog.models import Change, Identifier, Item, Record
from config.celery import app
from tests.conftest import WorkerProcess, database_url, free_port, process_stop
from tests.worker.helpers import import_job_in, queue_of_its_own, wait_for
from tests.worker.test_broker_outage import Redis

pytestmark = [pytest.mark.worker, pytest.mark.faults]

COUNT = 4000
LEASE_SECONDS = 5
# Small chunks and long slices: the fault lands mid-import, inside one task's turn.
WORKER_ENV = {
    "STACKS_IMPORT_CHUNK_SIZE": "200",
    "STACKS_IMPORT_LEASE_SECONDS": str(LEASE_SECONDS),
    "STACKS_IMPORT_SLICE_SECONDS": "600",
}
# The bound: the lease time plus a minute after the fault clears.
RESUME_BOUND = LEASE_SECONDS + 60
# Seconds for a task queued on an idle worker to start, on a loaded machine.
TASKS_THROUGH_THE_BROKER = 5


def _marc(tmp_path: Path) -> Path:
    path = tmp_path / "generated.mrc"
    with path.open("wb") as out:
        marc_generate(out, COUNT)
    return path


@pytest.fixture
def own_queue() -> Iterator[dict[str, str]]:
    """A queue only this test's workers read."""
    with queue_of_its_own("faults") as queue:
        yield {"CELERY_DEFAULT_QUEUE": queue, **WORKER_ENV}


def _start_import(schema: str, tmp_path: Path) -> int:
    with schema_context(schema), _marc(tmp_path).open("rb") as stream:
        job = import_job_create(
            file=stream, file_name="big.mrc", one_shot=True, create_locations=True
        )
        return job.pk


def _assert_exact(schema: str, job_id: int) -> None:
    job = import_job_in(schema, job_id)
    assert job.status == "committed", job.error
    assert job.created + job.updated + job.unchanged + job.rejected == COUNT
    assert (job.total, job.created) == (COUNT, COUNT)
    with schema_context(schema):
        assert Record.objects.count() == COUNT
        assert Record.objects.values("control_number").distinct().count() == COUNT
        isbns = Identifier.objects.filter(kind="isbn")
        assert isbns.values("value").distinct().count() == isbns.count()
        assert Item.objects.values("barcode").distinct().count() == Item.objects.count()
        assert ImportRow.objects.filter(job_id=job_id).count() == COUNT
        assert Change.objects.filter(entity="record", action="created").count() == COUNT


def _pool_children(worker: WorkerProcess) -> list[psutil.Process]:
    assert worker.process is not None
    return psutil.Process(worker.process.pid).children()


def _taken_over(schema: str, job_id: int, before: int) -> bool:
    """Whether another holder went on with the job: it wrote past `before`, or, when the
    holder had written every chunk it read before it was killed, committed the job."""
    job = import_job_in(schema, job_id)
    return job.committed_through > before or job.status == "committed"


def _midway(schema: str, job_id: int) -> None:
    """Wait until the import has committed part of the file: the fault lands mid-import."""
    assert wait_for(
        lambda: import_job_in(schema, job_id).committed_through >= 600, 120, errors_pass=True
    )


def _committed_in_bound(schema: str, job_id: int, cleared: float, worker: WorkerProcess) -> None:
    """The job ends committed within RESUME_BOUND of the fault clearing (at `cleared`)."""
    done = wait_for(
        lambda: import_job_in(schema, job_id).status == "committed",
        RESUME_BOUND,
        errors_pass=True,
    )
    assert done, worker.log()[-4000:]
    assert time.monotonic() - cleared <= RESUME_BOUND


def _kill_tree(process: "subprocess.Popen[bytes] | None") -> None:
    assert process is not None
    for child in psutil.Process(process.pid).children(recursive=True):
        child.send_signal(signal.SIGKILL)
    process.send_signal(signal.SIGKILL)
    process.wait()


def test_sigkill_of_the_pool_child_resumes_on_the_same_worker(live_library, tmp_path, own_queue):
    schema = live_library.library.schema_name
    worker = WorkerProcess(concurrency=1, extra_env=own_queue).start()
    try:
        job_id = _start_import(schema, tmp_path)
        _midway(schema, job_id)
        # On a loaded machine the pool may be between children for a moment.
        (child,) = wait_for(lambda: _pool_children(worker), 30)
        child.send_signal(signal.SIGKILL)
        cleared = time.monotonic()
        _committed_in_bound(schema, job_id, cleared, worker)
        assert worker.process is not None
        assert worker.process.poll() is None
    finally:
        worker.stop()
    _assert_exact(schema, job_id)


def _two_workers(env: dict[str, str], label: str) -> list[WorkerProcess]:
    """Two workers on the test's queue, each logging to a file of its own."""
    workers = []
    for name in ("one", "two"):
        worker = WorkerProcess(concurrency=1, extra_env=env)
        worker.log_path = worker.log_path.with_name(f"worker-{label}{name}-{os.getpid()}.log")
        workers.append(worker.start())
    return workers


def _holder_killed_midway(
    schema: str, tmp_path: Path, workers: list[WorkerProcess]
) -> tuple[int, str, WorkerProcess]:
    """An import started and partly committed, then the worker holding it killed outright:
    the job's id, the lease token its holder had, and the worker left."""
    job_id = _start_import(schema, tmp_path)
    _midway(schema, job_id)
    owner = import_job_in(schema, job_id).lease_owner
    (holder,) = [w for w in workers if f":{_pool_children(w)[0].pid}:" in owner]
    (survivor,) = [w for w in workers if w is not holder]
    _kill_tree(holder.process)
    return job_id, owner, survivor


def test_sigkill_of_a_second_worker_holding_the_job(live_library, tmp_path, own_queue):
    """Two workers run before the import starts; the one holding it is killed outright, its
    message left unacknowledged in the broker; the other finishes the job."""
    schema = live_library.library.schema_name
    workers = _two_workers(own_queue, "")
    try:
        job_id, _, survivor = _holder_killed_midway(schema, tmp_path, workers)
        cleared = time.monotonic()
        _committed_in_bound(schema, job_id, cleared, survivor)
    finally:
        for worker in workers:
            worker.stop()
    _assert_exact(schema, job_id)


def test_a_killed_holder_is_taken_over_within_seconds_not_a_lease(
    live_library, tmp_path, own_queue
):
    """With the lease at its usual minute, a worker killed mid-import is replaced as soon as
    its heartbeat runs out: readers of the job's progress see it stall for seconds."""
    schema = live_library.library.schema_name
    heartbeat, lease = 1, 60
    env = {
        **own_queue,
        "STACKS_IMPORT_HEARTBEAT_SECONDS": str(heartbeat),
        "STACKS_IMPORT_LEASE_SECONDS": str(lease),
    }
    # The holder's last stamp runs out, the survivor's next look (once a heartbeat period)
    # finds it, and two tasks pass through the broker to the idle survivor.
    bound = HEARTBEATS_MISSED * heartbeat + heartbeat + TASKS_THROUGH_THE_BROKER
    assert bound < lease / 4
    workers = _two_workers(env, "heartbeat-")
    try:
        job_id, owner, survivor = _holder_killed_midway(schema, tmp_path, workers)
        killed = time.monotonic()
        taken = wait_for(
            lambda: import_job_in(schema, job_id).lease_owner not in ("", owner),
            bound,
            errors_pass=True,
        )
        took = time.monotonic() - killed
        assert taken, survivor.log()[-4000:]
        assert took <= bound
        _committed_in_bound(schema, job_id, time.monotonic(), survivor)
    finally:
        for worker in workers:
            worker.stop()
    _assert_exact(schema, job_id)


def _next_turn_waiting(url: str) -> bool:
    """Whether a turn waits at its start for the library's import lease lock."""
    with psycopg2.connect(url) as db, db.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
            ["%pg_advisory_xact_lock(hashtext('import_lease')%"],
        )
        return cursor.fetchone() is not None


def test_a_worker_killed_between_two_turns_is_taken_over_within_seconds(
    live_library, tmp_path, own_queue
):
    """The holder ends a turn (other work waits), takes its next turn from the broker and is
    killed before that turn stamps anything: the message is lost with it until the broker's
    visibility timeout, and the lease, a minute, would hold the job that long. Its heartbeat
    stamps on between the two turns, so the next worker takes the job over once they stop."""
    schema = live_library.library.schema_name
    heartbeat, lease = 1, 60
    env = {
        **own_queue,
        "STACKS_IMPORT_HEARTBEAT_SECONDS": str(heartbeat),
        "STACKS_IMPORT_LEASE_SECONDS": str(lease),
        # Turns and chunks short enough that a turn ends well before the file does: an idle
        # machine imported the 4,000 records in 0.84 s, inside one turn of a second.
        "STACKS_IMPORT_SLICE_SECONDS": "0.2",
        "STACKS_IMPORT_CHUNK_SIZE": "200",
    }
    # The stamps run out, the survivor starts, looks, and two tasks pass through the broker.
    bound = HEARTBEATS_MISSED * heartbeat + heartbeat + 10 + TASKS_THROUGH_THE_BROKER
    assert bound < lease / 2
    url = database_url()
    holder = WorkerProcess(concurrency=1, extra_env=env)
    holder.log_path = holder.log_path.with_name(f"worker-between-turns-{os.getpid()}.log")
    survivor = WorkerProcess(concurrency=1, extra_env=env)
    survivor.log_path = holder.log_path.with_name(f"worker-between-turns2-{os.getpid()}.log")
    lock = psycopg2.connect(url)
    try:
        holder.start()
        job_id = _start_import(schema, tmp_path)
        _midway(schema, job_id)
        owner = import_job_in(schema, job_id).lease_owner
        # The next turn will wait at its start, before it stamps, for as long as the test likes.
        with lock.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext('import_lease'), hashtext(%s))", [schema]
            )
        with schema_context(schema):
            app.send_task("worker.library_statistics_refresh")  # other work waits: turn over
        assert wait_for(lambda: _next_turn_waiting(url), 60), holder.log()[-4000:]
        before = import_job_in(schema, job_id).committed_through
        _kill_tree(holder.process)
        killed = time.monotonic()
        lock.rollback()
        survivor.start()
        resumed = wait_for(
            lambda: _taken_over(schema, job_id, before), lease + 60, errors_pass=True
        )
        took = time.monotonic() - killed
        print(f"a worker killed between two turns: the import resumed after {took:.1f} s")
        assert resumed, survivor.log()[-4000:]
        ended = import_job_in(schema, job_id)
        assert ended.status == "committed" or ended.lease_owner not in ("", owner)
        assert took <= bound, f"resumed after {took:.1f} s"
        _committed_in_bound(schema, job_id, time.monotonic(), survivor)
    finally:
        lock.close()
        holder.stop()
        survivor.stop()
    _assert_exact(schema, job_id)


def test_redis_stopped_for_12_seconds_mid_import(live_library, tmp_path, own_queue):
    schema = live_library.library.schema_name
    redis = Redis(tmp_path)
    redis.start()
    env = {**own_queue, "REDIS_URL": redis.url, "CELERY_BROKER_URL": redis.url}
    worker = WorkerProcess(concurrency=1, extra_env=env)
    worker.log_path = worker.log_path.with_name(f"worker-redis-fault-{redis.port}.log")
    try:
        with schema_context(schema):
            job = ImportJob(
                format="marc", file_name="big.mrc", one_shot=True, create_locations=True
            )
            path = _marc(tmp_path)
            job.file.save("big.mrc", ContentFile(path.read_bytes()), save=False)
            job.save()  # queued by nothing: the worker's watch finds it on the private broker
        worker.start()
        _midway(schema, job.pk)
        redis.stop()
        time.sleep(12)
        redis.start()
        cleared = time.monotonic()
        _committed_in_bound(schema, job.pk, cleared, worker)
        assert worker.process is not None
        assert worker.process.poll() is None
    finally:
        worker.stop()
        redis.stop()
    _assert_exact(schema, job.pk)


class PrivatePostgres:
    """A PostgreSQL server of the test's own (the embedded one), which it may stop and start."""

    def __init__(self, folder: Path) -> None:
        import pgserver

        self.server = pgserver.get_server(folder / "pg", cleanup_mode="delete")
        self.url = self.server.get_uri("postgres")

    def stop(self) -> None:
        from pgserver._commands import pg_ctl

        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.server.pgdata,
               user=self.server.system_user)  # fmt: skip

    def start(self) -> None:
        self.server.ensure_postgres_running()

    def cleanup(self) -> None:
        self.server.cleanup()


def _committed_through(url: str) -> int:
    with psycopg2.connect(url) as db, db.cursor() as cursor:
        cursor.execute("SELECT max(committed_through) FROM faults.imports_importjob")
        return int(cursor.fetchone()[0] or 0)


def _manage(env: dict[str, str], *args: str) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=Path(__file__).resolve().parents[2], env=env,
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def test_postgresql_stopped_for_15_seconds_mid_import(tmp_path, own_queue):
    """On a private PostgreSQL and Redis: the README's import_catalog waits the outage out and
    reports the job committed with its counts."""
    folder = Path("/tmp") / f"stacks-pg-fault-{os.urandom(4).hex()}"  # noqa: S108 - short socket path
    folder.mkdir()
    folder.chmod(0o755)
    postgres = PrivatePostgres(folder)
    redis = Redis(tmp_path)
    redis.start()
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env = {**base, **own_queue, "DATABASE_URL": postgres.url, "REDIS_URL": redis.url,
           "CELERY_BROKER_URL": redis.url, "DJANGO_SETTINGS_MODULE": "tests.settings",
           "STACKS_TEST_RUN": f"pgfault{free_port()}"}  # fmt: skip
    worker = None
    command = None
    try:
        for args in (("migrate_schemas", "--shared", "-v", "0"), ("bootstrap_platform",),
                     ("create_library", "faults", "--name", "Faults", "--domain",
                      "faults.localhost", "--admin-email", "a@faults.example")):  # fmt: skip
            done = _manage(env, *args)
            assert done.returncode == 0, done.stderr[-3000:]
        worker_env = {k: v for k, v in env.items() if k != "DJANGO_SETTINGS_MODULE"}
        worker = WorkerProcess(concurrency=1, extra_env=worker_env)
        worker.log_path = worker.log_path.with_name(f"worker-pg-fault-{redis.port}.log")
        worker.start()
        log = tmp_path / "import.log"
        command = subprocess.Popen(
            [sys.executable, "manage.py", "import_catalog", "--library", "faults",
             "--create-locations", str(_marc(tmp_path))],
            cwd=Path(__file__).resolve().parents[2], env=env,
            stdout=log.open("w"), stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        assert wait_for(lambda: _committed_through(postgres.url) >= 600, 180, errors_pass=True), (
            log.read_text()
        )
        postgres.stop()
        time.sleep(15)
        postgres.start()
        status = command.wait(timeout=RESUME_BOUND + 120)
        output = log.read_text()
        assert status == 0, output[-3000:] + worker.log()[-3000:]
        assert f"total {COUNT}, created {COUNT}, updated 0, unchanged 0, rejected 0" in output
        with psycopg2.connect(postgres.url) as db, db.cursor() as cursor:
            cursor.execute(
                "SELECT count(*), count(DISTINCT control_number) FROM faults.catalog_record"
            )
            records, distinct = cursor.fetchone()
            cursor.execute(
                "SELECT count(*) FROM faults.catalog_change "
                "WHERE entity = 'record' AND action = 'created'"
            )
            (created_entries,) = cursor.fetchone()
        assert (records, distinct, created_entries) == (COUNT, COUNT, COUNT)
    finally:
        if command is not None:
            process_stop(command)  # type: ignore[arg-type]
        if worker is not None:
            worker.stop()
        redis.stop()
        postgres.cleanup()
