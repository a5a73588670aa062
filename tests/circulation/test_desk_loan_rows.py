"""The patron's loans at the desk: rows that stay where they are when one is renewed, a copy
scanned again for the patron who has it offered for renewal, and a header that says a card's
state once."""

import re
from datetime import timedelta

from django.test import Client
from django_tenants.utils import schema_context

from circulation.models import Hold, Loan, LoanRule, Patron
from circulation.selectors import today
from circulation.services import item_type_set, loan_checkout
from tests.circulation.conftest import Desk, expired_on
from tests.circulation.test_desk_pages import desk_get, desk_post, scan, scan_lent_copy, state


def barcodes_listed(page: str) -> list[str]:
    """The barcodes of the patron's loan rows, top to bottom."""
    table = page.split('<table id="loans"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<td data-label="Barcode">([^<]*)</td>', table)


def test_renewing_the_first_row_leaves_the_rows_in_place(librarian: Client, desk: Desk) -> None:
    scan(librarian, desk.patron.barcode)
    for item in desk.items:
        scan(librarian, item.barcode)
    with schema_context(desk.schema):
        # The first lent is due first: renewing it makes it due last of all.
        for days, item in enumerate(desk.items):
            Loan.objects.filter(item=item).update(due_on=today() + timedelta(days=days + 1))
    lent = barcodes_listed(desk_get(librarian))
    assert lent == [item.barcode for item in desk.items]
    page = desk_post(librarian, {"renew": lent[0]})
    assert barcodes_listed(page) == lent
    # The button in the first row again renews the same copy, not the next.
    page = desk_post(librarian, {"renew": barcodes_listed(page)[0]})
    with schema_context(desk.schema):
        renewals = dict(Loan.objects.values_list("item__barcode", "renewals"))
    assert renewals == {lent[0]: 2, lent[1]: 0, lent[2]: 0}
    assert barcodes_listed(page) == lent


def test_the_renewal_line_names_the_title(librarian: Client, desk: Desk) -> None:
    scan(librarian, desk.patron.barcode)
    scan(librarian, desk.item.barcode)
    page = desk_post(librarian, {"renew": desk.item.barcode})
    first = page.split('<ul id="lines"', 1)[1].split("</li>", 1)[0]
    assert f"{desk.item.barcode} <bdi>{desk.record.title}</bdi>: renewed, due" in first


def test_a_copy_scanned_again_for_its_borrower_is_offered_for_renewal(
    librarian: Client, desk: Desk
) -> None:
    scan(librarian, desk.patron.barcode)
    scan(librarian, desk.item.barcode)
    before = state(desk)
    page = scan(librarian, desk.item.barcode.upper())  # a scanner in another case alike
    first = page.split('<ul id="lines"', 1)[1].split("</li>", 1)[0]
    assert f"already lent to <bdi>{desk.patron.name}</bdi>" in first
    assert "check it in first" not in first
    assert f'<button name="renew" value="{desk.item.barcode}">Renew</button>' in first
    assert state(desk) == before  # offered, not done
    page = desk_post(librarian, {"renew": desk.item.barcode})
    with schema_context(desk.schema):
        assert Loan.objects.get(item=desk.item, returned_at__isnull=True).renewals == 1


def test_a_copy_lent_to_someone_else_is_not_offered_for_renewal(
    librarian: Client, desk: Desk
) -> None:
    page = scan_lent_copy(
        librarian, desk.item.barcode, lent_to=desk.other_patron.barcode, at_desk=desk.patron.barcode
    )
    first = page.split('<ul id="lines"', 1)[1].split("</li>", 1)[0]
    assert "already on loan: check it in first" in first
    assert 'name="renew"' not in first


def text_of(page: str, element_id: str) -> str:
    """The words of the element with this id (to its first closing tag)."""
    element = page.split(f'id="{element_id}"', 1)[1].split(">", 1)[1].split("</p>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", element)).strip()


def test_an_expired_card_is_said_once_in_the_header(librarian: Client, desk: Desk) -> None:
    with schema_context(desk.schema):
        # A note a librarian wrote about the card, before the desk could say it.
        Patron.objects.filter(pk=desk.patron.pk).update(
            expires_on=expired_on(), notes="Ausweis abgelaufen"
        )
    scan(librarian, desk.patron.barcode)
    page = librarian.get(
        "/staff/desk/", {"desk_page": getattr(librarian, "desk_page", "")},
        HTTP_ACCEPT_LANGUAGE="de",
    ).text  # fmt: skip
    card = text_of(page, "patron-card")
    assert card == "Erwachsene · Ausweis abgelaufen am 01.01.2000"
    assert text_of(page, "patron-notes") == "Notizen: Ausweis abgelaufen"


def test_a_loan_renewed_the_most_allowed_offers_no_renewal(librarian: Client, desk: Desk) -> None:
    with schema_context(desk.schema):
        LoanRule.objects.create(renewals=1)
    scan(librarian, desk.patron.barcode)
    scan(librarian, desk.items[0].barcode)
    page = scan(librarian, desk.items[1].barcode)
    table = page.split('<table id="loans"', 1)[1].split("</table>", 1)[0]
    assert table.count('name="renew"') == 2
    page = desk_post(librarian, {"renew": desk.items[0].barcode})
    rows = page.split('<table id="loans"', 1)[1].split("</table>", 1)[0].split("</tr>")[1:3]
    # The renewed copy's row says why it offers no more; the other still offers one.
    assert desk.items[0].barcode in rows[0]
    assert 'name="renew"' not in rows[0]
    assert "Renewed the most its loan rule allows" in rows[0]
    assert f'name="renew" value="{desk.items[1].barcode}"' in rows[1]


def first_line(page: str) -> str:
    return page.split('<ul id="lines"', 1)[1].split("</li>", 1)[0]


def lend(librarian: Client, desk: Desk) -> None:
    """The desk's first copy lent to its patron, who stays open at the desk."""
    scan(librarian, desk.patron.barcode)
    scan(librarian, desk.item.barcode)


def test_a_copy_scanned_again_at_its_renewal_limit_says_so_instead_of_offering_it(
    librarian: Client, desk: Desk
) -> None:
    with schema_context(desk.schema):
        LoanRule.objects.create(renewals=1)
    lend(librarian, desk)
    desk_post(librarian, {"renew": desk.item.barcode})
    before = state(desk)
    line = first_line(scan(librarian, desk.item.barcode))
    assert f"already lent to <bdi>{desk.patron.name}</bdi>" in line
    # In the words of the loan's row, and with no button the desk would refuse.
    assert "Renew it?" not in line
    assert 'name="renew"' not in line
    assert line.rstrip().endswith("Renewed the most its loan rule allows.")
    assert state(desk) == before


def test_a_copy_scanned_again_that_another_patron_waits_for_is_not_offered(
    librarian: Client, desk: Desk
) -> None:
    lend(librarian, desk)
    with schema_context(desk.schema):
        Hold.objects.create(record=desk.record, patron=desk.other_patron)
    line = first_line(scan(librarian, desk.item.barcode))
    assert 'name="renew"' not in line
    assert "Not renewed while another patron waits for its title." in line
    page = librarian.get(
        "/staff/desk/", {"desk_page": getattr(librarian, "desk_page", "")},
        HTTP_ACCEPT_LANGUAGE="fr",
    ).text  # fmt: skip
    # Worded in the language of whoever reads the line, as the rows are.
    french = "Pas de prolongation tant qu’un autre usager attend son titre."  # noqa: RUF001
    assert french in first_line(page)


# The desk's page with a patron open: the session, the staff member, the patron, their loans,
# and the rules, copy types, holds and closed days renewing them depends on.
QUERIES_FOR_THE_DESK = 8


def loan_rows(page: str) -> list[str]:
    """The patron's loan rows, top to bottom, as HTML."""
    table = page.split('<table id="loans"', 1)[1].split("</table>", 1)[0]
    return table.split("<tbody>", 1)[1].split("</tr>")[:-1]


def test_a_loan_another_patron_waits_for_offers_no_renewal_in_its_row(
    librarian: Client, desk: Desk
) -> None:
    scan(librarian, desk.patron.barcode)
    scan(librarian, desk.items[0].barcode)
    scan(librarian, desk.items[2].barcode)  # a copy of the other record
    with schema_context(desk.schema):
        Hold.objects.create(record=desk.record, patron=desk.other_patron)
    held, free = loan_rows(desk_get(librarian))
    # The row says why in the words of the scan line, where the button would be.
    assert desk.items[0].barcode in held
    assert 'name="renew"' not in held
    assert "Not renewed while another patron waits for its title" in held
    assert f'name="renew" value="{desk.items[2].barcode}"' in free
    assert "Not renewed" not in free


def test_an_expired_card_offers_no_renewal_in_its_rows(librarian: Client, desk: Desk) -> None:
    scan(librarian, desk.patron.barcode)
    scan(librarian, desk.item.barcode)
    with schema_context(desk.schema):
        Patron.objects.filter(pk=desk.patron.pk).update(expires_on=expired_on())
    (row,) = loan_rows(desk_get(librarian))
    assert 'name="renew"' not in row
    assert "Not renewed while the patron&#x27;s card is expired" in row


def test_the_loan_rows_take_as_many_queries_for_ten_loans_as_for_one(
    librarian: Client, desk: Desk, django_assert_max_num_queries
) -> None:
    scan(librarian, desk.patron.barcode)
    scan(librarian, desk.items[0].barcode)
    with django_assert_max_num_queries(QUERIES_FOR_THE_DESK) as one:
        assert len(loan_rows(desk_get(librarian))) == 1
    for n in range(7):
        desk.copy_add(f"{desk.schema}-X{n:03}")
    with schema_context(desk.schema):
        for item in desk.items[1:]:
            loan_checkout(item_barcode=item.barcode, patron_barcode=desk.patron.barcode)
        # Rows of every kind: copies of two types, renewed, and a title another patron awaits.
        item_type_set(item_barcodes=[desk.items[4].barcode], item_type="dvd")
        LoanRule.objects.create(item_type="dvd", renewals=0)
        Loan.objects.filter(item=desk.items[5]).update(renewals=9)
        Hold.objects.create(record=desk.other_record, patron=desk.other_patron)
    with django_assert_max_num_queries(QUERIES_FOR_THE_DESK) as ten:
        rows = loan_rows(desk_get(librarian))
    assert len(rows) == 10
    assert len(ten) == len(one)
    assert sum('name="renew"' in row for row in rows) == 7
