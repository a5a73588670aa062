"""Names and titles inside the desk's and the reader's sentences are isolated (<bdi>), so one
written right to left does not carry the punctuation and the numbers around it; and escaped."""

from datetime import timedelta

from django.test import Client
from django_tenants.utils import schema_context

from catalog.models import Record
from circulation.models import Loan, Patron
from circulation.selectors import today
from circulation.services import hold_place
from common.bidi import names_isolated, sentence_html
from tests.circulation.conftest import Desk
from tests.circulation.test_desk_pages import desk_post, scan

SARA = "سارة أحمد"
BOOK = "كتاب الرمل"


def _rename(desk: Desk, *, patron: str, other: str = "", title: str = "") -> None:
    with schema_context(desk.schema):
        Patron.objects.filter(pk=desk.patron.pk).update(name=patron)
        if other:
            Patron.objects.filter(pk=desk.other_patron.pk).update(name=other)
        if title:
            Record.objects.filter(pk=desk.record.pk).update(title=title)


def test_desk_lines_isolate_a_right_to_left_name_and_title(librarian: Client, desk: Desk) -> None:
    _rename(desk, patron=SARA, title=BOOK)
    page = scan(librarian, desk.patron.barcode)
    assert f"Lending to <bdi>{SARA}</bdi> ({desk.patron.barcode})." in page
    assert f"Scan an item to lend to <bdi>{SARA}</bdi>, or Enter alone when done" in page
    page = scan(librarian, desk.item.barcode)
    assert f"{desk.item.barcode} <bdi>{BOOK}</bdi>: lent to <bdi>{SARA}</bdi>, due " in page
    page = scan(librarian, desk.patron.barcode)
    assert f"Done with <bdi>{SARA}</bdi>." in page
    page = scan(librarian, desk.item.barcode)
    assert f"{desk.item.barcode} <bdi>{BOOK}</bdi>: checked in." in page


def test_a_refusal_isolates_the_name_of_who_waits(librarian: Client, desk: Desk) -> None:
    _rename(desk, patron="Shevek", other=SARA)
    with schema_context(desk.schema):
        hold_place(record_id=desk.record.pk, patron_barcode=desk.other_patron.barcode)
    scan(librarian, desk.patron.barcode)
    page = scan(librarian, desk.item.barcode)
    assert f"{desk.item.barcode}: <bdi>{SARA}</bdi> has a hold on this title (placed " in page


def test_names_and_titles_are_escaped_not_run(librarian: Client, desk: Desk) -> None:
    _rename(desk, patron="<img src=x onerror=alert(1)>", other="<b>Takver</b>",
            title="<script>alert('t')</script>")  # fmt: skip
    with schema_context(desk.schema):
        hold_place(record_id=desk.record.pk, patron_barcode=desk.other_patron.barcode)
    page = scan(librarian, desk.patron.barcode)
    assert "Lending to <bdi>&lt;img src=x onerror=alert(1)&gt;</bdi>" in page
    page = scan(librarian, desk.item.barcode)
    assert "<bdi>&lt;b&gt;Takver&lt;/b&gt;</bdi> has a hold on this title" in page
    page = desk_post(librarian, {"lend_anyway": desk.item.barcode})
    assert "<bdi>&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt;</bdi>: lent to" in page
    for raw in ("<img src=x", "<b>Takver", "<script>alert"):
        assert raw not in page


def test_names_isolated_escapes_around_the_names():
    assert names_isolated("Tom & amp <x> has a hold", "amp", "Tom") == (
        "<bdi>Tom</bdi> &amp; <bdi>amp</bdi> &lt;x&gt; has a hold"
    )
    assert sentence_html("%(a)s's %(b)s", {"a": "<i>", "b": "&"}) == "&lt;i&gt;&#x27;s &amp;"


def test_a_name_followed_by_its_card_is_isolated_on_the_staff_pages(
    librarian: Client, desk: Desk
) -> None:
    _rename(desk, patron=SARA)
    page = scan(librarian, desk.patron.barcode)
    assert f"<h2><bdi>{SARA}</bdi> <small>{desk.patron.barcode}</small></h2>" in page
    scan(librarian, desk.item.barcode)
    with schema_context(desk.schema):
        Loan.objects.update(due_on=today() - timedelta(days=3))
    overdue = librarian.get("/staff/desk/overdue/").text
    assert f"<bdi>{SARA}</bdi> ({desk.patron.barcode})" in overdue
    patron = librarian.get(f"/staff/patrons/{desk.patron.pk}/").text
    assert f"<h1><bdi>{SARA}</bdi> ({desk.patron.barcode})</h1>" in patron


def test_a_name_and_its_card_are_isolated_on_the_hold_shelf_and_the_pull_list(
    librarian: Client, desk: Desk
) -> None:
    """The hold shelf and the holds to pull write "<name> (<card>)" and the title: a name
    written right to left must not draw the card number before it."""
    _rename(desk, patron=SARA, other=SARA, title=BOOK)
    with schema_context(desk.schema):
        hold_place(record_id=desk.record.pk, patron_barcode=desk.patron.barcode)
    pull = librarian.get("/staff/desk/holds-to-pull/").text
    assert f"<bdi>{SARA}</bdi> ({desk.patron.barcode})" in pull
    assert f"<bdi>{BOOK}</bdi>" in pull
    scan(librarian, desk.item.barcode)  # fetched from the shelves: trapped for Sara
    shelf = librarian.get("/staff/desk/hold-shelf/").text
    assert f"<bdi>{SARA}</bdi> ({desk.patron.barcode})" in shelf
    assert f"<bdi>{BOOK}</bdi>" in shelf
