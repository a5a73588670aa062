"""Import and export tasks: each runs one service in the schema of the library that queued it.

An import resumes by itself after any interruption. A turn that meets a database outage is
tried again with the same lease; a turn that finds another holder's lease watches until it
expires; every worker looks, once a heartbeat period, for imports whose holder's heartbeat
has stopped (a worker killed mid-turn), and once a lease period for any import or export
whose holder is gone (a lost message too), and queues them again.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from celery import current_app, shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.db import (
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
    reset_queries,
)
from django_tenants.utils import schema_context

from catalog.imports.exports import EXPORT_JOB_RUN, export_job_work, export_jobs_resumable
from catalog.imports.jobs import IMPORT_JOB_RUN, import_job_work
from catalog.imports.leasing import LeaseLost, lease_token
from catalog.imports.resuming import import_job_lease_wait, import_jobs_resumable
from circulation.patron_imports import PATRON_IMPORT_RUN, patron_imports_waiting
from common.readers import readers_active
from common.tasks import LibraryTask
from tenants.activity import library_schemas_importing

logger = logging.getLogger(__name__)

DATABASE_RETRY_SECONDS = 5
# How long a turn keeps trying to queue its next turn while the broker is away; past it the
# watch below picks the job up once its lease expires.
PUBLISH_RETRY = {"max_retries": 30, "interval_start": 1, "interval_step": 1, "interval_max": 3}


def _queue_turn(job_id: int, owner: str = "", countdown: float | None = None) -> None:
    import_job_run.apply_async(
        (job_id, owner), countdown=countdown, retry=True, retry_policy=PUBLISH_RETRY
    )


@shared_task(base=LibraryTask, name=IMPORT_JOB_RUN, bind=True, max_retries=None)
def import_job_run(self: Any, job_id: int, owner: str = "") -> None:
    """One time slice of an import; when other work waits in the queue, the next slice goes
    to the back of it, behind other libraries' work. It pauses between chunks while the web
    serves another library's readers (common/readers.py)."""
    more, owner = _turn_take(self, import_job_work, job_id, owner)
    if more:
        _queue_turn(job_id, owner)
        return
    wait = import_job_lease_wait(job_id)
    if wait is not None:
        # Someone else holds the job (another chain, or a worker that died holding it):
        # look again when that lease ends.
        _queue_turn(job_id, countdown=wait + 1)


def _turn_take(task: Any, work: Callable[..., bool], job_id: int, owner: str) -> tuple[bool, str]:
    """One turn of a job's `work` on this worker: whether there is more, and the holder of its
    lease. A database outage is waited out: the task is tried again by the same holder."""
    turn = _turn_of(task, owner)
    try:
        return work(job_id=job_id, **turn), turn["owner"]
    except (OperationalError, InterfaceError) as exc:
        close_old_connections()
        raise task.retry(
            args=(job_id, turn["owner"]), countdown=DATABASE_RETRY_SECONDS, exc=exc
        ) from exc


def _turn_of(task: Any, owner: str) -> dict[str, Any]:
    """What a job's turn on this worker needs: the holder of its lease, and how to tell that
    other work waits in the task's queue or that another library's readers are being served
    (its own library's requests, progress polled or pages read, are no neighbours)."""
    # As a request does: with DEBUG on, the connection's query log (thousands of statements,
    # some carrying a chunk's thousands of keys) would otherwise grow from turn to turn.
    reset_queries()
    schema = connection.schema_name  # type: ignore[attr-defined]
    delivery = task.request.delivery_info or {}
    queue = delivery.get("routing_key") or task.app.conf.task_default_queue
    return {
        "owner": owner or lease_token(),
        "others_waiting": lambda: queue_waiting(queue),
        "readers_active": lambda: readers_active(other_than=schema),
    }


def queue_waiting(queue: str) -> bool:
    """Whether tasks wait in this broker queue; when the broker cannot say, assume they do."""
    try:
        with current_app.connection_for_read() as broker:
            _, waiting, _ = broker.default_channel.queue_declare(queue=queue)
    except Exception:  # the slice then ends as it would without the check
        return True
    return bool(waiting)


@shared_task(base=LibraryTask, name="worker.imports_resume")
def imports_resume() -> list[int]:
    """Queue the active imports of this library that nobody holds any longer, its next
    export when none is held, and its patron imports that wait for the job queue."""
    free, _ = import_jobs_resumable()
    for job_id in free:
        _queue_turn(job_id)
    for job_id in export_jobs_resumable():
        export_job_run.apply_async((job_id,), retry=True, retry_policy=PUBLISH_RETRY)
    for job_id in patron_imports_waiting():
        current_app.send_task(
            PATRON_IMPORT_RUN, args=(job_id,), retry=True, retry_policy=PUBLISH_RETRY
        )
    return free


@shared_task(base=LibraryTask, name=EXPORT_JOB_RUN, bind=True, max_retries=None)
def export_job_run(self: Any, job_id: int, owner: str = "") -> None:
    """One turn of an export; as an import's, the next goes to the back of the queue when
    other work waits. A database outage is waited out by the same holder of its lease."""
    try:
        more, owner = _turn_take(self, export_job_work, job_id, owner)
    except LeaseLost:
        logger.warning("export %s was taken over by another worker", job_id)
        return
    if more:
        export_job_run.apply_async((job_id, owner), retry=True, retry_policy=PUBLISH_RETRY)


def imports_watch(*, heartbeat_stopped: bool = False) -> None:
    """Queue a resume in every library with an import or export in progress, or, with
    `heartbeat_stopped`, only where an import's holder has died mid-turn (an outage is logged
    and the next round tries again)."""
    try:
        for schema in library_schemas_importing(heartbeat_stopped=heartbeat_stopped):
            with schema_context(schema):
                imports_resume.apply_async(retry=True, retry_policy=PUBLISH_RETRY)
    except Exception:
        logger.warning("could not look for interrupted imports; trying again", exc_info=True)
    finally:
        close_old_connections()


_watch_stop = threading.Event()
# Set each time this worker's consumer is connected to the job queue (worker/consumer.py).
_queue_back = threading.Event()


def job_queue_back() -> None:
    """Tell the watch that this worker is (again) connected to the job queue."""
    _queue_back.set()


def _watch_forever(stop: threading.Event, back: threading.Event) -> None:
    """Every round once a lease period, and at once when this worker is back on the job queue
    after an outage (the jobs stored meanwhile wait for it); in between, a look once a
    heartbeat period at whether a holder died mid-turn, which queues nothing while all is well.

    The consumer says it is back, rather than the watch pinging Redis between looks: an outage
    shorter than a look would go unseen, and the jobs stored during it would wait for the full
    round. Redis coming back breaks every connection to it, so the consumer always sees it."""
    while True:
        back.clear()
        imports_watch()
        full_round = time.monotonic() + settings.STACKS_IMPORT_LEASE_SECONDS
        while (left := full_round - time.monotonic()) > 0:
            if back.wait(min(settings.STACKS_IMPORT_HEARTBEAT_SECONDS, left)):
                break
            if stop.is_set():
                return
            imports_watch(heartbeat_stopped=True)
        if stop.is_set():
            return


@worker_ready.connect
def imports_watch_start(sender: Any = None, **kwargs: Any) -> None:
    """A worker picks up the imports a dead one left, at once, then within a few seconds of
    a holder's heartbeat stopping, and once a lease period whatever else was left."""
    threading.Thread(
        target=_watch_forever,
        args=(_watch_stop, _queue_back),
        name="imports-watch",
        daemon=True,
    ).start()
