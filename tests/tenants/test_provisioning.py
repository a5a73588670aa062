"""Libraries are cloned from a template kept at the code's migrations, and really have them."""

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from tenants.errors import LibraryError
from tenants.services import library_create
from tenants.template import (
    library_template_is_current,
    schema_is_current,
    spare_pool_fill,
    spare_schema_names,
    template_schema_name,
)
from tests.conftest import PASSWORD


def _tables(schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema])
        return {row[0] for row in cursor.fetchall()}


def _migrations(schema: str) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        sql = f'SELECT app, name FROM "{schema}".django_migrations ORDER BY app, name'  # noqa: S608
        cursor.execute(sql)
        return cursor.fetchall()


def test_a_clone_has_the_template_tables_and_migration_record(db):
    made = library_create(
        schema_name="kappa", name="Kappa", domain="kappa.localhost",
        admin_email="a@kappa.example", admin_password=PASSWORD,
    )  # fmt: skip
    template = template_schema_name()
    assert _tables("kappa") == _tables(template)
    assert _migrations("kappa") == _migrations(template)
    # Identity columns got their own sequences: ids in the clone do not touch the template's.
    with schema_context("kappa"):
        from catalog.models import Location

        Location.objects.create(code="A", name="A")
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{template}".catalog_location')  # noqa: S608
        assert cursor.fetchone()[0] == 0
    assert Client(HTTP_HOST="kappa.localhost").get("/").status_code == 200
    assert made.library.schema_name == "kappa"


def _columns(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = %s",
            [schema],
        )
        return set(cursor.fetchall())


# The newest migration of an app, and what it makes; a test undoes it to be one behind.
LATEST = ("staff", "0005_api_key_patron_scope")
LATEST_COLUMN = ("staff_apikey", "patrons")


def _one_migration_behind(schema: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            # The migration that added the column, and any of the app's after it.
            f'DELETE FROM "{schema}".django_migrations WHERE app = %s AND name >= %s',  # noqa: S608
            list(LATEST),
        )
        cursor.execute(f'ALTER TABLE "{schema}".{LATEST_COLUMN[0]} DROP COLUMN {LATEST_COLUMN[1]}')


def test_a_library_made_after_a_new_migration_has_its_table(db):
    """Make the template one migration behind the code, as after a deploy with a new
    migration, and create a library: the new migration's work is in it for real."""
    _one_migration_behind(template_schema_name())
    assert not library_template_is_current()

    library_create(
        schema_name="lambda_", name="Lambda", domain="lambda.localhost",
        admin_email="a@lambda.example", admin_password=PASSWORD,
    )  # fmt: skip

    assert LATEST_COLUMN in _columns("lambda_")
    assert LATEST in _migrations("lambda_")
    assert library_template_is_current()
    with schema_context("lambda_"):
        from staff.models import ApiKey

        assert not ApiKey.objects.filter(patrons=True).exists()


def test_a_spare_schema_becomes_the_library(db):
    assert spare_pool_fill(size=2) == 2
    spares = spare_schema_names()
    assert len(spares) == 2

    library_create(
        schema_name="xi", name="Xi", domain="xi.localhost",
        admin_email="a@xi.example", admin_password=PASSWORD,
    )  # fmt: skip

    assert spare_schema_names() == spares[1:]  # one was renamed, not copied
    assert _tables("xi") == _tables(template_schema_name())
    assert _migrations("xi") == _migrations(template_schema_name())
    with schema_context("xi"):
        from staff.models import User

        assert User.objects.get().email == "a@xi.example"
    assert Client(HTTP_HOST="xi.localhost").get("/").status_code == 200


def test_a_spare_behind_the_code_is_never_used(db):
    spare_pool_fill(size=1)
    [stale] = spare_schema_names()
    _one_migration_behind(stale)

    library_create(
        schema_name="omega", name="Omega", domain="omega.localhost",
        admin_email="a@omega.example", admin_password=PASSWORD,
    )  # fmt: skip
    assert LATEST_COLUMN in _columns("omega")
    assert spare_schema_names() == [stale]
    # Refilling drops the stale spare and makes a current one.
    assert spare_pool_fill(size=1) == 1
    [fresh] = spare_schema_names()
    assert fresh != stale
    assert schema_is_current(fresh)


def test_spare_names_cannot_be_library_names(db):
    with pytest.raises(LibraryError, match="reserved"):
        library_create(
            schema_name="spare_abc", name="X", domain="x.localhost",
            admin_email="a@x.example", admin_password=PASSWORD,
        )  # fmt: skip
