"""The patron pages in Chromium, from the keyboard: find, add a patron, send a patron file
through the worker (preview, confirm, final counts), and lending rules and closed days, with
axe-core's checks on every page."""

import pytest

from tenants.services import ProvisionedLibrary
from tests.browser.axe import axe_violations
from tests.browser.conftest import Shots, Stack

pytestmark = pytest.mark.browser

STATUS_IS = """(status) => {
    const bar = document.getElementById("patron-import-progress");
    return bar !== null && bar.dataset.status === status;
}"""


def test_patrons_files_rules_and_closed_days(  # type: ignore[no-untyped-def]
    stack: Stack, live_library: ProvisionedLibrary, page, tmp_path
):
    shot = Shots(page, "patron_pages")
    host = live_library.domain.domain
    stack.admin_sign_in(page, live_library, "/staff/patrons/")
    # The search field has focus: type, Enter.
    assert page.evaluate("document.activeElement.id") == "q"
    assert axe_violations(page) == []
    # A new patron from the keyboard alone: a field, Tab, the next, Enter to save.
    page.goto(stack.url(host, "/staff/patrons/new/"))
    page.focus("#id_name")
    page.keyboard.type("Shevek Anarres")
    page.keyboard.press("Tab")
    page.keyboard.type("P000123")
    page.keyboard.press("Tab")
    page.keyboard.type("shevek@example.org")
    page.keyboard.press("Enter")
    page.wait_for_selector("#patron-loans")
    assert "Shevek Anarres (P000123)" in page.inner_text("h1")
    shot("patron")
    assert axe_violations(page) == []
    page.goto(stack.url(host, "/staff/patrons/"))
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'q'")
    page.keyboard.type("P000123")
    page.keyboard.press("Enter")
    page.wait_for_url("**/staff/patrons/?q=P000123")
    assert "Shevek Anarres" in page.inner_text("#patrons")
    # A patron file: the worker reads it, the page follows, staff confirm, the worker writes.
    patrons = tmp_path / "patrons.csv"
    patrons.write_text(
        "name,barcode,email\nOdo,P-ODO,odo@example.org\nSabul,P-SABUL,not-an-email\n"
        "Takver,P-TAKVER,\n",
        encoding="utf-8",
    )
    page.goto(stack.url(host, "/staff/patrons/imports/"))
    assert axe_violations(page) == []
    page.set_input_files("#id_file", str(patrons))
    page.click("main button[type=submit]")
    page.wait_for_function(STATUS_IS, arg="staged", timeout=60_000)
    assert "not an email address" in page.inner_text("#patron-import-rejects")
    shot("patron-file-preview")
    assert axe_violations(page) == []
    page.click("button[name=commit]")
    page.wait_for_function(STATUS_IS, arg="committed", timeout=60_000)
    counts = page.inner_text("#patron-import-counts")
    assert "3\t2\t0\t0\t1" in counts
    shot("patron-file-done")
    assert axe_violations(page) == []
    # On a phone the counts are a card under their caption, which spans the screen (in a
    # table shown as a block it shrank to a letter a line).
    wide = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    caption = "document.querySelector('#patron-import-counts caption').getBoundingClientRect()"
    assert page.evaluate(f"() => {caption}.width") > 300
    page.set_viewport_size(wide)
    # Lending rules and closed days.
    page.goto(stack.url(host, "/staff/lending-rules/"))
    page.select_option("#id_patron_category", "child")
    page.fill("#id_loan_days", "14")
    page.click("main form button[type=submit]")
    page.wait_for_url(stack.url(host, "/staff/lending-rules/"))
    assert "child" in page.inner_text("#loan-rules")
    assert axe_violations(page) == []
    page.goto(stack.url(host, "/staff/closed-days/"))
    page.fill("#id_date", "2099-12-25")
    page.fill("#id_reason", "Winter holiday")
    page.press("#id_reason", "Enter")
    page.wait_for_url(stack.url(host, "/staff/closed-days/"))
    assert "Winter holiday" in page.inner_text("#closed-days")
    shot("closed-days")
    assert axe_violations(page) == []
