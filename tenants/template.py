"""The template schema new libraries are cloned from, kept at the code's latest migrations.

django-tenants fakes the migrations of a cloned schema, so a template behind the code would
produce libraries missing tables. Before each clone we check the template's migration table
against the code's migration leaves (one query) and migrate it first if it is behind.
"""

from functools import cache

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import schema_context, schema_exists


def template_schema_name() -> str:
    return settings.TENANT_BASE_SCHEMA


@cache
def _tenant_migration_leaves() -> tuple[tuple[str, str], ...]:
    tenant_labels = {app.rsplit(".", 1)[-1] for app in settings.TENANT_APPS}
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return tuple(sorted(node for node in loader.graph.leaf_nodes() if node[0] in tenant_labels))


def library_template_is_current() -> bool:
    schema = template_schema_name()
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
        connection.set_schema_to_public()
