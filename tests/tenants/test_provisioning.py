"""Libraries are cloned from a template kept at the code's migrations, and really have them."""

from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from tenants.services import library_create
from tenants.template import library_template_is_current, template_schema_name
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


def test_a_library_made_after_a_new_migration_has_its_table(db):
    """Make the template one migration behind the code, as after a deploy with a new
    migration, and create a library: the new migration's tables exist in it for real."""
    template = template_schema_name()
    with connection.cursor() as cursor:
        cursor.execute(
            f'DELETE FROM "{template}".django_migrations '  # noqa: S608
            "WHERE app = 'staff' AND name = '0002_invitations_and_audit_events'"
        )
        cursor.execute(f'DROP TABLE "{template}".staff_invitation, "{template}".staff_auditevent')
    assert not library_template_is_current()

    library_create(
        schema_name="lambda_", name="Lambda", domain="lambda.localhost",
        admin_email="a@lambda.example", admin_password=PASSWORD,
    )  # fmt: skip

    assert {"staff_invitation", "staff_auditevent"} <= _tables("lambda_")
    assert ("staff", "0002_invitations_and_audit_events") in _migrations("lambda_")
    assert library_template_is_current()
    with schema_context("lambda_"):
        from tenants.staff.models import AuditEvent

        AuditEvent.objects.create(actor="x", action="y")
        assert AuditEvent.objects.count() == 1
