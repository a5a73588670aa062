"""Scan-to-add in Chromium, where a scanner's keystrokes land after a lookup: a suggested copy
barcode is replaced by the scanned one, and the next book scanned after one found nowhere is
looked up, never saved as a title."""

from dataclasses import dataclass

import pytest
from django_tenants.utils import schema_context

from catalog.services import ItemData, RecordData, item_create, record_create
from tenants.services import ProvisionedLibrary
from tests.browser.conftest import Shots, Stack

pytestmark = pytest.mark.browser

LEFT_HAND = "9780441478125"


@dataclass
class Held:
    title: str
    barcode: str


@pytest.fixture
def held(live_library: ProvisionedLibrary) -> Held:
    """A book the library has, with one copy (set up before the browser opens)."""
    with schema_context(live_library.library.schema_name):
        record = record_create(
            data=RecordData(title="The Left Hand of Darkness", identifiers=[("isbn", LEFT_HAND)])
        )
        item_create(record_id=record.pk, data=ItemData(barcode="31000000000003"))
    return Held(title=record.title, barcode="31000000000003")


def _scan(page, code: str) -> None:  # type: ignore[no-untyped-def]
    page.keyboard.type(code, delay=5)
    page.keyboard.press("Enter")


def _held_book_scanned(stack: Stack, live_library: ProvisionedLibrary, page) -> None:  # type: ignore[no-untyped-def]
    """Signed in on the add page, the book the library has is scanned and found."""
    stack.admin_sign_in(page, live_library, "/staff/add/")
    _scan(page, LEFT_HAND)
    page.wait_for_selector("#have-it")
    # The next scan comes once the page has given the copy's barcode field the focus, its
    # suggestion selected (on a loaded machine the script may run after the element shows).
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.id === 'id_barcode'"
        " && document.activeElement.selectionEnd > 0"
    )


def _focus(page) -> tuple[str, list[int]]:  # type: ignore[no-untyped-def]
    """The id of the field with the focus, and the part of its text selected."""
    return page.evaluate(
        "[document.activeElement.id, "
        "[document.activeElement.selectionStart, document.activeElement.selectionEnd]]"
    )


def test_a_scanned_copy_barcode_replaces_the_suggested_one(  # type: ignore[no-untyped-def]
    stack: Stack, live_library: ProvisionedLibrary, held: Held, page
):
    shot = Shots(page, "scan_copy_barcode")
    host = live_library.domain.domain
    _held_book_scanned(stack, live_library, page)
    assert page.input_value("#id_barcode") == "31000000000004"
    assert _focus(page) == ["id_barcode", [0, len("31000000000004")]]
    shot("suggested-barcode-selected")
    _scan(page, "39999000000777")
    page.wait_for_selector("#saved")
    page.goto(stack.url(host, f"/staff/records/?q={LEFT_HAND}"))
    page.click(f"#records >> text={held.title}")
    page.wait_for_selector("#copies")
    copies = page.inner_text("#copies")
    assert "39999000000777" in copies
    assert "3999900000077731000000000004" not in copies
    shot("copy-saved")


def test_the_next_book_scanned_after_one_found_nowhere_is_looked_up(  # type: ignore[no-untyped-def]
    stack: Stack, live_library: ProvisionedLibrary, page
):
    shot = Shots(page, "scan_after_found_nowhere")
    host = live_library.domain.domain
    stack.admin_sign_in(page, live_library, "/staff/add/")
    _scan(page, "9780140449136")
    page.wait_for_selector("#lookup-none")
    assert "9780140449136" in page.inner_text("#lookup-none")
    assert page.evaluate("document.activeElement.id") == "id_isbn_scan"
    shot("found-nowhere")
    _scan(page, "9780143039433")
    page.wait_for_selector("#lookup-none >> text=9780143039433")
    assert page.locator("#saved").count() == 0
    assert page.input_value("#id_isbn") == "9780143039433"
    assert page.input_value("#id_title") == ""
    shot("next-book-looked-up")
    page.goto(stack.url(host, "/staff/records/?q=9780143039433"))
    assert page.locator("#records-none").count() == 1
    page.goto(stack.url(host, "/staff/records/?q=9780140449136"))
    assert page.locator("#records-none").count() == 1


def test_after_a_refused_copy_barcode_the_next_scan_lands_in_the_field(  # type: ignore[no-untyped-def]
    stack: Stack, live_library: ProvisionedLibrary, held: Held, page
):
    shot = Shots(page, "scan_after_refused_barcode")
    host = live_library.domain.domain
    _held_book_scanned(stack, live_library, page)
    _scan(page, held.barcode)  # the copy the library has already
    page.wait_for_selector("#add-error")
    assert _focus(page) == ["id_barcode", [0, len(held.barcode)]]
    shot("refused-barcode-selected")
    _scan(page, "39999000000888")
    page.wait_for_selector("#saved")
    assert "isbn=" not in page.url
    page.reload()
    page.wait_for_selector("#id_isbn_scan")
    assert page.locator("#have-it").count() == 0  # a reload looks nothing up again
    assert page.evaluate("document.activeElement.id") == "id_isbn_scan"
    shot("saved-clean-address")
    page.goto(stack.url(host, f"/staff/records/?q={LEFT_HAND}"))
    page.click(f"#records >> text={held.title}")
    page.wait_for_selector("#copies")
    assert "39999000000888" in page.inner_text("#copies")
