"""A hold on a title with a copy on the shelves: the desk names who waits before lending that
copy to someone else, and the holds-to-pull page lists the copies to fetch and traps them."""

import copy

from django.test import Client
from django.utils.formats import date_format
from django_tenants.utils import schema_context

from circulation.models import Hold, Loan, Notice
from circulation.selectors import local_date
from circulation.services import PatronData, hold_place, patron_create
from tests.circulation.conftest import Desk
from tests.circulation.test_desk_pages import desk_post, scan, state
from tests.conftest import OTHER_LIBRARY_HOST

PULL = "/staff/desk/holds-to-pull/"


def hold_for(desk: Desk, barcode: str) -> Hold:
    with schema_context(desk.schema):
        return hold_place(record_id=desk.record.pk, patron_barcode=barcode)


def test_lending_a_copy_another_patron_waits_for_asks_first(librarian: Client, desk: Desk) -> None:
    hold = hold_for(desk, desk.other_patron.barcode)
    placed = date_format(local_date(hold.placed_at), "SHORT_DATE_FORMAT")
    scan(librarian, desk.patron.barcode)
    before = state(desk)
    page = scan(librarian, desk.item.barcode)
    assert (
        f"{desk.item.barcode}: <bdi>Takver Anarres</bdi> has a hold on this title "
        f"(placed {placed}): lend it anyway?"
    ) in page
    assert f'name="lend_anyway" value="{desk.item.barcode}"' in page
    assert state(desk) == before
    page = desk_post(librarian, {"lend_anyway": desk.item.barcode})
    assert f"lent to <bdi>{desk.patron.name}</bdi>" in page
    assert 'name="lend_anyway"' not in page
    with schema_context(desk.schema):
        assert Loan.objects.get(item=desk.item, returned_at__isnull=True).patron == desk.patron
        assert Hold.objects.get(pk=hold.pk).status == Hold.Status.WAITING


def test_the_patron_first_in_the_queue_is_lent_to_without_a_question(
    librarian: Client, desk: Desk
) -> None:
    hold_for(desk, desk.patron.barcode)
    hold_for(desk, desk.other_patron.barcode)  # after Shevek
    scan(librarian, desk.patron.barcode)
    page = scan(librarian, desk.item.barcode)
    assert f"lent to <bdi>{desk.patron.name}</bdi>" in page
    with schema_context(desk.schema):
        assert Hold.objects.get(patron=desk.patron).status == Hold.Status.FULFILLED


def test_holds_to_pull_lists_a_copy_for_each_hold_and_traps_it(
    librarian: Client, desk: Desk, django_assert_max_num_queries
) -> None:
    first = hold_for(desk, desk.other_patron.barcode)
    with schema_context(desk.schema):
        third = patron_create(data=PatronData(name="Odo", barcode=f"{desk.schema}-P003"))
        fourth = patron_create(data=PatronData(name="Bedap", barcode=f"{desk.schema}-P004"))
    hold_for(desk, third.barcode)
    hold_for(desk, fourth.barcode)  # two copies, three holds: Bedap waits for a return
    nav = librarian.get("/staff/desk/").text
    assert f'href="{PULL}"' in nav
    with django_assert_max_num_queries(12):
        page = librarian.get(PULL).text
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr>")[1:]
    assert len(rows) == 2
    for shown in ("Takver Anarres", desk.items[0].barcode, "813.54 LEG 0", "Main library"):
        assert shown in rows[0]
    for shown in ("Odo", desk.items[1].barcode, "813.54 LEG 1"):
        assert shown in rows[1]
    assert "Bedap" not in page
    # Trap the first from the page: it goes to the hold shelf for Takver, who is told.
    done = librarian.post(PULL, {"trap": desk.items[0].barcode}, follow=True)
    assert (
        f"{desk.items[0].barcode}: put it on the hold shelf for <bdi>Takver Anarres</bdi>"
        in done.text
    )
    with schema_context(desk.schema):
        trapped = Hold.objects.get(pk=first.pk)
        assert (trapped.status, trapped.item_id) == (Hold.Status.READY, desk.items[0].pk)
        assert Notice.objects.filter(hold=trapped, kind=Notice.Kind.HOLD_READY).exists()
    assert "Takver Anarres" in librarian.get("/staff/desk/hold-shelf/").text
    # The second is scanned at the desk with no patron open, as a returned copy would be.
    page = scan(librarian, desk.items[1].barcode)
    assert f"Put it on the hold shelf for <bdi>Odo</bdi> ({third.barcode})" in page
    assert "No hold waits for a copy on the shelves." in librarian.get(PULL).text
    # A copy on the hold shelf already is not trapped again.
    again = librarian.post(PULL, {"trap": desk.items[0].barcode}, follow=True)
    assert "is already on the hold shelf" in again.text


def test_viewers_see_the_list_but_do_not_trap(viewer: Client, desk: Desk) -> None:
    hold_for(desk, desk.other_patron.barcode)
    page = viewer.get(PULL).text
    assert desk.item.barcode in page
    assert 'name="trap"' not in page
    before = state(desk)
    assert viewer.post(PULL, {"trap": desk.item.barcode}).status_code == 403
    assert state(desk) == before


def test_another_library_s_holds_to_pull(librarian: Client, desk: Desk, other_desk: Desk) -> None:
    b_hold = hold_for(other_desk, other_desk.other_patron.barcode)
    before_b = state(other_desk)
    visitor = Client(HTTP_HOST=OTHER_LIBRARY_HOST)
    visitor.cookies = copy.deepcopy(librarian.cookies)
    for response in (visitor.get(PULL), visitor.post(PULL, {"trap": other_desk.item.barcode})):
        assert response.status_code == 302
        assert response["Location"].startswith("/staff/login/")
    # B's holds are not A's to pull, and B's barcodes are unknown on A's host.
    assert other_desk.other_patron.name not in librarian.get(PULL).text
    refused = librarian.post(PULL, {"trap": other_desk.item.barcode}, follow=True)
    assert f"No item has the barcode \u201c{other_desk.item.barcode}\u201d" in refused.text
    assert state(other_desk) == before_b
    with schema_context(other_desk.schema):
        assert Hold.objects.get(pk=b_hold.pk).status == Hold.Status.WAITING
