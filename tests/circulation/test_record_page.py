"""Readers see each copy's availability and due date on the record page, never who has it."""

import re

from django.test import Client
from django.utils import translation
from django.utils.formats import date_format
from django_tenants.utils import schema_context

from circulation.models import Hold
from circulation.services import loan_checkin, loan_checkout
from tests.circulation.conftest import Desk
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST


def record_page(desk: Desk, host: str = LIBRARY_HOST) -> str:
    response = Client(HTTP_HOST=host).get(f"/records/{desk.record.pk}/")
    assert response.status_code == 200
    return response.text


def copies_table(page: str) -> str:
    """The record page's copies table (the page's style sheet speaks of due dates too)."""
    table = re.search(r'<table id="copies".*?</table>', page, re.S)
    assert table is not None
    return table.group(0)


def test_a_copy_on_loan_shows_its_due_date_and_no_patron(desk: Desk) -> None:
    assert "due back" not in copies_table(record_page(desk))
    with schema_context(desk.schema):
        loan = loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
    page = record_page(desk)  # the page cache follows the change feed
    assert "On loan" in copies_table(page)
    assert f"due back on {date_format(loan.due_on, 'DATE_FORMAT')}" in copies_table(page)
    for secret in (desk.patron.name, desk.patron.barcode, desk.patron.email, "Shevek"):
        assert secret not in page
    search = Client(HTTP_HOST=LIBRARY_HOST).get("/search/?q=dispossessed").text
    assert desk.patron.name not in search


def test_a_copy_on_the_hold_shelf_says_so(desk: Desk) -> None:
    with schema_context(desk.schema):
        loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        Hold.objects.create(record=desk.record, patron=desk.other_patron)
        loan_checkin(item_barcode=desk.item.barcode)
    page = record_page(desk)
    held = re.search(rf"<tr>(?:(?!</tr>).)*{re.escape(desk.item.barcode)}.*?</tr>", page, re.S)
    assert held is not None
    # Waiting for the reader who asked for it: not available to the others.
    assert "On the hold shelf" in held.group(0)
    assert "Available" not in held.group(0)
    assert desk.other_patron.name not in page


def test_a_due_date_is_written_as_the_reader_s_language_writes_dates(desk: Desk) -> None:
    with schema_context(desk.schema):
        loan = loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
    for language, due in (
        ("fr", "retour prévu le"),
        ("de", "Rückgabe am"),
        ("es", "devolución prevista el"),
    ):
        page = Client(HTTP_HOST=LIBRARY_HOST, HTTP_ACCEPT_LANGUAGE=language).get(
            f"/records/{desk.record.pk}/"
        )
        with translation.override(language):
            shown = date_format(loan.due_on, "DATE_FORMAT")
        assert f"{due} {shown}" in copies_table(page.text), language


def test_another_library_s_loans_do_not_show(desk: Desk, other_desk: Desk) -> None:
    with schema_context(other_desk.schema):
        loan_checkout(
            item_barcode=other_desk.item.barcode, patron_barcode=other_desk.patron.barcode
        )
    assert "due back" not in copies_table(record_page(desk))
    assert "due back" in copies_table(record_page(other_desk, OTHER_LIBRARY_HOST))
