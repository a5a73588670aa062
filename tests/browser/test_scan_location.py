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


def _location_shown(page, stack: Stack, host: str, barcode: str) -> str:  # type: ignore[no-untyped-def]
    """The location the staff record page gives the copy with this barcode."""
    page.goto(stack.url(host, f"/staff/records/?q={LEFT_HAND}"))
    page.click("#records >> text=The Left Hand of Darkness")
    row = page.locator("#copies tr", has_text=barcode)
    return str(row.locator("td").nth(1).inner_text()).strip()


@pytest.fixture
def with_default(live_library: ProvisionedLibrary) -> ProvisionedLibrary:
    _held(live_library, locations=["EAST", "MAIN"], default="MAIN")
    return live_library


def test_a_scanned_copy_gets_the_default_location(  # type: ignore[no-untyped-def]
    stack: Stack, with_default: ProvisionedLibrary, page
):
    live_library = with_default
    shot = Shots(page, "scan_copy_location")
    stack.admin_sign_in(page, live_library, "/staff/add/")
    _scan(page, LEFT_HAND)
    page.wait_for_selector("#have-it")
    assert "Main branch, the library's default location" in page.inner_text("#location-note")
    shot("found")
    _scan(page, "39999000000777")
    page.wait_for_selector("#saved")
    shot("saved")
    assert "Copy 39999000000777 is at Main branch." in page.inner_text("#saved")
    host = live_library.domain.domain
    assert _location_shown(page, stack, host, "39999000000777") == "Main branch"


@pytest.fixture
def without_default(live_library: ProvisionedLibrary) -> ProvisionedLibrary:
    _held(live_library, locations=["EAST", "MAIN"])
    return live_library


def test_the_location_last_chosen_is_kept_for_the_next_scan(  # type: ignore[no-untyped-def]
    stack: Stack, without_default: ProvisionedLibrary, page
):
    """With several locations and no default, nothing is preselected and the page says so;
    once one is chosen, the next copy scanned in the session goes there too."""
    live_library = without_default
    shot = Shots(page, "scan_copy_last_location")
    stack.admin_sign_in(page, live_library, "/staff/add/")
    _scan(page, LEFT_HAND)
    page.wait_for_selector("#have-it")
    assert "No default location is set" in page.inner_text("#location-note")
    page.select_option("#id_location", label="EAST: East branch")
    page.focus("#id_barcode")
    _scan(page, "39999000000777")
    page.wait_for_selector("#saved")
    assert "Copy 39999000000777 is at East branch." in page.inner_text("#saved")
    _scan(page, LEFT_HAND)
    page.wait_for_selector("#have-it")
    shot("last-location-offered")
    assert "East branch, the location you chose last" in page.inner_text("#location-note")
    _scan(page, "39999000000778")
    page.wait_for_selector("#saved")
    assert "Copy 39999000000778 is at East branch." in page.inner_text("#saved")
    host = live_library.domain.domain
    assert _location_shown(page, stack, host, "39999000000778") == "East branch"


@pytest.fixture
def no_locations(live_library: ProvisionedLibrary) -> ProvisionedLibrary:
    _held(live_library, locations=[])
    return live_library


def test_a_library_without_locations_is_told_so(  # type: ignore[no-untyped-def]
    stack: Stack, no_locations: ProvisionedLibrary, page
):
    live_library = no_locations
    shot = Shots(page, "scan_copy_no_location")
    stack.admin_sign_in(page, live_library, "/staff/add/")
    _scan(page, LEFT_HAND)
    page.wait_for_selector("#have-it")
    assert "no locations yet" in page.inner_text("#location-note")
    _scan(page, "39999000000777")
    page.wait_for_selector("#saved")
    shot("saved-without-location")
    assert "Copy 39999000000777 has no location." in page.inner_text("#saved")
