"""The circulation desk in Chromium, fed as a barcode scanner feeds it: a card and a pile of
items scanned back to back, each barcode typed and ended with Enter before the desk has
answered the one before."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django_tenants.utils import schema_context

from catalog.services import ItemData, RecordData, item_create, location_create, record_create
from circulation.models import Loan
from circulation.services import PatronData, patron_create
from tenants.services import ProvisionedLibrary
from tests.browser.conftest import Shots, Stack, chromium_page
from tests.threads import SchemaThread

pytestmark = pytest.mark.browser


@dataclass
class Pile:
    patron_barcode: str
    barcodes: list[str]


@pytest.fixture
def pile(live_library: ProvisionedLibrary) -> Pile:
    """A patron and four copies to lend (set up before the browser opens)."""
    with schema_context(live_library.library.schema_name):
        location = location_create(code="MAIN", name="Main library")
        barcodes = []
        for n in range(4):
            record = record_create(data=RecordData(title=f"Book number {n + 1}"))
            barcode = f"3123400000{n:04d}"
            item_create(
                record_id=record.pk, data=ItemData(barcode=barcode, location_id=location.pk)
            )
            barcodes.append(barcode)
        patron_create(data=PatronData(name="Shevek Anarres", barcode="P000123"))
    return Pile(patron_barcode="P000123", barcodes=barcodes)


def test_scans_typed_back_to_back_are_each_taken_whole(  # type: ignore[no-untyped-def]
    stack: Stack, live_library: ProvisionedLibrary, pile: Pile, page
):
    shot = Shots(page, "desk_scanner")
    stack.admin_sign_in(page, live_library, "/staff/desk/")
    assert page.evaluate("document.activeElement.id") == "barcode"
    # A scanner types fast and ends each code with Enter; nobody waits for the page between
    # one book and the next.
    scans = [pile.patron_barcode, *pile.barcodes, ""]
    page.keyboard.type("".join(f"{code}\n" for code in scans), delay=15)
    page.wait_for_function(
        "() => document.querySelector('#lines li') !== null"
        " && document.querySelector('#lines li').textContent.startsWith('Done with')",
        timeout=30_000,
    )
    shot("pile-lent")
    lines = page.inner_text("#lines").splitlines()
    assert not [line for line in lines if "No " in line or "barcode" in line], lines
    for barcode in pile.barcodes:
        assert any(line.startswith(f"{barcode} ") and "lent to Shevek" in line for line in lines)
    # The field kept the focus throughout and is empty for the next patron.
    assert page.evaluate("document.activeElement.id") == "barcode"
    assert page.input_value("#barcode") == ""
    # Checked in the same way, back to back, with no patron open.
    page.keyboard.type("".join(f"{code}\n" for code in pile.barcodes), delay=15)
    page.wait_for_function(
        "(code) => document.querySelector('#lines li').textContent.startsWith(code + ' ')"
        " && document.querySelector('#lines li').textContent.includes('checked in')",
        arg=pile.barcodes[-1],
        timeout=30_000,
    )
    lines = page.inner_text("#lines").splitlines()
    for barcode in pile.barcodes:
        assert any(line.startswith(f"{barcode} ") and "checked in" in line for line in lines)
    shot("pile-checked-in")


OVERLAP = """() => {
    const a = document.querySelector('#scan label').getBoundingClientRect();
    const b = document.getElementById('barcode').getBoundingClientRect();
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}"""


def test_the_scan_field_keeps_clear_of_its_label_on_a_phone(  # type: ignore[no-untyped-def]
    stack: Stack, live_library: ProvisionedLibrary, pile: Pile, tmp_path
):
    """On a 390 px phone the label wraps over lines (longest in Spanish): the field goes under
    it, not over its words."""
    with chromium_page(
        tmp_path / "phone-profile", viewport={"width": 390, "height": 844}, locale="es-ES"
    ) as phone:
        stack.admin_sign_in(phone, live_library, "/staff/desk/")
        assert phone.evaluate("document.documentElement.lang") == "es"
        assert phone.evaluate(OVERLAP) is False
        phone.keyboard.type(f"{pile.patron_barcode}\n", delay=15)
        phone.wait_for_function(
            "() => document.querySelector('#lines li') !== null", timeout=30_000
        )
        assert phone.evaluate(OVERLAP) is False
        Shots(phone, "desk_phone")("patron-open")


def in_library(schema: str, work: Callable[[], object]) -> object:
    """What `work` returns, run in the library's schema beside the browser's event loop."""
    thread = SchemaThread(schema, work)
    thread.start()
    thread.join()
    if thread.error is not None:
        raise thread.error
    return thread.result


def test_two_tabs_of_the_desk_never_lend_to_the_patron_the_other_opened(  # type: ignore[no-untyped-def]
    stack: Stack, live_library: ProvisionedLibrary, pile: Pile, page
):
    """Tab A opens one patron, tab B another: a copy scanned in tab A is lent to nobody, and
    tab A shows the patron now open, to whom the copy scanned again is lent."""
    schema = live_library.library.schema_name
    in_library(
        schema, lambda: patron_create(data=PatronData(name="Takver Anarres", barcode="CARD-77"))
    )
    stack.admin_sign_in(page, live_library, "/staff/desk/")
    other = page.context.new_page()
    other.goto(page.url)
    first_line = "(document.querySelector('#lines li')?.textContent ?? '')"
    page.keyboard.type(f"{pile.patron_barcode}\n", delay=15)
    page.wait_for_function(f"() => {first_line}.startsWith('Lending to Shevek')")
    other.keyboard.type("CARD-77\n", delay=15)
    other.wait_for_function(f"() => {first_line}.startsWith('Lending to Takver')")
    page.bring_to_front()
    page.keyboard.type(f"{pile.barcodes[0]}\n", delay=15)
    page.wait_for_function(f"() => {first_line}.includes('Another tab of the desk')")
    assert page.inner_text("#lines li").startswith(
        f"{pile.barcodes[0]}: nothing done. Another tab of the desk changed the patron to "
        "Takver Anarres (CARD-77): scan the copy again."
    )
    assert page.inner_text("#patron h2").startswith("Takver Anarres")
    Shots(page, "desk_two_tabs")("patron-changed")
    assert in_library(schema, lambda: list(Loan.objects.all())) == []
    page.keyboard.type(f"{pile.barcodes[0]}\n", delay=15)
    page.wait_for_function(f"() => {first_line}.includes('lent to')")
    assert "lent to Takver Anarres" in page.inner_text("#lines li")
    lent_to = in_library(schema, lambda: [loan.patron.name for loan in Loan.objects.all()])
    assert lent_to == ["Takver Anarres"]
    # Each tab tells what its own scans did: tab B, loaded again, shows its line alone, not
    # tab A's, and a tab opened now shows none.
    other.bring_to_front()
    other.reload()
    assert other.inner_text("#lines").splitlines() == ["Lending to Takver Anarres (CARD-77)."]
    assert other.inner_text("#patron h2").startswith("Takver Anarres")
    page.reload()
    lines = page.inner_text("#lines").splitlines()
    assert len(lines) == 3, lines
    assert "lent to Takver Anarres" in lines[0]
    assert lines[2] == "Lending to Shevek Anarres (P000123)."
    third = page.context.new_page()
    third.goto(stack.url(live_library.domain.domain, "/staff/desk/"))
    assert third.locator("#lines").count() == 0
