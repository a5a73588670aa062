"""Import and export tasks: each runs one service in the schema of the library that queued it."""

from typing import Any

from celery import current_app, shared_task
from celery.signals import worker_ready
from django.db import reset_queries
from django_tenants.utils import get_public_schema_name, schema_context

from catalog.imports.exports import EXPORT_JOB_RUN, export_job_write
from catalog.imports.services import (
    IMPORT_JOB_RUN,
    import_job_work,
    import_jobs_resumable,
    lease_token,
)
from common.tasks import LibraryTask
from tenants.models import Library

RESUME_EVERY_SECONDS = 60


@shared_task(base=LibraryTask, name=IMPORT_JOB_RUN, bind=True)
def import_job_run(self: Any, job_id: int, owner: str = "") -> None:
    """One time slice of an import; when other work waits in the queue, the next slice goes
    to the back of it, behind other libraries' work."""
    # As a request does: with DEBUG on, the connection's query log (9,000 statements, some
    # carrying a chunk's thousands of keys) would otherwise grow across slices to 100 MB.
    reset_queries()
    owner = owner or lease_token()
    delivery = self.request.delivery_info or {}
    queue = delivery.get("routing_key") or self.app.conf.task_default_queue
    if import_job_work(job_id=job_id, owner=owner, others_waiting=lambda: queue_waiting(queue)):
        import_job_run.delay(job_id, owner)


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
    """Restart active imports whose task was lost (a killed worker, a broker restart), and
    look again when the leases still held expire."""
    free, wait = import_jobs_resumable()
    for job_id in free:
        import_job_run.delay(job_id)
    if wait is not None:
        imports_resume.apply_async(countdown=min(wait + 1, RESUME_EVERY_SECONDS))
    return free


@shared_task(base=LibraryTask, name=EXPORT_JOB_RUN)
def export_job_run(job_id: int) -> None:
    export_job_write(job_id=job_id)


@worker_ready.connect
def imports_resume_on_start(sender: Any = None, **kwargs: Any) -> None:
    """A worker that starts picks up the imports a dead one left, in every library."""
    public = get_public_schema_name()
    with schema_context(public):
        schemas = list(
            Library.objects.exclude(schema_name=public)
            .filter(status="active")
            .values_list("schema_name", flat=True)
        )
    for schema in schemas:
        with schema_context(schema):
            imports_resume.delay()
