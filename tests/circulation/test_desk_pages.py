"""The circulation desk from a scanner alone: a patron's card, then items, Enter between; an
item with no patron open is checked in. Overdue and hold shelf lists; other libraries."""

import copy
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from django.test import Client
from django.utils.formats import date_format
from django_tenants.utils import schema_context

from catalog.models import Change, Item, Record
from catalog.services import ItemData, item_create
from circulation.models import Hold, Loan, LoanRule, Patron
from circulation.selectors import today
from tests.circulation.conftest import Desk, expired_on
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST


def desk_post(client: Client, data: dict[str, str]) -> str:
    """A post from the client's page of the desk (one tab, as `desk_page` says); the page the
    desk shows next, whose lines are that tab's."""
    response = client.post("/staff/desk/", {"desk_page": desk_page_of(client), **data})
    assert response.status_code == 302
    token = parse_qs(urlsplit(response["Location"]).query)["desk_page"][0]
    setattr(client, "desk_page", token)  # noqa: B010 - the tab the client is in
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page.text


def desk_page_of(client: Client) -> str:
    """The token of the desk page the client last had ("": it has none open yet)."""
    return str(getattr(client, "desk_page", ""))


def desk_get(client: Client) -> str:
    """The client's page of the desk, loaded again."""
    return client.get("/staff/desk/", {"desk_page": desk_page_of(client)}).text


def scan(client: Client, barcode: str) -> str:
    """One scan and its Enter; the page the desk shows next."""
    return desk_post(client, {"barcode": barcode})


def scan_lent_copy(client: Client, barcode: str, *, lent_to: str, at_desk: str) -> str:
    """Lend a copy to one patron at the desk, then scan it again on another's card: the page the
    desk shows."""
    scan(client, lent_to)
    scan(client, barcode)
    scan(client, at_desk)
    return scan(client, barcode)


def state(desk: Desk) -> dict[str, object]:
    with schema_context(desk.schema):
        return {
            "loans": sorted(Loan.objects.values_list("item_id", "patron_id", "returned_at")),
            "items": sorted(Item.objects.values_list("id", "status", "version")),
            "changes": Change.objects.count(),
        }


def test_a_patron_then_items_then_enter_then_check_in(librarian: Client, desk: Desk) -> None:
    page = librarian.get("/staff/desk/").text
    assert "autofocus" in page
    page = scan(librarian, desk.patron.barcode)
    assert f"Lending to <bdi>{desk.patron.name}</bdi>" in page
    page = scan(librarian, desk.items[0].barcode)
    due = today() + timedelta(days=21)
    assert (
        f"lent to <bdi>{desk.patron.name}</bdi>, due {date_format(due, 'SHORT_DATE_FORMAT')}"
        in page
    )
    page = scan(librarian, desk.items[1].barcode)
    assert len(re.findall(r"<td[^>]*>alpha-I00", page)) == 2  # both on the patron's list
    page = scan(librarian, "")
    assert "Done with this patron" in page
    with schema_context(desk.schema):
        assert Loan.objects.filter(patron=desk.patron, returned_at__isnull=True).count() == 2
    # No patron open: an item scanned is checked in.
    page = scan(librarian, desk.items[0].barcode)
    assert f"{desk.items[0].barcode} <bdi>The Dispossessed</bdi>: checked in." in page
    with schema_context(desk.schema):
        assert Item.objects.get(pk=desk.items[0].pk).status == Item.Status.AVAILABLE


def test_errors_show_on_the_desk_and_change_nothing(librarian: Client, desk: Desk) -> None:
    scan(librarian, desk.patron.barcode)
    scan(librarian, desk.item.barcode)
    scan(librarian, "")
    scan(librarian, desk.other_patron.barcode)
    before = state(desk)
    page = scan(librarian, desk.item.barcode)
    assert 'role="alert"' in page
    assert "is already on loan" in page
    page = scan(librarian, "NO-SUCH-BARCODE")
    assert "No item has the barcode \u201cNO-SUCH-BARCODE\u201d" in page
    assert state(desk) == before


def test_an_unknown_barcode_with_no_patron_open_is_neither(librarian: Client, desk: Desk) -> None:
    before = state(desk)
    page = scan(librarian, "P9999")
    assert "No patron or item has the barcode \u201cP9999\u201d." in page
    assert state(desk) == before


def test_barcodes_typed_in_another_case_are_found(librarian: Client, desk: Desk) -> None:
    page = scan(librarian, desk.patron.barcode.lower())
    assert f"Lending to <bdi>{desk.patron.name}</bdi> ({desk.patron.barcode})." in page
    page = scan(librarian, desk.item.barcode.upper())
    assert (
        f"{desk.item.barcode} <bdi>The Dispossessed</bdi>: lent to <bdi>{desk.patron.name}</bdi>"
        in page
    )
    scan(librarian, "")
    page = scan(librarian, desk.item.barcode.upper())
    assert f"{desk.item.barcode} <bdi>The Dispossessed</bdi>: checked in." in page
    # Two copies whose barcodes differ only in case (given before they were kept apart): a
    # case-blind match would be a guess.
    desk.copy_add("Twin-1")
    twin = desk.copy_add("TWIN-2")
    with schema_context(desk.schema):
        Item.objects.filter(pk=twin.pk).update(barcode="TWIN-1")
    before = state(desk)
    page = scan(librarian, "twin-1")
    assert (
        "Several cards or copies match twin-1 in upper or lower case: type it exactly as "
        "printed." in page
    )
    assert state(desk) == before


def test_a_returned_item_with_a_hold_says_so(librarian: Client, desk: Desk) -> None:
    scan(librarian, desk.patron.barcode)
    scan(librarian, desk.item.barcode)
    scan(librarian, "")
    with schema_context(desk.schema):
        Hold.objects.create(record=desk.record, patron=desk.other_patron)
    page = scan(librarian, desk.item.barcode)
    assert f"Put it on the hold shelf for <bdi>{desk.other_patron.name}</bdi>" in page
    shelf = librarian.get("/staff/desk/hold-shelf/").text
    assert desk.other_patron.barcode in shelf


def test_a_copy_scanned_again_on_the_hold_shelf_says_whom_it_waits_for(
    librarian: Client, desk: Desk
) -> None:
    """Scanned again with no patron open (to check where it goes), a trapped copy is not an
    error: the desk says whom it is kept for and until when, and nothing changes."""
    with schema_context(desk.schema):
        Hold.objects.create(record=desk.record, patron=desk.other_patron)
    scan(librarian, desk.item.barcode)  # fetched from the shelves: trapped
    before = state(desk)
    page = scan(librarian, desk.item.barcode.lower())
    first = page.split('<ul id="lines"', 1)[1].split("</li>", 1)[0]
    assert "not on loan" not in first
    assert 'class="desk-hold"' in first
    assert f"on the hold shelf for <bdi>{desk.other_patron.name}</bdi>" in first
    assert state(desk) == before


def renewals_shown(page: str, barcode: str) -> tuple[str, str]:
    """The due date and the renewals count in the patron's loan row for `barcode`."""
    row = re.split(rf"<td[^>]*>{re.escape(barcode)}</td>", page, maxsplit=1)[1]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.split("</tr>", 1)[0], re.S)
    due, renewals = (re.sub(r"<[^>]+>", "", cell).strip() for cell in cells[1:3])
    return due, renewals


def test_a_renewal_before_the_due_date_extends_from_it(librarian: Client, desk: Desk) -> None:
    scan(librarian, desk.patron.barcode)
    scan(librarian, desk.item.barcode)
    due = today() + timedelta(days=21)
    shown = date_format(due, "SHORT_DATE_FORMAT")
    assert renewals_shown(desk_get(librarian), desk.item.barcode) == (shown, "0")
    for times in (1, 2):
        page = desk_post(librarian, {"renew": desk.item.barcode})
        due += timedelta(days=21)
        shown = date_format(due, "SHORT_DATE_FORMAT")
        assert f"{desk.item.barcode} <bdi>{desk.record.title}</bdi>: renewed, due {shown}." in page
        assert renewals_shown(page, desk.item.barcode) == (shown, str(times))


def test_a_renewal_that_would_not_move_the_due_date_is_refused(
    librarian: Client, desk: Desk
) -> None:
    scan(librarian, desk.patron.barcode)
    scan(librarian, desk.item.barcode)
    with schema_context(desk.schema):
        # The rule changed since the loan: the item is no longer lent for any days.
        LoanRule.objects.create(for_loan=False, loan_days=0)
    before = state(desk)
    page = desk_post(librarian, {"renew": desk.item.barcode})
    assert f"Item {desk.item.barcode} cannot be renewed: it would not be due any later." in page
    shown = date_format(today() + timedelta(days=21), "SHORT_DATE_FORMAT")
    assert renewals_shown(page, desk.item.barcode) == (shown, "0")
    assert state(desk) == before


def overdue_page(librarian: Client, desk: Desk, days_late: int) -> str:
    """The overdue list once the desk's item, lent to its patron, is `days_late` days late."""
    scan(librarian, desk.patron.barcode)
    scan(librarian, desk.item.barcode)
    with schema_context(desk.schema):
        Loan.objects.update(due_on=today() - timedelta(days=days_late))
    return librarian.get("/staff/desk/overdue/").text


def test_the_overdue_list(librarian: Client, desk: Desk) -> None:
    page = overdue_page(librarian, desk, 3)
    assert desk.item.barcode in page
    assert desk.patron.email in page


def test_days_late_is_a_number_of_days(librarian: Client, desk: Desk) -> None:
    page = overdue_page(librarian, desk, 13)
    row = page.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert re.findall(r"<td[^>]*>([^<]*)</td>", row)[1] == "13"
    assert "week" not in page


def test_names_ending_in_a_full_stop_get_no_second(librarian: Client, desk: Desk) -> None:
    with schema_context(desk.schema):
        Patron.objects.filter(pk=desk.patron.pk).update(name="Le Guin, Ursula K.")
        Record.objects.filter(pk=desk.record.pk).update(title="Always Coming Home.")
    scan(librarian, desk.patron.barcode)
    scan(librarian, desk.item.barcode)
    page = scan(librarian, desk.patron.barcode)
    assert "Done with <bdi>Le Guin, Ursula K.</bdi><" in page
    page = scan(librarian, desk.item.barcode)
    assert f"{desk.item.barcode} <bdi>Always Coming Home.</bdi>: checked in." in page
    lines = re.findall(r'<li class="desk-[a-z]+"[^>]*>(.*?)</li>', page)
    assert ".." not in "".join(re.sub("<[^>]+>", "", line) for line in lines)


def test_an_expired_card_s_date_is_shown_as_every_other_date(librarian: Client, desk: Desk) -> None:
    with schema_context(desk.schema):
        Patron.objects.filter(pk=desk.patron.pk).update(expires_on=expired_on())
    shown = date_format(expired_on(), "SHORT_DATE_FORMAT")
    page = scan(librarian, desk.patron.barcode)
    assert f"(card expired {shown})." in page
    # The patron's line says so too, rather than that the card is valid until that day.
    assert f"adult · card expired {shown}</p>" in page
    assert "card valid until" not in page
    page = scan(librarian, desk.item.barcode)
    assert f"card expired on {shown}: renew it first." in page
    assert expired_on().isoformat() not in page


def test_viewers_look_but_do_not_lend(viewer: Client, desk: Desk) -> None:
    assert viewer.get("/staff/desk/").status_code == 200
    before = state(desk)
    assert viewer.post("/staff/desk/", {"barcode": desk.patron.barcode}).status_code == 403
    assert state(desk) == before


def test_anonymous_readers_are_sent_to_sign_in(desk: Desk) -> None:
    for path in ("/staff/desk/", "/staff/desk/overdue/", "/staff/desk/hold-shelf/"):
        response = Client(HTTP_HOST=LIBRARY_HOST).get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/staff/login/")


def test_another_library_s_desk_and_barcodes(
    librarian: Client, desk: Desk, other_desk: Desk
) -> None:
    # A's session means nothing on B's host.
    visitor = Client(HTTP_HOST=OTHER_LIBRARY_HOST)
    visitor.cookies = copy.deepcopy(librarian.cookies)
    before_b = state(other_desk)
    response = visitor.post("/staff/desk/", {"barcode": other_desk.patron.barcode})
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")
    # B's barcodes at A's desk are unknown there.
    page = scan(librarian, other_desk.patron.barcode)
    assert "Lending to" not in page
    page = scan(librarian, other_desk.item.barcode)
    assert "No patron or item has the barcode" in page
    scan(librarian, desk.patron.barcode)
    page = scan(librarian, other_desk.item.barcode)
    assert "No item has the barcode" in page
    assert state(other_desk) == before_b
    overdue = librarian.get("/staff/desk/overdue/").text
    assert other_desk.patron.name not in overdue


def marked_on_loan(desk: Desk, barcode: str) -> Item:
    """A copy added as "On loan" (as an import or a migration brings it): no loan of it is
    recorded in this library."""
    with schema_context(desk.schema):
        item = item_create(
            record_id=desk.record.pk,
            data=ItemData(barcode=barcode, location_id=desk.location.pk, status="on_loan"),
        )
    desk.items.append(item)
    return item


def test_a_copy_marked_on_loan_with_no_loan_is_taken_back(librarian: Client, desk: Desk) -> None:
    item = marked_on_loan(desk, "MIGRATED-1")
    with schema_context(desk.schema):
        changes = Change.objects.count()
    page = scan(librarian, item.barcode)
    assert (
        f"{item.barcode} <bdi>The Dispossessed</bdi>: checked in (it was marked on loan, with no "
        "loan recorded here)." in page
    )
    assert "is not on loan" not in page
    with schema_context(desk.schema):
        assert Item.objects.get(pk=item.pk).status == Item.Status.AVAILABLE
        assert not Loan.objects.filter(item=item).exists()
        # Readers of the change feed see the copy come back, as for any return.
        assert Change.objects.count() == changes + 1
        last = Change.objects.order_by("-pk").values_list("entity", "entity_id", "action")[0]
        assert last == ("item", item.pk, "updated")


def test_a_copy_marked_on_loan_with_no_loan_goes_to_a_waiting_hold(
    librarian: Client, desk: Desk
) -> None:
    item = marked_on_loan(desk, "MIGRATED-2")
    with schema_context(desk.schema):
        Hold.objects.create(record=desk.record, patron=desk.other_patron)
    page = scan(librarian, item.barcode)
    assert (
        f"{item.barcode} <bdi>The Dispossessed</bdi>: checked in (it was marked on loan, with no "
        f"loan recorded here). Put it on the hold shelf for <bdi>{desk.other_patron.name}</bdi>"
        in page
    )
    with schema_context(desk.schema):
        assert Item.objects.get(pk=item.pk).status == Item.Status.ON_HOLD_SHELF
        hold = Hold.objects.get(patron=desk.other_patron)
        assert (hold.status, hold.item_id) == (Hold.Status.READY, item.pk)


def test_a_copy_marked_on_loan_with_no_loan_is_lent_directly(librarian: Client, desk: Desk) -> None:
    item = marked_on_loan(desk, "MIGRATED-3")
    scan(librarian, desk.patron.barcode)
    page = scan(librarian, item.barcode)
    assert (
        f"{item.barcode} <bdi>The Dispossessed</bdi>: lent to <bdi>{desk.patron.name}</bdi>" in page
    )
    assert "already on loan" not in page
    with schema_context(desk.schema):
        loan = Loan.objects.get(item=item)
        assert (loan.patron_id, loan.returned_at) == (desk.patron.pk, None)
        assert Item.objects.get(pk=item.pk).status == Item.Status.ON_LOAN
    # The loan recorded now is the one the desk takes back.
    scan(librarian, "")
    page = scan(librarian, item.barcode)
    assert f"{item.barcode} <bdi>The Dispossessed</bdi>: checked in." in page
    with schema_context(desk.schema):
        assert Loan.objects.get(item=item).returned_at is not None


def test_another_library_s_copy_marked_on_loan_is_not_taken_back(
    librarian: Client, desk: Desk, other_desk: Desk
) -> None:
    theirs = marked_on_loan(other_desk, "MIGRATED-B")
    before = state(other_desk)
    page = scan(librarian, theirs.barcode)
    assert "No patron or item has the barcode \u201cMIGRATED-B\u201d." in page
    assert state(other_desk) == before


def test_the_desk_s_lines_follow_the_reader_s_language_and_date_format(
    librarian: Client, desk: Desk
) -> None:
    """A line written in English reads in French once the librarian (or a colleague at the same
    desk) switches, with French dates; a line kept from before lines kept their facts stays."""
    scan(librarian, desk.patron.barcode)
    page = scan(librarian, desk.items[0].barcode)
    with schema_context(desk.schema):
        due = Loan.objects.get(item=desk.items[0]).due_on
    assert (
        f"lent to <bdi>{desk.patron.name}</bdi>, due {date_format(due, 'SHORT_DATE_FORMAT')}"
        in page
    )
    session = librarian.session
    token = desk_page_of(librarian)
    lines = session["desk_lines"]
    lines[token].append(
        {"kind": "ok", "html": "An old line, as it was written.", "lend_anyway": ""}
    )
    session["desk_lines"] = lines
    session.save()

    librarian.get("/language/", {"language": "fr", "next": "/staff/desk/"})
    page = desk_get(librarian)
    french_due = due.strftime("%d/%m/%Y")
    assert f"prêté à <bdi>{desk.patron.name}</bdi>, à rendre le {french_due}" in page
    assert "lent to" not in page
    assert "An old line, as it was written." in page
