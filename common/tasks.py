"""Task base classes, and queueing a task by its registered name once the transaction commits.

Services queue work by name so that no layer below the worker imports the worker: the task
itself lives in `worker/`, registered under the same name.
"""

import logging
from typing import Any

from celery import current_app
from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.functions import Now
from kombu.exceptions import OperationalError
from tenant_schemas_celery.task import TenantTask

from common.cache import REDIS_UNAVAILABLE

logger = logging.getLogger(__name__)

# Every name services queue; a test holds each to a task the worker registers.
QUEUED_TASKS: set[str] = set()


def task_name(name: str) -> str:
    """Declare a task name that a service queues (checked against the registry by a test)."""
    QUEUED_TASKS.add(name)
    return name


def task_enqueue(
    name: str,
    *args: Any,
    countdown: float | None = None,
    jobs: "QuerySet[Any] | None" = None,
) -> None:
    """Queue the task registered as `name` once the current transaction commits.

    The task carries the current schema in its headers (tenant-schemas-celery's send_task),
    and nothing is queued if the transaction rolls back. A task given its `jobs` is one the
    workers queue again by themselves from those rows (imports, exports and patron imports,
    found by the imports watch): with the broker away, the rows are marked as waiting for
    the job queue (`queue_missed_at`) and left to the workers, since they are committed and
    an error would only make the caller ask a second time.
    """
    options: dict[str, Any] = {}
    if countdown is not None:
        options["countdown"] = countdown

    def send() -> None:
        try:
            current_app.send_task(name, args=args, **options)
        except (OperationalError, *REDIS_UNAVAILABLE):
            if jobs is None:
                raise
            logger.warning("broker unavailable: %s%r is left for the workers to find", name, args)
            jobs.update(queue_missed_at=Now())

    transaction.on_commit(send)


class LibraryRequired(RuntimeError):
    """A library task arrived without a library's schema (or for a suspended library)."""


class LibraryTask(TenantTask):
    """A task that works on one library's data.

    tenant-schemas-celery carries the schema that queued the task in its headers and switches
    to it before the task runs. Queued from the public schema, or with no schema at all, the
    task would run against the platform's tables: it refuses instead.
    """

    abstract = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        schema = connection.schema_name  # type: ignore[attr-defined]
        if not schema or schema == "public":
            raise LibraryRequired(
                f"Task {self.name} needs a library's schema and was queued without one."
            )
        tenant = getattr(connection, "tenant", None)
        if tenant is not None and getattr(tenant, "status", "active") != "active":
            raise LibraryRequired(f"Task {self.name} refused: library {schema} is suspended.")
        return super().__call__(*args, **kwargs)


class PlatformTask(TenantTask):
    """A task about the platform itself (sign-ups, library administration).

    It always runs in the public schema, whichever schema queued it, and takes the ids of
    platform rows only.
    """

    abstract = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        connection.set_schema_to_public()  # type: ignore[attr-defined]
        return super().__call__(*args, **kwargs)
