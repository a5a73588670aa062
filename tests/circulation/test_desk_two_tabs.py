"""Two tabs of the desk in one browser share the patron open: a scan or button sent from a
tab that shows another patron (or none) lends, takes back and renews nothing, and says so.
What each scan did is told in the tab that sent it, not in whichever tab loads next."""

import re
from datetime import timedelta

from django.test import Client
from django.utils.formats import date_format
from django_tenants.utils import schema_context

from circulation.models import Loan, Patron
from circulation.selectors import today
from circulation.services import hold_place
from tests.circulation.conftest import Desk
from tests.circulation.test_desk_pages import desk_post, renewals_shown, state


def send(client: Client, shown: Patron | None, **fields: str) -> str:
    """A post from a tab of the desk that shows `shown`; the page the desk shows next."""
    return desk_post(client, {"shown_patron": str(shown.pk) if shown else "", **fields})


def send_stale(client: Client, desk: Desk, shown: Patron | None, **fields: str) -> str:
    """A post from a tab that another tab has since moved on from; it must change nothing."""
    before = state(desk)
    page = send(client, shown, **fields)
    assert state(desk) == before
    return page


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
    # tab A, still on Shevek
    page = send_stale(librarian, desk, desk.patron, barcode=desk.item.barcode)
    assert 'class="desk-error" role="alert"' in first_line(page)
    assert (
        f"{desk.item.barcode}: nothing done. Another tab of the desk changed the patron to "
        f"<bdi>{desk.other_patron.name}</bdi> ({desk.other_patron.barcode}): scan the copy again."
    ) in first_line(page)
    assert ": lent to" not in page
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
    # tab A, still on Shevek
    page = send_stale(librarian, desk, desk.patron, barcode=desk.item.barcode)
    assert (
        f"{desk.item.barcode}: nothing done. Another tab of the desk ended the patron: scan the "
        "card, then the copy again."
    ) in first_line(page)
    assert ": checked in." not in page
    assert loans(desk) == [(desk.item.pk, desk.other_patron.pk)]
    assert patron_shown(page) == ""


def test_a_return_scanned_in_a_tab_showing_no_patron_is_not_lent_to_another_tab_s(
    librarian: Client, desk: Desk
) -> None:
    send(librarian, None, barcode=desk.other_patron.barcode)
    send(librarian, desk.other_patron, barcode=desk.item.barcode)
    send(librarian, desk.other_patron, barcode="")  # the desk shows no patron in either tab
    send(librarian, None, barcode=desk.patron.barcode)  # tab B: lend to Shevek
    page = send_stale(librarian, desk, None, barcode=desk.items[1].barcode)  # tab A: a return
    assert (
        f"{desk.items[1].barcode}: nothing done. Another tab of the desk changed the patron to "
        f"<bdi>{desk.patron.name}</bdi> ({desk.patron.barcode}): scan the copy again."
    ) in first_line(page)
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
    page = send_stale(librarian, desk, desk.patron, lend_anyway=desk.item.barcode)  # tab A's button
    assert (
        f"{desk.item.barcode}: nothing done. Another tab of the desk changed the patron to "
        f"<bdi>{desk.other_patron.name}</bdi>"
    ) in first_line(page)
    assert loans(desk) == []


def test_renew_from_a_tab_another_tab_changed_renews_nothing(librarian: Client, desk: Desk) -> None:
    send(librarian, None, barcode=desk.patron.barcode)
    send(librarian, desk.patron, barcode=desk.item.barcode)
    send(librarian, desk.patron, barcode=desk.other_patron.barcode)  # tab B: lend to Takver
    page = send_stale(librarian, desk, desk.patron, renew=desk.item.barcode)  # tab A's button
    assert (
        f"{desk.item.barcode}: not renewed. Another tab of the desk changed the patron to "
        f"<bdi>{desk.other_patron.name}</bdi> ({desk.other_patron.barcode}): scan the card of "
        "the patron you meant, then renew it."
    ) in first_line(page)
    # From the patron's own page the renewal goes through.
    page = send(librarian, desk.other_patron, barcode=desk.patron.barcode)
    page = send(librarian, desk.patron, renew=desk.item.barcode)
    due = date_format(today() + timedelta(days=42), "SHORT_DATE_FORMAT")
    renewed = f"{desk.item.barcode} <bdi>{desk.record.title}</bdi>: renewed, due {due}."
    assert renewed in first_line(page)
    assert renewals_shown(page, desk.item.barcode) == (due, "1")


def opened(client: Client, token: str = "") -> tuple[str, str]:
    """A tab of the desk loaded (again, with the `token` of its page): its page and token."""
    page = client.get("/staff/desk/", {"desk_page": token} if token else {}).text
    found = re.search(r'<input type="hidden" name="desk_page" value="([^"]+)">', page)
    return page, found[1] if found else ""


def sent(client: Client, token: str, **fields: str) -> str:
    """A post from the tab whose page has `token`; the page it shows next."""
    response = client.post("/staff/desk/", {"desk_page": token, **fields})
    assert response.status_code == 302
    return client.get(response["Location"]).text


def lines(page: str) -> list[str]:
    if '<ul id="lines"' not in page:
        return []
    listed = page.split('<ul id="lines"', 1)[1].split("</ul>", 1)[0]
    return [re.sub(r"<[^>]+>", "", li) for li in re.findall(r"<li[^>]*>(.*?)</li>", listed)]


def test_each_tab_shows_the_lines_of_its_own_scans(librarian: Client, desk: Desk) -> None:
    _, tab_a = opened(librarian)
    _, tab_b = opened(librarian)
    page_a = sent(librarian, tab_a, shown_patron="", barcode=desk.patron.barcode)
    assert lines(page_a) == [f"Lending to {desk.patron.name} ({desk.patron.barcode})."]

    # Tab B, loaded now, shows the patron tab A opened but not tab A's line.
    page_b, _ = opened(librarian, tab_b)
    assert patron_shown(page_b) == desk.patron.name
    assert lines(page_b) == []
    page_b = sent(librarian, tab_b, shown_patron=str(desk.patron.pk), barcode="")
    assert lines(page_b) == ["Done with this patron: items scanned now are checked in."]

    # Tab A, loaded again, still has its own line alone; a new tab has none.
    page_a, _ = opened(librarian, tab_a)
    assert lines(page_a) == [f"Lending to {desk.patron.name} ({desk.patron.barcode})."]
    page_c, tab_c = opened(librarian)
    assert lines(page_c) == []
    assert len({tab_a, tab_b, tab_c}) == 3
    # Lines go on piling up in their own tab, newest first.
    page_b = sent(librarian, tab_b, shown_patron="", barcode=desk.item.barcode)
    assert lines(page_b)[1:] == ["Done with this patron: items scanned now are checked in."]
    assert len(lines(page_b)) == 2
