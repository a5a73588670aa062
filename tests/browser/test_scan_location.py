"""Scan-to-add in Chromium with a library that has locations: a copy saved by a scanner's
keystrokes (its barcode, then Enter) gets the library's default location, and the page says
which; a library without any location is told so instead of a copy saved silently without."""

import pytest
from django_tenants.utils import schema_context

from catalog.services import ItemData, RecordData, item_create, location_create, record_create
from tenants.models import Library
from tenants.services import ProvisionedLibrary
from tests.browser.conftest import Shots, Stack

pytestmark = pytest.mark.browser

LEFT_HAND = "9780441478125"


def _held(library: ProvisionedLibrary, *, locations: list[str], default: str = "") -> None:
    """A book the library has with one copy, and its locations (set up before the browser
    opens: Playwright's loop forbids the ORM in its thread)."""
    with schema_context(library.library.schema_name):
        for code in locations:
            location_create(code=code, name=f"{code.title()} branch")
        record = record_create(
            data=RecordData(title="The Left Hand of Darkness", identifiers=[("isbn", LEFT_HAND)])
        )
        item_create(record_id=record.pk, data=ItemData(barcode="31000000000003"))
    Library.objects.filter(pk=library.library.pk).update(default_location_code=default)


def _scan(page, code: str) -> None:  # type: ignore[no-untyped-def]
    page.keyboard.type(code, delay=5)
    page.keyboard.press("Enter")


def _scan_book(page) -> str:  # type: ignore[no-untyped-def]
    """Scans the book's ISBN; what the page then says of where its next copy goes."""
    _scan(page, LEFT_HAND)
    page.wait_for_selector("#have-it")
    return str(page.inner_text("#location-note"))


def _scan_copy(page, barcode: str) -> str:  # type: ignore[no-untyped-def]
    """Scans a new copy's barcode, which saves it; what the page then says of the copy."""
    _scan(page, barcode)
    page.wait_for_selector("#saved")
    return str(page.inner_text("#saved"))


def _location_shown(page, stack: Stack, library: ProvisionedLibrary, barcode: str) -> str:  # type: ignore[no-untyped-def]
    """The location the staff record page gives the copy with this barcode."""
    page.goto(stack.url(library.domain.domain, f"/staff/records/?q={LEFT_HAND}"))
    page.click("#records >> text=The Left Hand of Darkness")
    row = page.locator("#copies tr", has_text=barcode)
    return str(row.locator("td").nth(1).inner_text()).strip()


@pytest.fixture
def held(request: pytest.FixtureRequest, live_library: ProvisionedLibrary) -> ProvisionedLibrary:
    """The live library holding the book, with the locations (and default) that the test's
    parameter for this fixture names."""
    _held(live_library, **request.param)
    return live_library


@pytest.mark.parametrize(
    ("held", "note", "saved", "shown"),
    [
        pytest.param(
            {"locations": ["EAST", "MAIN"], "default": "MAIN"},
            "Main branch, the library's default location",
            "Copy 39999000000777 is at Main branch.",
            "Main branch",
            id="default",
        ),
        pytest.param(
            {"locations": []},
            "no locations yet",
            "Copy 39999000000777 has no location.",
            "",
            id="no-locations",
        ),
    ],
    indirect=["held"],
)
def test_a_scanned_copy_gets_the_default_location_or_the_page_says_there_is_none(  # type: ignore[no-untyped-def]
    request: pytest.FixtureRequest,
    stack: Stack,
    held: ProvisionedLibrary,
    page,
    note: str,
    saved: str,
    shown: str,
):
    shot = Shots(page, f"scan_copy_location-{request.node.callspec.id}")
    stack.admin_sign_in(page, held, "/staff/add/")
    assert note in _scan_book(page)
    shot("found")
    assert saved in _scan_copy(page, "39999000000777")
    shot("saved")
    assert _location_shown(page, stack, held, "39999000000777") == shown


@pytest.mark.parametrize("held", [{"locations": ["EAST", "MAIN"]}], indirect=True)
def test_the_location_last_chosen_is_kept_for_the_next_scan(  # type: ignore[no-untyped-def]
    stack: Stack, held: ProvisionedLibrary, page
):
    """With several locations and no default, nothing is preselected and the page says so;
    once one is chosen, the next copy scanned in the session goes there too."""
    shot = Shots(page, "scan_copy_last_location")
    stack.admin_sign_in(page, held, "/staff/add/")
    assert "No default location is set" in _scan_book(page)
    page.select_option("#id_location", label="EAST: East branch")
    page.focus("#id_barcode")
    assert "Copy 39999000000777 is at East branch." in _scan_copy(page, "39999000000777")
    note = _scan_book(page)
    shot("last-location-offered")
    assert "East branch, the location you chose last" in note
    assert "Copy 39999000000778 is at East branch." in _scan_copy(page, "39999000000778")
    assert _location_shown(page, stack, held, "39999000000778") == "East branch"
