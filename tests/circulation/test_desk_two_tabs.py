"""Two tabs of the desk in one browser share the patron open: a scan or button sent from a
tab that shows another patron (or none) lends, takes back and renews nothing, and says so."""

from datetime import timedelta

from django.test import Client
from django.utils.formats import date_format
from django_tenants.utils import schema_context

from circulation.models import Loan, Patron
from circulation.selectors import today
from circulation.services import hold_place
from tests.circulation.conftest import Desk
from tests.circulation.test_desk_pages import renewals_shown, state


def send(client: Client, shown: Patron | None, **fields: str) -> str:
    """A post from a tab of the desk that shows `shown`; the page the desk shows next."""
    data = {"shown_patron": str(shown.pk) if shown else "", **fields}
    assert client.post("/staff/desk/", data).status_code == 302
    return client.get("/staff/desk/").text


def first_line(page: str) -> str:
    return page.split('<ul id="lines"', 1)[1].split("</li>", 1)[0]


def patron_shown(page: str) -> str:
    """The name over the patron's section ("": none is shown)."""
    if '<section id="patron">' not in page:
        return ""
    return page.split('<section id="patron">', 1)[1].split("<bdi>", 1)[1].split("</bdi>", 1)[0]


def loans(desk: Desk) -> list[tuple[int, int]]:
    with schema_context(desk.schema):
        return sorted(
            Loan.objects.filter(returned_at__isnull=True).values_list("item_id", "patron_id")
        )


def test_the_page_s_forms_say_which_patron_it_shows(librarian: Client, desk: Desk) -> None:
    page = librarian.get("/staff/desk/").text
    assert '<input type="hidden" name="shown_patron" value="">' in page
    page = send(librarian, None, barcode=desk.patron.barcode)
    assert f'<input type="hidden" name="shown_patron" value="{desk.patron.pk}">' in page


def test_a_copy_scanned_in_a_tab_another_tab_changed_is_not_lent(
    librarian: Client, desk: Desk
) -> None:
    send(librarian, None, barcode=desk.patron.barcode)  # tab A: lend to Shevek
    send(librarian, None, barcode=desk.other_patron.barcode)  # tab B: lend to Takver
    before = state(desk)
    page = send(librarian, desk.patron, barcode=desk.item.barcode)  # tab A, still on Shevek
    assert 'class="desk-error" role="alert"' in first_line(page)
    assert (
        f"{desk.item.barcode}: nothing done. Another tab of the desk changed the patron to "
        f"<bdi>{desk.other_patron.name}</bdi> ({desk.other_patron.barcode}): scan the copy again."
    ) in first_line(page)
    assert ": lent to" not in page
    assert state(desk) == before
    # The page now shows Takver, and the copy scanned again from it is lent to her.
    assert patron_shown(page) == desk.other_patron.name
    page = send(librarian, desk.other_patron, barcode=desk.item.barcode)
    assert f"lent to <bdi>{desk.other_patron.name}</bdi>" in first_line(page)
    assert loans(desk) == [(desk.item.pk, desk.other_patron.pk)]


def test_a_copy_scanned_in_a_tab_after_another_ended_the_patron_is_not_taken_back(
    librarian: Client, desk: Desk
) -> None:
    send(librarian, None, barcode=desk.other_patron.barcode)
    send(librarian, desk.other_patron, barcode=desk.item.barcode)  # lent to Takver
    send(librarian, None, barcode=desk.patron.barcode)  # tab A: lend to Shevek
    send(librarian, desk.patron, barcode="")  # tab B: done with Shevek
    before = state(desk)
    page = send(librarian, desk.patron, barcode=desk.item.barcode)  # tab A, still on Shevek
    assert (
        f"{desk.item.barcode}: nothing done. Another tab of the desk ended the patron: scan the "
        "card, then the copy again."
    ) in first_line(page)
    assert ": checked in." not in page
    assert state(desk) == before
    assert loans(desk) == [(desk.item.pk, desk.other_patron.pk)]
    assert patron_shown(page) == ""


def test_a_return_scanned_in_a_tab_showing_no_patron_is_not_lent_to_another_tab_s(
    librarian: Client, desk: Desk
) -> None:
    send(librarian, None, barcode=desk.other_patron.barcode)
    send(librarian, desk.other_patron, barcode=desk.item.barcode)
    send(librarian, desk.other_patron, barcode="")  # the desk shows no patron in either tab
    send(librarian, None, barcode=desk.patron.barcode)  # tab B: lend to Shevek
    before = state(desk)
    page = send(librarian, None, barcode=desk.items[1].barcode)  # tab A: a return
    assert (
        f"{desk.items[1].barcode}: nothing done. Another tab of the desk changed the patron to "
        f"<bdi>{desk.patron.name}</bdi> ({desk.patron.barcode}): scan the copy again."
    ) in first_line(page)
    assert state(desk) == before
    # A card scanned in the tab opens its patron, even the one another tab had open.
    page = send(librarian, None, barcode=desk.patron.barcode)
    assert f"Lending to <bdi>{desk.patron.name}</bdi>" in first_line(page)
    assert patron_shown(page) == desk.patron.name


def test_lend_anyway_from_a_tab_another_tab_changed_lends_nothing(
    librarian: Client, desk: Desk
) -> None:
    with schema_context(desk.schema):
        hold_place(record_id=desk.record.pk, patron_barcode=desk.other_patron.barcode)
    send(librarian, None, barcode=desk.patron.barcode)
    page = send(librarian, desk.patron, barcode=desk.item.barcode)  # Takver waits for it
    assert f'name="lend_anyway" value="{desk.item.barcode}"' in page
    send(librarian, desk.patron, barcode=desk.other_patron.barcode)  # tab B: lend to Takver
    before = state(desk)
    page = send(librarian, desk.patron, lend_anyway=desk.item.barcode)  # tab A's button
    assert (
        f"{desk.item.barcode}: nothing done. Another tab of the desk changed the patron to "
        f"<bdi>{desk.other_patron.name}</bdi>"
    ) in first_line(page)
    assert state(desk) == before
    assert loans(desk) == []


def test_renew_from_a_tab_another_tab_changed_renews_nothing(librarian: Client, desk: Desk) -> None:
    send(librarian, None, barcode=desk.patron.barcode)
    send(librarian, desk.patron, barcode=desk.item.barcode)
    send(librarian, desk.patron, barcode=desk.other_patron.barcode)  # tab B: lend to Takver
    before = state(desk)
    page = send(librarian, desk.patron, renew=desk.item.barcode)  # tab A's button
    assert (
        f"{desk.item.barcode}: not renewed. Another tab of the desk changed the patron to "
        f"<bdi>{desk.other_patron.name}</bdi> ({desk.other_patron.barcode}): scan the card of "
        "the patron you meant, then renew it."
    ) in first_line(page)
    assert state(desk) == before
    # From the patron's own page the renewal goes through.
    page = send(librarian, desk.other_patron, barcode=desk.patron.barcode)
    page = send(librarian, desk.patron, renew=desk.item.barcode)
    due = date_format(today() + timedelta(days=42), "SHORT_DATE_FORMAT")
    assert f"{desk.item.barcode}: renewed, due {due}." in first_line(page)
    assert renewals_shown(page, desk.item.barcode) == (due, "1")
