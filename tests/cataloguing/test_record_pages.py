"""The workspace's record pages: find by any word, identifier or barcode; change a record."""

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from catalog.models import Record
from catalog.services import ItemData, RecordData, item_create, record_create
from staff.services import user_create
from tests.cataloguing.test_add_page import _fields
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST
from tests.tenants.admin_helpers import signed_in


@pytest.fixture
def record(library) -> Record:  # type: ignore[no-untyped-def]
    with schema_context("alpha"):
        made = record_create(
            data=RecordData(
                title="The Left Hand of Darkness",
                contributors=[(f"Person {n}", "author") for n in range(6)],
                subjects=[("Science fiction", "lcsh")],
                identifiers=[("isbn", "0-441-47812-3"), ("issn", "0317-8471"),
                             ("oclc", "(OCoLC)12345")],
            )
        )  # fmt: skip
        item_create(record_id=made.pk, data=ItemData(barcode="BAR-77"))
        return made


@pytest.fixture
def admin(library) -> Client:  # type: ignore[no-untyped-def]
    return signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)


@pytest.mark.parametrize(
    "q", ["left hand", "Person 3", "978-0-441-47812-5", "0441478123", "0317-8471", "BAR-77",
          "ocm12345"],
)  # fmt: skip
def test_find_a_record_by_anything_it_carries(admin, record, q):
    page = admin.get("/staff/records/", {"q": q})
    assert page.status_code == 200
    assert f'href="/staff/records/{record.pk}/"' in page.content.decode(), q


def test_nothing_found_offers_to_add(admin, record):
    assert "Add a book" in admin.get("/staff/records/", {"q": "zzzzqqq"}).content.decode()


def _form(page: str) -> dict[str, str]:
    values = _fields(page)
    values["version"] = values.get("version", "")
    return values


def test_a_change_keeps_what_the_form_does_not_show(admin, record):
    page = admin.get(f"/staff/records/{record.pk}/")
    assert page.status_code == 200
    assert "BAR-77" in page.content.decode()
    values = _form(page.content.decode())
    assert values["contributor_6"] == "Person 5"
    values["title"] = "The Left Hand of Darkness (revised)"
    saved = admin.post(f"/staff/records/{record.pk}/", values)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    with schema_context("alpha"):
        changed = Record.objects.get(pk=record.pk)
        assert changed.title == "The Left Hand of Darkness (revised)"
        assert changed.version == record.version + 1
        assert [c.contributor.name for c in changed.credits.order_by("position")] == [
            f"Person {n}" for n in range(6)
        ]
        assert list(changed.subject_links.values_list("subject__scheme", flat=True)) == ["lcsh"]
        assert set(changed.identifiers.values_list("kind", "value")) == {
            ("isbn", "9780441478125"), ("issn", "0317-8471"), ("oclc", "12345")
        }  # fmt: skip
    # The same form again is stale: refused, and nothing changes.
    stale = admin.post(f"/staff/records/{record.pk}/", values)
    assert stale.status_code == 412
    with schema_context("alpha"):
        assert Record.objects.get(pk=record.pk).version == record.version + 1


def test_viewers_look_and_other_libraries_miss(library, record):
    with schema_context("alpha"):
        user_create(email="v@alpha.example", role="viewer")
    viewer = signed_in(LIBRARY_HOST, "alpha", "v@alpha.example", client_class=Client)
    assert viewer.get(f"/staff/records/{record.pk}/").status_code == 200
    assert viewer.post(f"/staff/records/{record.pk}/", {"title": "x"}).status_code == 403
    beta = signed_in(OTHER_LIBRARY_HOST, "beta", "admin@beta.example", client_class=Client)
    with schema_context("beta"):
        assert not Record.objects.filter(pk=record.pk).exists()
    assert beta.get(f"/staff/records/{record.pk}/").status_code == 404
    assert beta.post(f"/staff/records/{record.pk}/", {"title": "x"}).status_code == 404
    assert "Left Hand" not in beta.get("/staff/records/", {"q": "left hand"}).content.decode()
    with schema_context("alpha"):
        assert Record.objects.get(pk=record.pk).title == "The Left Hand of Darkness"
