"""A French library in Chromium: the catalog and the staff pages in French, then in German by
the language switch; `lang`, dates in the library's zone and language names checked, with a
screenshot of each page (test-artifacts/browser/languages/)."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django_tenants.utils import schema_context

from catalog.services import ItemData, RecordData, item_create, record_create
from staff.models import AuditEvent
from tenants.administration import library_settings_update
from tenants.services import ProvisionedLibrary
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, Shots, Stack

pytestmark = pytest.mark.browser

# 01:38 UTC on 2 December is 02:38 in Paris (UTC+1 in winter).
EVENT_AT = datetime(2026, 12, 2, 1, 38, 32, tzinfo=UTC)


@pytest.fixture
def french_library(live_library: ProvisionedLibrary) -> ProvisionedLibrary:
    """A library whose readers' default is French and whose zone is Paris, with a German book
    and one audit log entry at a known time (set up before the browser starts: Playwright's
    loop forbids the ORM in its thread)."""
    library = live_library.library
    library_settings_update(library=library, actor="test", language="fr", time_zone="Europe/Paris")
    with schema_context(library.schema_name):
        record = record_create(data=RecordData(title="Der Zauberberg", language="ger"))
        item_create(record_id=record.pk, data=ItemData(barcode="31000000000017"))
        event = AuditEvent.objects.create(
            actor=live_library.admin_email, action="api_key.revoke", target="abcd1234"
        )
        AuditEvent.objects.filter(pk=event.pk).update(created_at=EVENT_AT)
    return live_library


@pytest.fixture
def french_browser(tmp_path: Path) -> Iterator[Any]:
    """Chromium asking for French (Accept-Language: fr-FR), as a reader's browser in Québec or
    Lyon would."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            locale="fr-FR",
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(30_000)
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()


def _lang(page: Any) -> str:
    return str(page.evaluate("document.documentElement.lang"))


def test_catalog_and_staff_pages_in_french_then_german(
    stack: Stack, french_library: ProvisionedLibrary, french_browser: Any
):
    page = french_browser
    shot = Shots(page, "languages")
    host = french_library.domain.domain

    # The catalog in French: the browser asks for it, and it is the library's language too.
    page.goto(stack.url(host, "/"))
    assert _lang(page) == "fr"
    assert page.locator("#recent-heading").inner_text() == "Nouveautés"
    shot("fr-home")
    page.fill("#q", "Zauberberg")
    page.click("form.search button[type=submit]")
    assert page.locator("#results-heading").inner_text().strip() == "1\N{EN DASH}1 sur 1 notice"
    assert page.locator("#facet-language a").inner_text() == "allemand"
    shot("fr-search")
    page.click(".result-title")
    assert page.locator("dl.fields dd").filter(has_text="allemand").count() == 1
    assert page.locator("#copies th").all_inner_texts()[1] == "Cote"
    shot("fr-record")

    # The staff pages in French, the audit log in words and in Paris time.
    page.goto(stack.url(host, "/staff/login/"))
    assert _lang(page) == "fr"
    assert page.locator("h1").inner_text() == "Connexion du personnel"
    page.fill("#id_username", french_library.admin_email)
    page.fill("#id_password", french_library.admin_password)
    page.click("button[type=submit]")
    page.wait_for_url(stack.url(host, "/staff/"))
    assert page.locator("h1").inner_text() == "Espace de travail du personnel"
    shot("fr-staff-home")
    page.goto(stack.url(host, "/staff/audit/"))
    row = page.locator('tr[data-action="api_key.revoke"]')
    assert row.locator("td").nth(0).inner_text() == "02/12/2026 02:38"
    assert row.locator("td").nth(2).inner_text() == "Clé d\u2019API révoquée"
    assert row.locator("time").get_attribute("datetime") == "2026-12-02T02:38:32+01:00"
    shot("fr-staff-audit")

    # The switch: German from here on, on the staff pages and the catalog alike.
    page.click('#language-switch a[lang="de"]')
    page.wait_for_url(stack.url(host, "/staff/audit/"))
    assert _lang(page) == "de"
    assert page.locator("h1").inner_text() == "Protokoll"
    row = page.locator('tr[data-action="api_key.revoke"]')
    assert row.locator("td").nth(0).inner_text() == "02.12.2026 02:38"
    assert row.locator("td").nth(2).inner_text() == "API-Schlüssel widerrufen"
    shot("de-staff-audit")
    page.goto(stack.url(host, "/staff/settings/"))
    assert page.locator('label[for="id_time_zone"]').inner_text() == "Zeitzone"
    assert page.locator("#id_time_zone").input_value() == "Europe/Paris"
    shot("de-staff-settings")
    page.goto(stack.url(host, "/search/?q=Zauberberg"))
    assert _lang(page) == "de"
    assert page.locator("#facet-language a").inner_text() == "Deutsch"
    assert page.locator("#results-heading").inner_text().strip() == "1\N{EN DASH}1 von 1 Datensatz"
    shot("de-search")
    page.click(".result-title")
    assert page.locator("#copies th").all_inner_texts()[1] == "Signatur"
    assert page.locator("dl.fields dd").filter(has_text="Deutsch").count() == 1
    shot("de-record")
