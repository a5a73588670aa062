"""Scan-to-add's suggested barcode for the next copy: never one a card or a copy holds, so
"Add this copy" with it is taken; and a refused copy leaves the record shown as it is."""

import re

from django_tenants.utils import schema_context

from catalog.models import Item
from catalog.services import ItemData, RecordData, item_create, record_create
from circulation.services import PatronData, patron_create
from tests.api.conftest import callers_of
from tests.conftest import LIBRARY_HOST

LEFT_HAND = "9780441478125"


def held_book() -> int:
    """A record with one copy, 12345, the highest barcode of the catalog; two cards after it."""
    with schema_context("alpha"):
        record = record_create(
            data=RecordData(
                title="Held",
                contributors=[("Smith, G", "author")],
                identifiers=[("isbn", LEFT_HAND)],
            )
        )
        item_create(record_id=record.pk, data=ItemData(barcode="12345"))
        patron_create(data=PatronData(name="Bob Reader", barcode="12346"))
        patron_create(data=PatronData(name="Ann Reader", barcode="12347"))
    return record.pk


def test_the_suggested_barcode_skips_the_cards_after_the_copies(library, librarian):
    record_id = held_book()
    answer = callers_of("alpha", LIBRARY_HOST)["read_key"].get(
        "/api/v1/records/lookup/", {"isbn": LEFT_HAND}
    )
    assert answer.status_code == 200
    assert answer.json()["next_barcode"] == "12348"
    page = librarian.get("/staff/add/", {"isbn": LEFT_HAND}).content.decode()
    assert 'value="12348"' in page
    added = librarian.post(
        f"/staff/add/records/{record_id}/copy/", {"barcode": "12348", "status": "available"}
    )
    assert added.status_code == 302
    with schema_context("alpha"):
        barcodes = Item.objects.filter(record_id=record_id).values_list("barcode", flat=True)
        assert sorted(barcodes) == ["12345", "12348"]


def test_a_long_run_of_held_barcodes_is_passed(library, librarian):
    """Forty cards numbered after the copies: more than the first question asks about."""
    with schema_context("alpha"):
        record = record_create(data=RecordData(title="Run", identifiers=[("isbn", LEFT_HAND)]))
        item_create(record_id=record.pk, data=ItemData(barcode="000100"))
        for n in range(101, 141):
            patron_create(data=PatronData(name=f"Reader {n}", barcode=f"{n:06d}"))
    page = librarian.get("/staff/add/", {"isbn": LEFT_HAND}).content.decode()
    assert 'value="000141"' in page
    record_page = librarian.get(f"/staff/records/{record.pk}/").content.decode()
    assert 'value="000141"' in record_page


def test_a_refused_copy_shows_the_record_as_it_is(library, librarian):
    record_id = held_book()
    before = librarian.get("/staff/add/", {"isbn": LEFT_HAND}).content.decode()
    assert "by <bdi>Smith, G</bdi> · Copy: 1" in before
    refused = librarian.post(
        f"/staff/add/records/{record_id}/copy/", {"barcode": "12346", "status": "available"}
    )
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Barcode \u201c12346\u201d is already" in page
    assert ">Held</bdi></a> by <bdi>Smith, G</bdi> · Copy: 1<" in page
    with schema_context("alpha"):
        assert Item.objects.filter(record_id=record_id).count() == 1


def _value(page: str, name: str) -> str:
    """The value the page's input `name` is shown with ("" for none)."""
    field = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert field is not None, name
    value = re.search(r'value="([^"]*)"', field.group(0))
    return value.group(1) if value else ""


def test_a_records_next_copy_gets_its_last_copys_call_number(library, librarian):
    with schema_context("alpha"):
        record = record_create(
            data=RecordData(title="L'\u00c9tranger", identifiers=[("isbn", LEFT_HAND)])
        )
        item_create(record_id=record.pk, data=ItemData(barcode="000007", call_number="R CAM"))
        item_create(record_id=record.pk, data=ItemData(barcode="000008"))
        other = record_create(data=RecordData(title="Other"))
        item_create(record_id=other.pk, data=ItemData(barcode="000009", call_number="R ZOL"))
    page = librarian.get("/staff/add/", {"isbn": LEFT_HAND}).content.decode()
    assert _value(page, "call_number") == "R CAM"
    assert 'value="000010"' in page
    record_page = librarian.get(f"/staff/records/{record.pk}/").content.decode()
    assert _value(record_page, "call_number") == "R CAM"
    # A new record's copy has no call number to go by.
    manual = librarian.get("/staff/add/", {"manual": "1"}).content.decode()
    assert _value(manual, "call_number") == ""


def test_a_new_librarys_first_copy_is_suggested_a_barcode_the_page_explains(library, librarian):
    with schema_context("alpha"):
        patron_create(data=PatronData(name="First Reader", barcode="000001"))
    page = librarian.get("/staff/add/", {"manual": "1"}).content.decode()
    assert _value(page, "barcode") == "000002"  # the card holds the first number
    assert "suggested barcodes start at 000001" in page
    answer = callers_of("alpha", LIBRARY_HOST)["read_key"].get(
        "/api/v1/records/lookup/", {"isbn": LEFT_HAND}
    )
    assert answer.json()["next_barcode"] == "000002"
    with schema_context("alpha"):
        record = record_create(data=RecordData(title="Alone"))
    added = librarian.post(
        f"/staff/add/records/{record.pk}/copy/", {"barcode": "000002", "status": "available"}
    )
    assert added.status_code == 302
    later = librarian.get(f"/staff/records/{record.pk}/").content.decode()
    assert _value(later, "barcode") == "000003"
    assert "suggested barcodes start" not in later


def test_copies_numbered_otherwise_get_no_suggestion(library, librarian):
    with schema_context("alpha"):
        record = record_create(data=RecordData(title="Lettered"))
        item_create(record_id=record.pk, data=ItemData(barcode="DEMO0045A"))
    page = librarian.get(f"/staff/records/{record.pk}/").content.decode()
    assert _value(page, "barcode") == ""
    assert "suggested barcodes start" not in page


def test_prefixed_barcodes_are_continued_at_their_width(library, librarian):
    """A university library's copies are `BU` and six digits; a card holds the next in
    another case, so the one after it is suggested, on every page and in the API."""
    with schema_context("alpha"):
        record = record_create(data=RecordData(title="Prefixed", identifiers=[("isbn", LEFT_HAND)]))
        for barcode in ("BU000101", "BU000108", "BU000102"):
            item_create(record_id=record.pk, data=ItemData(barcode=barcode))
        patron_create(data=PatronData(name="Card Holder", barcode="bu000109"))
    page = librarian.get("/staff/add/", {"isbn": LEFT_HAND}).content.decode()
    assert _value(page, "barcode") == "BU000110"
    record_page = librarian.get(f"/staff/records/{record.pk}/").content.decode()
    assert _value(record_page, "barcode") == "BU000110"
    answer = callers_of("alpha", LIBRARY_HOST)["read_key"].get(
        "/api/v1/records/lookup/", {"isbn": LEFT_HAND}
    )
    assert answer.json()["next_barcode"] == "BU000110"


def test_the_latest_copys_numbering_is_continued(library, librarian):
    """Copies of an older numbering (all digits, or another width) stay where they are: the
    numbering of the copy added last goes on, past its own highest number."""
    with schema_context("alpha"):
        record = record_create(data=RecordData(title="Renumbered"))
        for barcode in ("31000000000050", "BU00999", "BU000998", "BU000999", "BU000997"):
            item_create(record_id=record.pk, data=ItemData(barcode=barcode))
    page = librarian.get(f"/staff/records/{record.pk}/").content.decode()
    assert _value(page, "barcode") == "BU001000"
