"""The staff navigation strips of a French library, in Chromium: on a 390x844 phone every
link shows whole, nothing scrolled sideways out of sight; on a 1280x800 laptop the strips are
laid out as they were."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tenants.administration import library_settings_update
from tenants.services import ProvisionedLibrary
from tests.browser.conftest import Shots, Stack, chromium_page

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
# Both strips: the workspace's, then the circulation desk's own.
STRIPS = "nav.staff"


@pytest.fixture
def french_library(live_library: ProvisionedLibrary) -> ProvisionedLibrary:
    """The library speaks French (set up before the browser opens: Playwright's loop forbids
    the ORM in its thread)."""
    library_settings_update(
        library=live_library.library, actor="test", language="fr", time_zone="Europe/Paris"
    )
    return live_library


@pytest.fixture
def french_page(tmp_path: Path) -> Iterator[Any]:
    with chromium_page(tmp_path / "chromium-profile", viewport=PHONE, locale="fr-FR") as page:
        yield page


def _links(page: Any) -> list[dict[str, Any]]:
    """Each strip link's text, strip, box, lines of text, and whether its text overflows what
    is shown of it or of its strip."""
    return page.evaluate(
        """[...document.querySelectorAll('nav.staff a')].map(a => {
             const box = a.getBoundingClientRect();
             const strip = a.closest('ul').getBoundingClientRect();
             const strips = [...document.querySelectorAll('nav.staff')];
             return {text: a.textContent, strip: strips.indexOf(a.closest('nav')),
                     left: box.left, right: box.right, top: box.top,
                     lines: a.getClientRects().length,
                     clipped: a.scrollWidth > a.clientWidth || box.left < strip.left - 0.5
                              || box.right > strip.right + 0.5};
           })"""
    )


def test_every_staff_link_shows_whole_on_a_phone(stack: Stack, french_library, french_page):
    shot = Shots(french_page, "staff_nav_phone")
    stack.admin_sign_in(french_page, french_library, "/staff/desk/")
    assert french_page.locator(STRIPS).count() == 2
    links = _links(french_page)
    assert {"Usagers", "Chercher des notices"} <= {link["text"] for link in links}
    for link in links:
        assert link["left"] >= 0, link
        assert link["right"] <= PHONE["width"], link
        assert not link["clipped"], link
        assert link["lines"] == 1, link
    # Nothing to scroll sideways to, in the page or in a strip.
    assert french_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert french_page.evaluate(
        "[...document.querySelectorAll('nav.staff ul')].every(u => u.scrollWidth <= u.clientWidth)"
    )
    shot("desk")
    # On a laptop the strips are as they were: two lines each at most, every link whole.
    french_page.set_viewport_size(LAPTOP)
    french_page.reload()
    laptop = _links(french_page)
    assert not [link for link in laptop if link["clipped"] or link["lines"] > 1]
    for strip in range(2):
        assert len({round(link["top"]) for link in laptop if link["strip"] == strip}) <= 2
    shot("desk-laptop")
