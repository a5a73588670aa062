"""Which libraries have work in progress, asked of every schema in one statement."""

from typing import Any

from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context

from catalog.imports.leasing import libraries_heartbeating
from catalog.imports.models import ExportJob, ImportJob, LeaseHeartbeat
from circulation.models import PatronImport
from tenants.models import Library


def library_schemas_importing(*, heartbeat_stopped: bool = False) -> list[str]:
    """The schemas of active libraries with an import or export job still to finish, or a
    patron import that waits for the job queue; with
    `heartbeat_stopped`, only those with a job whose holder's heartbeat has stopped (a worker
    killed mid-turn)."""
    public = get_public_schema_name()
    libraries = Library.objects.exclude(schema_name=public).filter(status=Library.Status.ACTIVE)
    if heartbeat_stopped:
        # Looked for every few seconds: only where a holder beat lately, not every library.
        heartbeating = libraries_heartbeating()
        if not heartbeating:
            return []
        libraries = libraries.filter(schema_name__in=heartbeating)
    with schema_context(public):
        schemas = list(libraries.values_list("schema_name", flat=True))
    if not schemas:
        return []
    imports = connection.ops.quote_name(ImportJob._meta.db_table)
    exports = connection.ops.quote_name(ExportJob._meta.db_table)
    stamps = connection.ops.quote_name(LeaseHeartbeat._meta.db_table)
    patrons = connection.ops.quote_name(PatronImport._meta.db_table)
    # Schema names are identifiers checked when each library was made, and quoted here.
    branches = []
    params: list[Any] = []
    for schema in schemas:
        quoted = connection.ops.quote_name(schema)
        if heartbeat_stopped:
            stopped = (
                f"JOIN {quoted}.{stamps} h ON h.owner = j.lease_owner WHERE j.status = ANY(%s) "
                "AND h.alive_until < statement_timestamp()"
            )
            branches.append(
                f"SELECT %s WHERE EXISTS (SELECT 1 FROM {quoted}.{imports} j {stopped})"  # noqa: S608
                f" OR EXISTS (SELECT 1 FROM {quoted}.{exports} j {stopped})"
            )
            params += [schema, list(ImportJob.ACTIVE_STATUSES), list(ExportJob.ACTIVE_STATUSES)]
            continue
        branches.append(
            f"SELECT %s WHERE EXISTS (SELECT 1 FROM {quoted}.{imports} WHERE status = ANY(%s))"  # noqa: S608
            f" OR EXISTS (SELECT 1 FROM {quoted}.{exports} WHERE status = ANY(%s))"
            f" OR EXISTS (SELECT 1 FROM {quoted}.{patrons} WHERE queue_missed_at IS NOT NULL)"
        )
        params += [schema, list(ImportJob.ACTIVE_STATUSES), list(ExportJob.ACTIVE_STATUSES)]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(branches), params)
        return [row[0] for row in cursor.fetchall()]
