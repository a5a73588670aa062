"""Many libraries made quickly for benchmarks: the template's structure, copied by plain DDL.

Each filler schema gets every table of the template (columns, defaults, checks, indexes and
identity sequences through `LIKE ... INCLUDING ALL`), its foreign keys, and the template's
rows (migration records, content types, permissions): the same catalog load on PostgreSQL as
a cloned library, made in a batch of statements instead of one plpgsql clone each.
"""

from django.db import connection

from tenants.models import Domain, Library
from tenants.template import template_schema_name

PLACEHOLDER = "__SCHEMA__"


def _script() -> str:
    template = template_schema_name()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", [template]
        )
        tables = [row[0] for row in cursor.fetchall()]
        # With only the template on the search path, constraint definitions name its tables
        # unqualified, so they resolve inside the new schema when replayed there.
        cursor.execute(f'SET search_path TO "{template}"')
        cursor.execute(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
            "FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
            "WHERE n.nspname = %s AND c.contype = 'f' ORDER BY 1, 2",
            [template],
        )
        foreign_keys = cursor.fetchall()
        filled = []
        for table in tables:
            cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{template}"."{table}")')  # noqa: S608
            if cursor.fetchone()[0]:
                filled.append(table)
        cursor.execute("SET search_path TO public")
    s = f'"{PLACEHOLDER}"'
    statements = [f"CREATE SCHEMA {s}", f"SET search_path TO {s}"]
    statements += [
        f'CREATE TABLE {s}."{t}" (LIKE "{template}"."{t}" INCLUDING ALL)' for t in tables
    ]
    for table in filled:
        statements.append(f'INSERT INTO {s}."{table}" SELECT * FROM "{template}"."{table}"')  # noqa: S608
        statements.append(
            f"SELECT setval(pg_get_serial_sequence('{s}.\"{table}\"', 'id'), "  # noqa: S608
            f'(SELECT max(id) FROM {s}."{table}"))'
        )
    statements += [
        f'ALTER TABLE {s}."{table}" ADD CONSTRAINT "{name}" {definition}'
        for table, name, definition in foreign_keys
    ]
    statements.append("SET search_path TO public")
    return ";\n".join(statements) + ";"


def libraries_fill(*, prefix: str, start: int, count: int, batch: int = 5) -> list[str]:
    """Make `count` libraries named <prefix><n> (schema, Library and Domain rows)."""
    script = _script()
    with connection.cursor() as cursor:
        # Benchmark scaffolding only: batches need not wait for the disk.
        cursor.execute("SET synchronous_commit TO off")
    names = [f"{prefix}{n:05d}" for n in range(start, start + count)]
    for offset in range(0, len(names), batch):
        chunk = names[offset : offset + batch]
        with connection.cursor() as cursor:
            cursor.execute("\n".join(script.replace(PLACEHOLDER, name) for name in chunk))
        libraries = Library.objects.bulk_create(
            [Library(schema_name=name, name=f"Bench {name}") for name in chunk]
        )
        Domain.objects.bulk_create(
            [
                Domain(domain=f"{lib.schema_name.replace('_', '-')}.bench.localhost", tenant=lib,
                       is_primary=True)
                for lib in libraries
            ]
        )  # fmt: skip
    return names


def libraries_drop(*, prefix: str) -> None:
    names = list(
        Library.objects.filter(schema_name__startswith=prefix).values_list("schema_name", flat=True)
    )
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
        for offset in range(0, len(names), 5):
            drops = [
                f'DROP SCHEMA IF EXISTS "{name}" CASCADE' for name in names[offset : offset + 5]
            ]
            cursor.execute(";".join(drops))
        cursor.execute("SET synchronous_commit TO on")
    Domain.objects.filter(tenant__schema_name__startswith=prefix).delete()
    Library.objects.filter(schema_name__startswith=prefix).delete()
