"""The desk's lists name a book as the catalog does: its title and subtitle, joined as the page's
language punctuates them; another library's lists show none of this library's books."""

from datetime import timedelta

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from catalog.models import Item, Record
from circulation.models import Loan
from circulation.selectors import today
from circulation.services import hold_place, loan_checkout
from tests.circulation.conftest import Desk, staff_client
from tests.conftest import OTHER_LIBRARY_HOST

FRENCH = "The Dispossessed\u00a0: an ambiguous utopia"
SUBTITLE = "an ambiguous utopia"


@pytest.fixture
def subtitled(desk: Desk) -> Desk:
    with schema_context(desk.schema):
        Record.objects.filter(pk=desk.record.pk).update(subtitle=SUBTITLE)
    return desk


@pytest.fixture
def other_librarian(other_library) -> Client:  # type: ignore[no-untyped-def]
    return staff_client(other_library.schema_name, OTHER_LIBRARY_HOST, "librarian")


def _french(client: Client, path: str) -> str:
    page = client.get(path, HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200, path
    return page.content.decode()


def test_overdue_list_and_barcode_clashes_join_the_subtitle_in_french(
    librarian: Client, other_librarian: Client, subtitled: Desk
) -> None:
    with schema_context(subtitled.schema):
        loan = loan_checkout(
            item_barcode=subtitled.item.barcode, patron_barcode=subtitled.patron.barcode
        )
        Loan.objects.filter(pk=loan.pk).update(due_on=today() - timedelta(days=3))
        clash = subtitled.items[1]
        Item.objects.filter(pk=clash.pk).update(barcode=subtitled.other_patron.barcode)

    assert f">{FRENCH}</td>" in _french(librarian, "/staff/desk/overdue/")
    assert f"<bdi>{FRENCH}</bdi>" in _french(librarian, "/staff/desk/barcode-clashes/")
    for path in ("/staff/desk/overdue/", "/staff/desk/barcode-clashes/"):
        assert SUBTITLE not in _french(other_librarian, path)


def test_holds_to_pull_and_the_hold_shelf_join_the_subtitle_in_french(
    librarian: Client, other_librarian: Client, subtitled: Desk
) -> None:
    with schema_context(subtitled.schema):
        hold_place(record_id=subtitled.record.pk, patron_barcode=subtitled.patron.barcode)

    assert f"<bdi>{FRENCH}</bdi>" in _french(librarian, "/staff/desk/holds-to-pull/")
    trapped = librarian.post("/staff/desk/holds-to-pull/", {"trap": subtitled.item.barcode})
    assert trapped.status_code == 302
    assert f"<bdi>{FRENCH}</bdi>" in _french(librarian, "/staff/desk/hold-shelf/")
    for path in ("/staff/desk/holds-to-pull/", "/staff/desk/hold-shelf/"):
        assert SUBTITLE not in _french(other_librarian, path)


def test_a_stocktake_names_its_copies_with_their_subtitle_in_french(
    admin: Client, subtitled: Desk
) -> None:
    started = admin.post("/staff/stocktake/", {"location": "MAIN"})
    assert started.status_code == 302
    admin.post(started["Location"], {"barcodes": subtitled.item.barcode})

    page = _french(admin, started["Location"])

    assert f"{subtitled.item.barcode} <bdi>{FRENCH}</bdi>" in page  # seen
    assert f"<bdi>{FRENCH}</bdi></li>" in page
