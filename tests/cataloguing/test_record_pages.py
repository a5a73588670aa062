"""The workspace's record pages: find by any word, identifier or barcode; change a record."""

import io
import re
from pathlib import Path

import pymarc
import pytest
from django.test import Client
from django_tenants.utils import schema_context

from catalog.models import Record
from catalog.services import ItemData, RecordData, item_create, record_create
from staff.services import user_create
from tests.api.conftest import callers_of
from tests.catalog.imports.helpers import job_import
from tests.cataloguing.test_add_page import _fields
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST
from tests.tenants.admin_helpers import signed_in

MARC_FILE = Path(__file__).resolve().parent.parent / "data" / "marc" / "test.dat"


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
          "bar-77", "ocm12345"],
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


def test_saving_an_imported_record_keeps_its_control_number_and_re_import_matches(admin, library):
    with schema_context("alpha"):
        job_import(MARC_FILE, one_shot=True, match_on="control_number")
        record = Record.objects.get(control_number="fol05848297")
        records = Record.objects.count()
    reader = callers_of("alpha", LIBRARY_HOST)["read_key"]
    before = reader.get(f"/api/v1/records/{record.pk}/").json()
    assert (before["control_number"], before["control_number_source"]) == ("fol05848297", "IMchF")

    # Saved as it is, nothing touched.
    page = admin.get(f"/staff/records/{record.pk}/").content.decode()
    saved = admin.post(f"/staff/records/{record.pk}/", _form(page))
    assert saved.status_code == 302, saved.content.decode()[:2000]

    after = reader.get(f"/api/v1/records/{record.pk}/").json()
    assert (after["control_number"], after["control_number_source"]) == ("fol05848297", "IMchF")
    assert {k: v for k, v in after.items() if k not in ("version", "updated_at")} == {
        k: v for k, v in before.items() if k not in ("version", "updated_at")
    }
    exported = reader.get(f"/api/v1/records/{record.pk}/", HTTP_ACCEPT="application/marc")
    marc = next(pymarc.MARCReader(io.BytesIO(exported.content), to_unicode=True, force_utf8=True))
    assert marc["001"].data.strip() == "fol05848297"  # as the file has it, trailing space too
    assert marc["003"].data == "IMchF"
    # The same file again finds the record by its control number: no duplicate.
    with schema_context("alpha"):
        again = job_import(MARC_FILE, one_shot=True, match_on="control_number")
        assert again.created == 0
        assert Record.objects.count() == records


def test_saving_a_title_unchanged_keeps_its_non_filing_characters(admin, library):
    with schema_context("alpha"):
        record = record_create(data=RecordData(title="Les misérables", nonfiling=4))
        assert record.sort_title == "miserables"
    page = admin.get(f"/staff/records/{record.pk}/").content.decode()
    values = _form(page)
    values["summary"] = "Jean Valjean."
    assert admin.post(f"/staff/records/{record.pk}/", values).status_code == 302
    with schema_context("alpha"):
        changed = Record.objects.get(pk=record.pk)
        assert changed.summary == "Jean Valjean."
        assert changed.sort_title == "miserables"  # filed under M, as before


def test_a_save_from_a_stale_tab_is_refused_until_the_record_is_opened_again(admin, record):
    url = f"/staff/records/{record.pk}/"
    tab_a = _form(admin.get(url).content.decode())
    tab_b = _form(admin.get(url).content.decode())
    tab_a["title"] = "The Left Hand of Darkness (A's title)"
    assert admin.post(url, tab_a).status_code == 302
    tab_b["summary"] = "B's summary"

    refused = admin.post(url, tab_b)
    assert refused.status_code == 412
    page = refused.content.decode()
    assert "Someone saved this record after you opened it. Your changes were not saved" in page
    assert "you sent" not in page
    differences = page[page.index('id="differences"') : page.index('id="record-form"')]
    assert "The Left Hand of Darkness (A&#x27;s title)" in differences
    assert "B&#x27;s summary" in differences
    assert f'href="{url}" id="reload-record"' in page

    # Saved again from the refused page: refused again, A's title kept.
    again = admin.post(url, _form(page))
    assert again.status_code == 412
    with schema_context("alpha"):
        kept = Record.objects.get(pk=record.pk)
        assert (kept.title, kept.summary) == ("The Left Hand of Darkness (A's title)", "")

    # Opened as it is now, B makes the change again: both are kept.
    fresh = _form(admin.get(url).content.decode())
    assert fresh["title"] == "The Left Hand of Darkness (A's title)"
    fresh["summary"] = "B's summary"
    assert admin.post(url, fresh).status_code == 302
    with schema_context("alpha"):
        both = Record.objects.get(pk=record.pk)
        assert (both.title, both.summary) == (
            "The Left Hand of Darkness (A's title)",
            "B's summary",
        )


def test_a_copy_added_on_a_record_s_page_comes_back_to_it(admin, record):
    """The record page's "Add a copy" keeps the librarian on the record: the new copy in its
    list, or the refusal said once beside the barcode they typed."""
    page = admin.get(f"/staff/records/{record.pk}/").content.decode()
    action = re.search(
        r'<form method="post" action="([^"]+)"(?:(?!</form>).)*Add this copy', page, re.S
    )
    assert action is not None
    added = admin.post(action[1], {"barcode": "BAR-78", "status": "available"})
    assert added.status_code == 302
    assert added["Location"].startswith(f"/staff/records/{record.pk}/")
    assert "BAR-78" in admin.get(added["Location"]).content.decode()
    taken = admin.post(action[1], {"barcode": "BAR-77", "status": "available"})
    assert taken.status_code == 400
    text = taken.content.decode()
    assert "<h1>The Left Hand of Darkness</h1>" in text
    assert text.count("is already used by another item") == 1
    assert 'value="BAR-77"' in text
    with schema_context("alpha"):
        assert sorted(record.items.values_list("barcode", flat=True)) == ["BAR-77", "BAR-78"]


def test_a_refused_save_lists_its_errors_at_the_top_linking_to_each_field(admin, record):
    """A wrong year is marked at its field far down the page, and listed where the page
    starts, before the copies, with a link to the field."""
    values = _form(admin.get(f"/staff/records/{record.pk}/").content.decode())
    values["publication_year"] = "19933"

    refused = admin.post(f"/staff/records/{record.pk}/", values, HTTP_ACCEPT_LANGUAGE="de")

    assert refused.status_code == 400
    html = refused.content.decode()
    summary = re.search(
        r'<div class="error" role="alert" id="error-summary">(.*?)</div>', html, re.S
    )
    assert summary is not None, html[:3000]
    assert html.index('id="error-summary"') < html.index('id="copies"')
    assert "Es wurde nichts gespeichert" in summary[1]
    links = re.findall(r'<li><a href="#([^"]+)">([^<]+)</a> \u2013 ([^<]+)</li>', summary[1])
    assert [(target, label) for target, label, _ in links] == [
        ("id_publication_year", "Erscheinungsjahr")
    ]
    assert 'id="id_publication_year"' in html
    with schema_context("alpha"):
        assert Record.objects.get(pk=record.pk).version == record.version


def test_a_page_with_nothing_refused_has_no_error_summary(admin, record):
    assert 'id="error-summary"' not in admin.get(f"/staff/records/{record.pk}/").content.decode()
