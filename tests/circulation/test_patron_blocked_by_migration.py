"""Patrons blocked over the API by an earlier release kept "api-key:<prefix>" as who blocked
them; the migration names the key as the API and the page now do, or says a removed key did,
in the library it migrates alone."""

from importlib import import_module

from django.apps import apps
from django.utils import timezone
from django_tenants.utils import schema_context

from circulation.models import Patron
from staff.models import ApiKey
from staff.services import api_key_create
from tests.api.conftest import callers_of
from tests.api.test_circulation_api import patron_key
from tests.circulation.conftest import Desk, staff_client
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST

MIGRATION = "circulation.migrations.0015_patron_blocked_by_key_names"


def _blocked_as_before(schema: str, patron: Patron, blocked_by: str) -> None:
    """The patron blocked as an earlier release stored a key's block."""
    with schema_context(schema):
        Patron.objects.filter(pk=patron.pk).update(
            blocked_at=timezone.now(), block_reason="lost book", blocked_by=blocked_by
        )


def _blocked_by(schema: str) -> dict[str, str]:
    with schema_context(schema):
        return dict(Patron.objects.values_list("barcode", "blocked_by"))


def test_the_migration_names_the_key_or_says_it_is_gone(
    library, desk: Desk, other_desk: Desk
) -> None:
    migration = import_module(MIGRATION)
    with schema_context(desk.schema):
        kept = api_key_create(name="Self-check", scope="write", patrons=True).api_key
        gone = api_key_create(name="Old kiosk", scope="write", patrons=True).api_key
        ApiKey.objects.filter(pk=gone.pk).delete()
    _blocked_as_before(desk.schema, desk.patron, f"api-key:{kept.prefix}")
    _blocked_as_before(desk.schema, desk.other_patron, f"api-key:{gone.prefix}")
    # Another library's patron with the same words: migrated with its own library, not this.
    _blocked_as_before(other_desk.schema, other_desk.patron, f"api-key:{kept.prefix}")
    theirs = _blocked_by(other_desk.schema)
    with schema_context(desk.schema):
        migration.blocked_by_key_names(apps, None)
        migration.blocked_by_key_names(apps, None)  # once is all it does

    assert _blocked_by(desk.schema) == {
        desk.patron.barcode: "API key 'Self-check'",
        desk.other_patron.barcode: "a removed API key",
    }
    assert _blocked_by(other_desk.schema) == theirs
    # Shown so on the patron's page and in the API, as a block set today is.
    page = staff_client(desk.schema, LIBRARY_HOST, "librarian")
    shown = page.get(f"/staff/patrons/{desk.patron.pk}/").text
    assert "by API key &#x27;Self-check&#x27;: <bdi>lost book</bdi>." in shown
    shown = page.get(f"/staff/patrons/{desk.other_patron.pk}/").text
    assert "by a removed API key: <bdi>lost book</bdi>." in shown
    key = patron_key(desk.schema, LIBRARY_HOST, "read")
    read = key.get(f"/api/v1/patrons/{desk.patron.pk}/").json()
    assert (read["blocked"], read["blocked_by"]) == (True, "API key 'Self-check'")


def test_a_key_s_block_set_today_reads_as_the_migration_writes_it(library, desk: Desk) -> None:
    key = patron_key(desk.schema, LIBRARY_HOST, "write")
    url = f"/api/v1/patrons/{desk.patron.pk}/"
    blocked = key.patch(url, {"blocked": True, "block_reason": "lost"}, format="json").json()
    with schema_context(desk.schema):
        import_module(MIGRATION).blocked_by_key_names(apps, None)
    assert _blocked_by(desk.schema)[desk.patron.barcode] == blocked["blocked_by"]
    assert blocked["blocked_by"] == "API key 'write patrons key'"


def test_another_library_reads_no_migrated_block(library, other_library, desk: Desk) -> None:
    with schema_context(desk.schema):
        kept = api_key_create(name="Self-check", scope="write", patrons=True).api_key
    _blocked_as_before(desk.schema, desk.patron, f"api-key:{kept.prefix}")
    with schema_context(desk.schema):
        import_module(MIGRATION).blocked_by_key_names(apps, None)
    before = _blocked_by(desk.schema)
    url = f"/api/v1/patrons/{desk.patron.pk}/"
    their_admin = callers_of(other_library.schema_name, OTHER_LIBRARY_HOST)["admin"]
    assert their_admin.get(url).status_code == 404
    stray = patron_key(desk.schema, OTHER_LIBRARY_HOST, "read")
    assert stray.get(url).status_code == 401
    theirs = staff_client(other_library.schema_name, OTHER_LIBRARY_HOST, "librarian")
    assert theirs.get(f"/staff/patrons/{desk.patron.pk}/").status_code == 404
    assert _blocked_by(desk.schema) == before
