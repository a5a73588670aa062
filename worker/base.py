"""Task base classes: a library task refuses to run outside a library's schema."""

from typing import Any

from django.db import connection
from tenant_schemas_celery.task import TenantTask


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
