"""Covers in Chromium: a librarian takes the cover a source offers with the record it found,
or uploads a picture on the workspace's record page, and readers see it on the public record
page and in search results, with its alt text, under the catalog's Content-Security-Policy."""

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from catalog.models import Record
from catalog.services import RecordData, record_create
from tenants.services import ProvisionedLibrary
from tests.browser.axe import axe_violations
from tests.browser.conftest import Shots, Stack
from tests.cataloguing.conftest import RECORDED, RecordedServer, open_library_recorded

pytestmark = pytest.mark.browser

PICTURE = RECORDED / "openlibrary_cover.jpg"  # 360 by 540
TITLE = "Pride and Prejudice"
AUSTEN = "9780141439518"


@pytest.fixture
def record(live_library: ProvisionedLibrary) -> Record:
    """Made before the browser opens: Playwright's loop forbids the ORM in its thread."""
    with schema_context(live_library.library.schema_name):
        return record_create(
            data=RecordData(title=TITLE, contributors=[("Austen, Jane", "author")])
        )


def _loaded(page, selector: str) -> bool:  # type: ignore[no-untyped-def]
    return bool(
        page.evaluate(
            f"(() => {{ const i = document.querySelector({selector!r}); "
            "return !!i && i.complete && i.naturalWidth > 0; })()"
        )
    )


def test_upload_a_cover_and_see_it_in_the_catalog(  # type: ignore[no-untyped-def]
    stack: Stack, live_library: ProvisionedLibrary, record: Record, page
):
    shot = Shots(page, "covers")
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    host = live_library.domain.domain
    stack.admin_sign_in(page, live_library, f"/staff/records/{record.pk}/")
    assert "This record has no cover yet." in page.inner_text("main")
    shot("record-without-cover")
    assert axe_violations(page) == []

    page.set_input_files("#id_picture", str(PICTURE))
    page.click("#cover-form button[type=submit]")
    page.wait_for_selector("#cover-status")
    assert page.inner_text("#cover-status") == "The cover is saved."
    page.wait_for_function("() => document.querySelector('img.cover-thumb')?.complete")
    assert _loaded(page, "img.cover-thumb")
    shot("record-with-cover")
    assert axe_violations(page) == []

    # The record page shows the larger picture, sized before it loads.
    page.goto(stack.url(host, f"/records/{record.pk}/"))
    cover = page.locator("img#cover")
    assert cover.get_attribute("alt") == f"Cover of {TITLE}"
    assert (cover.get_attribute("width"), cover.get_attribute("height")) == ("360", "540")
    page.wait_for_function("() => document.querySelector('img#cover').complete")
    assert _loaded(page, "img#cover")
    shot("public-record")

    page.goto(stack.url(host, "/search/?q=pride"))
    thumb = page.locator("img.cover-thumb").first
    assert thumb.get_attribute("alt") == f"Cover of {TITLE}"
    assert thumb.get_attribute("loading") == "lazy"
    assert (thumb.get_attribute("width"), thumb.get_attribute("height")) == ("120", "180")
    page.wait_for_function("() => document.querySelector('img.cover-thumb').complete")
    assert _loaded(page, "img.cover-thumb")
    assert re.search(r"/records/\d+/cover-[0-9a-f]{16}-thumb\.webp$", thumb.get_attribute("src"))
    assert refused == []


@pytest.fixture
def source_stack(live_db: None, tmp_path: Path) -> Iterator[Stack]:
    """A stack whose scan-to-add asks Open Library, here a recorded server with a cover."""
    server = RecordedServer()
    server.thread.start()
    sources = open_library_recorded(server, AUSTEN)
    running = Stack(tmp_path)
    running.env["STACKS_LOOKUP_SOURCES"] = json.dumps(sources)  # the worker's env too
    running.start()
    yield running
    running.stop()
    server.httpd.shutdown()
    server.httpd.server_close()


def test_scan_a_book_and_take_its_sources_cover(  # type: ignore[no-untyped-def]
    source_stack: Stack, live_library: ProvisionedLibrary, page
):
    shot = Shots(page, "source_cover")
    source_stack.admin_sign_in(page, live_library, "/staff/add/")
    page.keyboard.type(AUSTEN)
    page.keyboard.press("Enter")
    page.wait_for_selector("#record-form")
    assert page.input_value("#id_title") == TITLE
    assert page.is_checked("#id_cover_use")
    assert page.inner_text("label[for=id_cover_use]") == "Use the cover from Open Library"
    shot("prefilled-with-cover")
    assert axe_violations(page) == []
    page.keyboard.type("COVER-0001")
    page.click("#record-form button[type=submit]")
    page.wait_for_selector("#saved")
    assert "(with its cover)" in page.inner_text("#saved")
    assert page.locator("#cover-warning").count() == 0
    shot("saved-with-cover")
    page.click("#saved a")
    page.wait_for_url(re.compile(r"/records/\d+/$"))
    cover = page.locator("img#cover")
    assert cover.get_attribute("alt") == f"Cover of {TITLE}"
    page.wait_for_function("() => document.querySelector('img#cover').complete")
    assert _loaded(page, "img#cover")
    assert "COVER-0001" in page.inner_text("table#copies")
    shot("public-record-with-cover")
