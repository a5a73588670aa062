"""A barcode is a copy's or a patron's card, never both: the desk tells them apart by it alone.
Copies are refused a card's barcode (API, services, imports, which reject that row alone, or
leave out the copy when a card took its barcode after the preview) and cards a copy's; a scan of
a barcode both still have, from before, lends and returns nothing."""

import copy
import io
import re

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from catalog.imports.jobs import import_job_create
from catalog.imports.models import ImportRow
from catalog.models import Item, Record
from catalog.services import ItemData, item_create, item_update
from circulation.models import Loan, Patron
from circulation.services import PatronData, patron_create
from common.errors import ApplicationError
from staff.services import api_key_create
from tenants.services import ProvisionedLibrary
from tests.api.conftest import client_for
from tests.api.test_circulation_api import patron_key
from tests.catalog.imports.helpers import csv_committed_after, job_run
from tests.circulation.conftest import Desk, desk_make
from tests.circulation.test_desk_pages import scan, state
from tests.circulation.test_lent_copies_kept import _writer
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST
from tests.threads import while_first_is_open


def test_a_copy_is_refused_a_patron_s_barcode(desk: Desk) -> None:
    writer = _writer(desk)
    card = desk.patron.barcode

    made = writer.post("/api/v1/items/", {"record": desk.record.pk, "barcode": card},
                       format="json")  # fmt: skip
    moved = writer.patch(f"/api/v1/items/{desk.item.pk}/", {"barcode": card}, format="json")

    for refused in (made, moved):
        assert refused.status_code == 400, refused.content
        body = refused.json()
        assert body["code"] == "barcode_held"
        assert f"Barcode \u201c{card}\u201d is already a patron's card" in body["detail"]
        assert desk.patron.name not in body["detail"]  # a key without patron access writes copies
        assert "barcode" in body["errors"]
    with schema_context(desk.schema):
        assert not Item.objects.filter(barcode=card).exists()
        with pytest.raises(ApplicationError) as refused_here:
            item_update(item_id=desk.items[1].pk, data=ItemData(barcode=card))
        assert refused_here.value.code == "barcode_held"
        assert not Item.objects.filter(barcode=card).exists()


def test_a_patron_is_refused_a_copy_s_barcode(desk: Desk) -> None:
    writer = patron_key(desk.schema, LIBRARY_HOST, "write")

    refused = writer.post("/api/v1/patrons/", {"name": "Odo", "barcode": desk.item.barcode},
                          format="json")  # fmt: skip

    assert refused.status_code == 400, refused.content
    assert (
        f"Barcode \u201c{desk.item.barcode}\u201d is already a copy of \u201cThe Dispossessed\u201d"
        in refused.json()["detail"]
    )
    with schema_context(desk.schema):
        assert not Patron.objects.filter(name="Odo").exists()


def _imported(desk: Desk, *, one_shot: bool) -> list[ImportRow]:
    card = desk.patron.barcode
    rows = f"title,barcode\nThe Word for World,IMP-1\nThe Eye of the Heron,{card}\n"
    with schema_context(desk.schema):
        job = job_run(
            import_job_create(file=io.BytesIO(rows.encode()), file_name="new.csv",
                              one_shot=one_shot)
        )  # fmt: skip
        return list(ImportRow.objects.filter(job=job).order_by("position"))


def test_an_import_rejects_the_row_whose_copy_has_a_patron_s_barcode(desk: Desk) -> None:
    first, second = _imported(desk, one_shot=True)

    assert first.action == "create"
    assert second.action == "reject"
    assert (
        f"Barcode {desk.patron.barcode} is already a patron's card, and the desk could not "
        "tell them apart" in second.reason
    )
    with schema_context(desk.schema):
        assert Item.objects.filter(barcode="IMP-1").exists()
        assert not Item.objects.filter(barcode=desk.patron.barcode).exists()
        assert not Record.objects.filter(title="The Eye of the Heron").exists()


def test_a_preview_shows_the_row_whose_copy_has_a_patron_s_barcode(desk: Desk) -> None:
    first, second = _imported(desk, one_shot=False)

    assert (first.action, second.action) == ("create", "reject")
    assert "is already a patron's card" in second.reason


def test_a_scan_both_still_have_lends_and_returns_nothing(librarian: Client, desk: Desk) -> None:
    with schema_context(desk.schema):
        # As a copy could be given a card's barcode before they were kept apart.
        Item.objects.filter(pk=desk.item.pk).update(barcode=desk.patron.barcode)
    before = state(desk)

    page = scan(librarian, desk.patron.barcode)

    assert (
        f"{desk.patron.barcode} is both <bdi>{desk.patron.name}</bdi>&#x27;s card and a copy of "
        "<bdi>The Dispossessed</bdi>: give one of them another barcode." in page
    )
    assert "Lending to" not in page
    page = scan(librarian, desk.items[1].barcode)
    assert "checked in" not in page
    assert "lent to" not in page
    assert state(desk) == before


def test_a_copy_s_barcode_is_the_copy_though_a_card_has_it_in_another_case(
    librarian: Client, desk: Desk
) -> None:
    with schema_context(desk.schema):
        Item.objects.filter(pk=desk.item.pk).update(barcode=desk.patron.barcode.lower())
    scan(librarian, desk.other_patron.barcode)

    page = scan(librarian, desk.patron.barcode.lower())

    assert "lent to <bdi>Takver Anarres</bdi>" in page
    with schema_context(desk.schema):
        assert Loan.objects.filter(item=desk.item, patron=desk.other_patron).exists()


def test_a_commit_leaves_out_a_copy_whose_barcode_a_card_took_after_the_preview(
    desk: Desk,
) -> None:
    with schema_context(desk.schema):
        job = csv_committed_after(
            # Meanwhile the desk gives a new reader the card IMP-2.
            lambda: patron_create(data=PatronData(name="Odo", barcode="IMP-2")),
            "title,barcode\nThe Word for World,IMP-1;IMP-2\nThe Eye of the Heron,IMP-3\n",
        )
        word, heron = ImportRow.objects.filter(job=job).order_by("position")
        assert (word.action, word.committed) == ("create", True)
        assert (
            "Copy IMP-2 was left out: its barcode is now a patron's card, and the desk could "
            "not tell them apart." in word.reason
        )
        assert "left out" not in heron.reason
        kept = Item.objects.filter(barcode__startswith="IMP-")
        assert sorted(kept.values_list("barcode", "record__title")) == [
            ("IMP-1", "The Word for World"),
            ("IMP-3", "The Eye of the Heron"),
        ]
        assert word.created_item_ids == [Item.objects.get(barcode="IMP-1").pk]
        assert Patron.objects.get(barcode="IMP-2").name == "Odo"


def test_another_library_s_cards_do_not_hold_this_library_s_barcodes(
    desk: Desk, other_desk: Desk
) -> None:
    # Each library's desk reads only its own patrons: a card elsewhere leaves the barcode free
    # here. Another library's key is refused on this library's copies and changes nothing.
    with schema_context(other_desk.schema):
        Patron.objects.filter(pk=other_desk.patron.pk).update(barcode="SHARED-1")
        foreign = api_key_create(name="Elsewhere", scope="write")
    made = _writer(desk).post(
        "/api/v1/items/", {"record": desk.record.pk, "barcode": "SHARED-1"}, format="json"
    )
    assert made.status_code == 201, made.content
    refused = client_for(LIBRARY_HOST, f"Api-Key {foreign.secret}").patch(
        f"/api/v1/items/{desk.item.pk}/", {"barcode": "SHARED-2"}, format="json"
    )
    assert refused.status_code == 401
    with schema_context(desk.schema):
        assert Item.objects.filter(barcode="SHARED-1").count() == 1
        assert not Item.objects.filter(barcode="SHARED-2").exists()


@pytest.mark.parametrize("first", ["copy", "card"])
def test_a_copy_and_a_card_given_one_barcode_at_once_are_not_both_kept(
    live_library: ProvisionedLibrary, first: str
) -> None:
    """The first writer has asked and written but not yet committed when the second asks: the
    second waits for it, then is refused, rather than both finding the barcode free."""
    schema = live_library.library.schema_name
    desk = desk_make(schema)

    def copy(barcode: str) -> object:
        return item_create(record_id=desk.record.pk, data=ItemData(barcode=barcode))

    def card(barcode: str) -> object:
        return patron_create(data=PatronData(name="Odo", barcode=barcode))

    writers = {"copy": copy, "card": card}
    second = "card" if first == "copy" else "copy"

    one, two = while_first_is_open(
        schema, lambda: writers[first]("RACE-1"), lambda: writers[second]("race-1")
    )

    assert one.error is None, one.error
    assert isinstance(two.error, ApplicationError), (two.error, two.result)
    assert "race-1" in str(two.error)
    assert "the desk could not tell them apart" in str(two.error)
    with schema_context(schema):
        copies = Item.objects.filter(barcode__iexact="race-1").count()
        cards = Patron.objects.filter(barcode__iexact="race-1").count()
    assert (copies, cards) == ((1, 0) if first == "copy" else (0, 1))


CLASHES = "/staff/desk/barcode-clashes/"


def test_the_cards_and_copies_that_share_a_barcode_are_listed(
    librarian: Client, desk: Desk, other_desk: Desk
) -> None:
    # As they could be given before they were kept apart: the same barcode, and one in
    # another case. Another library's card and copy sharing one are that library's business.
    with schema_context(desk.schema):
        Item.objects.filter(pk=desk.item.pk).update(barcode=desk.patron.barcode)
        Item.objects.filter(pk=desk.items[2].pk).update(barcode=desk.other_patron.barcode.lower())
    with schema_context(other_desk.schema):
        Item.objects.filter(pk=other_desk.item.pk).update(barcode=other_desk.patron.barcode)

    page = librarian.get(CLASHES)
    listed = librarian.get("/staff/patrons/").text

    assert page.status_code == 200
    rows = re.findall(r"<tr>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*><a href=\"([^\"]+)\">"
                      r"<bdi>(.*?)</bdi></a></td>\s*<td[^>]*><a href=\"([^\"]+)\">"
                      r"<bdi>(.*?)</bdi>", page.text)  # fmt: skip
    assert rows == [
        (desk.patron.barcode, f"/staff/patrons/{desk.patron.pk}/", desk.patron.name,
         f"/staff/records/{desk.record.pk}/", "The Dispossessed"),
        (f"{desk.other_patron.barcode} / {desk.other_patron.barcode.lower()}",
         f"/staff/patrons/{desk.other_patron.pk}/", desk.other_patron.name,
         f"/staff/records/{desk.other_record.pk}/", "The Lathe of Heaven"),
    ]  # fmt: skip
    assert other_desk.patron.barcode not in page.text
    assert f'href="{CLASHES}"' in listed
    visitor = Client(HTTP_HOST=OTHER_LIBRARY_HOST)
    visitor.cookies = copy.deepcopy(librarian.cookies)
    refused = visitor.get(CLASHES)
    assert refused.status_code == 302
    assert refused["Location"].startswith("/staff/login/")


def test_with_no_shared_barcode_the_list_says_so(librarian: Client, desk: Desk) -> None:
    page = librarian.get(CLASHES).text

    assert "No card shares its barcode with a copy." in page
    assert desk.patron.name not in page
