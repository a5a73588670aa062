"""The template schema new libraries are cloned from, kept at the code's latest migrations.

django-tenants fakes the migrations of a cloned schema, so a template behind the code would
produce libraries missing tables. Before each clone we check the template's migration table
against the code's migration leaves (one query) and migrate it first if it is behind.
"""

import secrets
from functools import cache

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django_tenants.clone import CloneSchema
from django_tenants.utils import schema_context, schema_exists

from tenants.citus import citus_enabled, schema_distribute
from tenants.models import Library


def template_schema_name() -> str:
    return settings.TENANT_BASE_SCHEMA


@cache
def _tenant_migration_leaves() -> tuple[tuple[str, str], ...]:
    tenant_labels = {app.rsplit(".", 1)[-1] for app in settings.TENANT_APPS}
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return tuple(sorted(node for node in loader.graph.leaf_nodes() if node[0] in tenant_labels))


def library_template_is_current() -> bool:
    return schema_is_current(template_schema_name())


def schema_is_current(schema: str) -> bool:
    """The schema has recorded every leaf migration of the tenant apps (one query)."""
    if not schema_exists(schema):
        return False
    leaves = _tenant_migration_leaves()
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT app, name FROM "{schema}".django_migrations '  # noqa: S608 - setting, not input
            "WHERE (app, name) IN (SELECT * FROM unnest(%s::text[], %s::text[]))",
            [[app for app, _ in leaves], [name for _, name in leaves]],
        )
        applied = set(cursor.fetchall())
    return applied == set(leaves)


def library_template_ensure(verbosity: int = 0) -> None:
    """Create or migrate the template schema if it is missing or behind the code."""
    with schema_context("public"):
        if library_template_is_current():
            return
        schema = template_schema_name()
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        call_command(
            "migrate_schemas",
            tenant=True,
            schema_name=schema,
            interactive=False,
            verbosity=verbosity,
        )
        connection.set_schema_to_public()  # type: ignore[attr-defined]


def _clone_function_present() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regproc('public.clone_schema') IS NOT NULL")
        return bool(cursor.fetchone()[0])


def schema_clone(*, schema_name: str) -> None:
    """Create `schema_name` as a copy of the template: its tables, indexes and rows.

    The copied rows include the template's django_migrations, which record exactly the
    migrations the template has (library_template_ensure checks it against the code before
    every clone). django-tenants would run a faked `migrate_schemas` after the clone to record
    the same rows again; loading the migration graph for that cost as much as the clone.
    On Citus the copy then becomes a distributed schema on a worker node.
    """
    if not _clone_function_present():
        CloneSchema()._create_clone_schema_function()
    with connection.cursor() as cursor:
        cursor.execute("SELECT clone_schema(%s, %s, 'DATA')", [template_schema_name(), schema_name])
    schema_distribute(schema_name=schema_name)


# Spare schemas: clones of the template made ahead of time, so that provisioning a library
# renames one (ALTER SCHEMA ... RENAME is instant) instead of cloning while the person waits.
SPARE_PREFIX = "spare_"


def spare_schema_names() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s) ORDER BY nspname",
            [SPARE_PREFIX],
        )
        return [row[0] for row in cursor.fetchall()]


def spare_schema_claim(*, schema_name: str) -> bool:
    """Rename a current spare schema to `schema_name`, inside the caller's transaction.

    Concurrent claims take a transaction-scoped advisory lock on the spare they try, so two
    provisionings never rename the same one; a spare behind the code's migrations is skipped
    (spare_pool_fill drops it). Returns False when no spare is available.
    """
    for spare in spare_schema_names():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [spare])
            if not cursor.fetchone()[0]:
                continue
            # Another transaction may have renamed it and committed before we locked it.
            if not schema_exists(spare) or not schema_is_current(spare):
                continue
            cursor.execute(f'ALTER SCHEMA "{spare}" RENAME TO "{schema_name}"')
        return True
    return False


def spare_pool_fill(*, size: int) -> int:
    """Drop spares behind the code, then clone until `size` current spares exist. Safe to
    run concurrently with provisioning; returns how many were made."""
    made = 0
    with schema_context("public"):
        library_template_ensure()
        current = []
        for spare in spare_schema_names():
            if schema_is_current(spare):
                current.append(spare)
                continue
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [spare])
                if cursor.fetchone()[0] and schema_exists(spare):
                    cursor.execute(f'DROP SCHEMA "{spare}" CASCADE')
        for _ in range(max(0, size - len(current))):
            with transaction.atomic():
                schema_clone(schema_name=f"{SPARE_PREFIX}{secrets.token_hex(6)}")
            made += 1
    return made


def schemas_behind(schema_names: list[str], *, chunk: int = 200) -> list[str]:
    """Those of `schema_names` missing a leaf migration of the code: one query per `chunk`."""
    leaves = _tenant_migration_leaves()
    behind: list[str] = []
    for offset in range(0, len(schema_names), chunk):
        names = schema_names[offset : offset + chunk]
        parts = [
            f'SELECT %s, (SELECT count(*) FROM "{name}".django_migrations '  # noqa: S608
            "WHERE (app, name) IN (SELECT * FROM unnest(%s::text[], %s::text[])))"
            for name in names
        ]
        params: list[str | list[str]] = []
        for name in names:
            params += [name, [app for app, _ in leaves], [n for _, n in leaves]]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            behind += [name for name, applied in cursor.fetchall() if applied != len(leaves)]
    return behind


def libraries_distribute() -> list[str]:
    """Distribute every library and spare schema that is still a plain one (an installation
    moving onto Citus, or a library restored from a dump), one transaction each; returns
    their names. Requires STACKS_CITUS."""
    if not citus_enabled():
        raise RuntimeError("STACKS_CITUS is off: this database is not a Citus coordinator.")
    names = list(
        Library.objects.exclude(schema_name="public").values_list("schema_name", flat=True)
    )
    names += [name for name in spare_schema_names() if name.startswith(SPARE_PREFIX)]
    done = []
    for name in names:
        with transaction.atomic():
            if schema_distribute(schema_name=name):
                done.append(name)
    return done
