"""A copy changed or removed from its record's staff page: where it is kept, its call number,
status, barcode, price and notes, through the services the API uses, refused when it is stale
or when the desk stands behind it; never another library's copy."""

import re

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from catalog.models import Item, Location
from catalog.services import (
    ItemData,
    RecordData,
    item_create,
    item_update,
    location_create,
    record_create,
)
from circulation.services import PatronData, loan_checkin, loan_checkout, patron_create
from staff.services import user_create
from tests.cataloguing.test_add_page import _fields
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST
from tests.tenants.admin_helpers import signed_in


@pytest.fixture
def copy(library) -> Item:  # type: ignore[no-untyped-def]
    """Copy 000001, saved without a location, and a location to put it in."""
    with schema_context("alpha"):
        record = record_create(data=RecordData(title="The Dispossessed"))
        location_create(code="MAIN", name="Main hall")
        return item_create(record_id=record.pk, data=ItemData(barcode="000001"))


@pytest.fixture
def admin(library) -> Client:  # type: ignore[no-untyped-def]
    return signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)


def _edit_url(item: Item) -> str:
    return f"/staff/records/{item.record_id}/copies/{item.pk}/"


def _form(client: Client, item: Item) -> dict[str, str]:
    page = client.get(_edit_url(item))
    assert page.status_code == 200
    return _fields(page.content.decode(), "copy-form")


def _refused(client: Client, item: Item, code: int, **changes: str) -> str:
    """The copy's form as opened, posted with `changes`: the page of its refusal (`code`)."""
    refused = client.post(_edit_url(item), {**_form(client, item), **changes})
    assert refused.status_code == code
    return refused.content.decode()


def _main() -> str:
    with schema_context("alpha"):
        return str(Location.objects.get(code="MAIN").pk)


def _stored(item: Item) -> Item:
    with schema_context("alpha"):
        return Item.objects.get(pk=item.pk)


def test_the_record_page_links_each_copy_to_its_form(admin, copy):
    page = admin.get(f"/staff/records/{copy.record_id}/").content.decode()
    assert f'href="{_edit_url(copy)}"' in page
    assert "Edit copy 000001" in page


def test_a_copy_saved_without_a_location_gets_one_and_its_shelf_mark(admin, copy):
    values = _form(admin, copy)
    assert (values["barcode"], values["location"], values["status"]) == ("000001", "", "available")
    values.update(location=_main(), call_number="SF LEG", price="12.50",
                  public_note="Signed by the author", staff_note="Gift of Mrs. Odo")  # fmt: skip

    saved = admin.post(_edit_url(copy), values)

    assert saved.status_code == 302
    assert saved["Location"] == f"/staff/records/{copy.record_id}/?saved=1#copies"
    stored = _stored(copy)
    assert (stored.location_id, stored.call_number, str(stored.price)) == (
        int(_main()),
        "SF LEG",
        "12.50",
    )
    assert (stored.public_note, stored.staff_note) == ("Signed by the author", "Gift of Mrs. Odo")
    assert stored.version == copy.version + 1
    page = admin.get(saved["Location"]).content.decode()
    assert "Main hall" in page
    assert "SF LEG" in page


def test_a_barcode_another_copy_has_is_refused_beside_the_field(admin, copy):
    with schema_context("alpha"):
        item_create(record_id=copy.record_id, data=ItemData(barcode="000002"))
    text = _refused(admin, copy, 400, barcode="000002")

    assert "Barcode \u201c000002\u201d is already used by another item" in text
    assert 'value="000002"' in text
    assert _stored(copy).barcode == "000001"


def test_a_copy_on_loan_keeps_its_status_and_its_place_until_returned(admin, copy):
    with schema_context("alpha"):
        patron_create(data=PatronData(name="Shevek", barcode="P-1"))
        loan_checkout(item_barcode="000001", patron_barcode="P-1")
    text = _refused(admin, copy, 409, status="withdrawn")

    assert "Item 000001 is on loan: check it in at the desk" in text
    assert _stored(copy).status == "on_loan"
    remove = f"{_edit_url(copy)}remove/"
    kept = admin.post(remove, {"confirm": "yes", "version": str(_stored(copy).version)})
    assert kept.status_code == 409
    assert "This copy cannot be removed while it is on loan." in kept.content.decode()
    assert 'id="copy-remove-confirm"' not in kept.content.decode()
    assert _stored(copy).barcode == "000001"


def _lent(returned: bool) -> None:
    with schema_context("alpha"):
        patron_create(data=PatronData(name="Shevek", barcode="P-1"))
        loan_checkout(item_barcode="000001", patron_barcode="P-1")
        if returned:
            loan_checkin(item_barcode="000001")


@pytest.mark.parametrize(
    ("returned", "said"),
    [
        (False, "This copy cannot be removed while it is on loan. Once it is checked in, mark "
                "it withdrawn instead"),
        (True, "This copy cannot be removed: it has been lent before, and keeps its loans for "
               "the library&#x27;s statistics. Mark it withdrawn instead."),
    ],
)  # fmt: skip
def test_a_copy_that_cannot_be_removed_is_said_so_before_asking(admin, copy, returned, said):
    """The tester's steps: the confirm page offered "Yes, remove this copy" for a copy on
    loan, and its answer came only after the button, as a 409 about "1 copy"."""
    _lent(returned)

    asked = admin.get(f"{_edit_url(copy)}remove/")

    assert asked.status_code == 200
    page = asked.content.decode()
    assert said in page
    assert "Copy 000001 of The Dispossessed cannot be removed" in page
    assert "Yes, remove this copy" not in page
    assert "1 copy" not in page


def test_a_save_from_a_stale_tab_is_refused_and_keeps_the_other_change(admin, copy):
    opened = admin.get(_edit_url(copy)).content.decode()
    values = {**_fields(opened, "copy-form"), "call_number": "SF LEG"}
    with schema_context("alpha"):
        item_update(item_id=copy.pk, data=ItemData(barcode="000001", call_number="SF LE GUIN"))

    refused = admin.post(_edit_url(copy), values)

    assert refused.status_code == 412
    text = refused.content.decode()
    assert "Someone saved this copy after you opened it" in text
    assert 'id="reload-copy"' in text
    assert _stored(copy).call_number == "SF LE GUIN"


def test_a_copy_is_removed_only_once_confirmed(admin, copy):
    page = admin.get(_edit_url(copy)).content.decode()
    remove = re.search(r'<a href="([^"]+)" id="copy-remove"', page)
    assert remove is not None
    asked = admin.get(remove[1])
    assert asked.status_code == 200
    assert "Remove copy 000001 of The Dispossessed?" in asked.content.decode()

    assert admin.post(remove[1], {"version": str(copy.version)}).status_code == 400
    assert _stored(copy).barcode == "000001"
    removed = admin.post(remove[1], {"confirm": "yes", "version": str(copy.version)})

    assert removed.status_code == 302
    assert "Copy 000001 was removed." in admin.get(removed["Location"]).content.decode()
    with schema_context("alpha"):
        assert not Item.objects.filter(pk=copy.pk).exists()


def test_viewers_look_only_and_other_libraries_miss(library, copy):
    with schema_context("alpha"):
        user_create(email="v@alpha.example", role="viewer")
    viewer = signed_in(LIBRARY_HOST, "alpha", "v@alpha.example", client_class=Client)
    assert "Edit copy" not in viewer.get(f"/staff/records/{copy.record_id}/").content.decode()
    assert viewer.get(_edit_url(copy)).status_code == 403
    assert viewer.post(_edit_url(copy), {"barcode": "X"}).status_code == 403
    beta = signed_in(OTHER_LIBRARY_HOST, "beta", "admin@beta.example", client_class=Client)
    with schema_context("beta"):
        assert not Item.objects.filter(pk=copy.pk).exists()
    assert beta.get(_edit_url(copy)).status_code == 404
    assert beta.post(_edit_url(copy), {"barcode": "X", "status": "lost"}).status_code == 404
    assert beta.post(f"{_edit_url(copy)}remove/", {"confirm": "yes"}).status_code == 404
    stored = _stored(copy)
    assert (stored.barcode, stored.status, stored.version) == ("000001", "available", 1)


def test_a_copy_of_another_record_is_not_reached_through_this_one(admin, copy):
    with schema_context("alpha"):
        other = record_create(data=RecordData(title="Another"))
    assert admin.get(f"/staff/records/{other.pk}/copies/{copy.pk}/").status_code == 404


def test_the_copy_forms_note_boxes_fit_a_phone(admin, copy):
    """Ten rows each made the two note boxes fill a 390x844 phone's screen."""
    page = admin.get(_edit_url(copy)).content.decode()
    boxes = re.findall(r'<textarea name="(\w+)"[^>]*rows="(\d+)"', page)

    assert {name for name, _ in boxes} == {"public_note", "staff_note"}
    assert all(int(rows) <= 3 for _, rows in boxes), boxes
