"""A new library from sign-up to a searchable catalog, in Chromium, with a screenshot per step."""

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pymarc
import pytest
from django.db import connection

from tenants.models import Library, Signup
from tenants.services import library_drop
from tests.browser.conftest import Shots, Stack
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

MARC_FILE = ROOT / "tests" / "data" / "marc" / "test.dat"
NEW_PASSWORD = "a-long-password-for-the-browser"
PROGRESS_AT_MAX = """() => {
    const bar = document.getElementById("import-progress");
    return bar !== null && bar.value === bar.max && bar.dataset.status === "%s";
}"""


def marc_with_holdings(source: Path, target: Path) -> dict[str, str]:
    """The records of `source` with an 852 holdings field (location, call number, barcode)
    added to each, written as UTF-8 MARC: {title: barcode}."""
    barcodes = {}
    with source.open("rb") as stream, target.open("wb") as out:
        for n, record in enumerate(pymarc.MARCReader(stream, to_unicode=True), start=1):
            assert record is not None
            barcode = f"3900{n:08d}"
            record.leader = record.leader[:9] + "a" + record.leader[10:]
            record.add_field(
                pymarc.Field(
                    tag="852",
                    indicators=pymarc.Indicators(" ", " "),
                    subfields=[
                        pymarc.Subfield("b", "MAIN"),
                        pymarc.Subfield("h", f"QA76 .{n}"),
                        pymarc.Subfield("p", barcode),
                    ],
                )
            )
            out.write(record.as_marc())
            barcodes[record.title] = barcode
    return barcodes


@pytest.fixture
def subdomain(live_db: None) -> Iterator[str]:
    """The address the test signs a library up under; the library is dropped afterwards
    (after the browser closed: Playwright's loop forbids the ORM in its thread)."""
    name = f"br{os.urandom(3).hex()}"
    yield name
    connection.set_schema_to_public()
    for library in Library.objects.filter(schema_name=name):
        Signup.objects.filter(library=library).delete()
        library_drop(library=library)
    Signup.objects.filter(subdomain=name).delete()


def test_sign_up_import_search_and_see_copies(stack: Stack, subdomain: str, page, tmp_path):  # type: ignore[no-untyped-def]
    shot = Shots(page, "sign_up_import_search")
    email = f"head@{subdomain}.example"
    host = f"{subdomain}.localhost"
    marc = tmp_path / "test-with-holdings.mrc"
    barcodes = marc_with_holdings(MARC_FILE, marc)
    # The platform's landing page and the sign-up form.
    page.goto(stack.url("localhost"))
    shot("platform-home")
    page.click("#signup-link")
    page.fill("#id_name", "Browser Test Library")
    page.fill("#id_subdomain", subdomain)
    page.fill("#id_admin_email", email)
    shot("signup-form")
    page.click("button[type=submit]")
    assert re.search(r"/signup/[0-9a-f-]+/$", page.url)
    page.wait_for_selector('[data-status="unconfirmed"]')
    shot("signup-unconfirmed")
    # Nothing is built until the address is confirmed from the email.
    confirm_path = re.search(
        r"/signup/confirm/[^/\s]+/", stack.mail_to(email, containing="/signup/confirm/")
    )
    assert confirm_path
    page.goto(stack.url("localhost", confirm_path[0]))
    shot("signup-confirm")
    page.click("#signup-confirm")
    assert re.search(r"/signup/[0-9a-f-]+/$", page.url)
    shot("signup-provisioning")
    page.wait_for_selector('[data-status="ready"]', timeout=90_000)
    shot("signup-ready")
    link = page.get_attribute("#library-link", "href")
    assert link == stack.url(host, "/")

    # The one-time link from the email sets the admin's password.
    mail = stack.mail_to(email, containing="/staff/invitations/")
    token_path = re.search(r"/staff/invitations/[^/\s]+/", mail)
    assert token_path, mail
    page.goto(stack.url(host, token_path[0]))
    page.fill("#id_password", NEW_PASSWORD)
    shot("set-password")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/staff/login/"))

    page.fill("#id_username", email)
    page.fill("#id_password", NEW_PASSWORD)
    shot("sign-in")
    page.click("button[type=submit]")
    page.wait_for_url(stack.url(host, "/staff/"))
    assert "Signed in as " + email in page.inner_text("main")
    shot("staff-home")

    # Upload, watch the progress bar reach its end, commit.
    page.click("nav >> text=Imports")
    page.set_input_files("#id_file", str(marc))
    page.check("#id_create_locations")  # the new library has no MAIN yet
    shot("import-form")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/staff/imports/\d+/$"))
    shot("import-started")
    page.wait_for_function(PROGRESS_AT_MAX % "staged", timeout=120_000)
    assert page.inner_text('[data-count="total"]') == str(len(barcodes))
    assert page.inner_text('[data-count="created"]') == str(len(barcodes))
    assert page.inner_text('[data-count="rejected"]') == "0"
    assert page.locator('#import-rows tr[data-action="create"]').count() == len(barcodes)
    shot("import-staged-preview")
    page.click("#import-commit")
    page.wait_for_function(PROGRESS_AT_MAX % "committed", timeout=120_000)
    assert page.locator("#import-revert").count() == 1
    shot("import-committed")

    # Catalog work: the staff find the new records in the catalog admin.
    page.click("nav >> text=Catalog administration")
    page.goto(stack.url(host, "/admin/catalog/record/?q=Perl+DBI"))
    assert "Programming the Perl DBI" in page.inner_text("#result_list")
    shot("catalog-admin-search")

    # The public catalog finds the records and shows their copies.
    barcode = next(b for t, b in barcodes.items() if "Perl DBI" in t)
    page.goto(stack.url(host, "/search/?q=perl+dbi"))
    results = page.locator("a.result-title")
    results.first.wait_for()
    shot("search-results")
    results.filter(has_text="Programming the Perl DBI").first.click()
    page.wait_for_url(re.compile(r"/records/\d+/\?from=q%3Dperl%2Bdbi$"))
    copies = page.locator("table#copies")
    assert barcode in copies.inner_text()
    assert "QA76" in copies.inner_text()
    shot("record-with-copies")

    # A second file's preview shows what it would lose, row by row, before anything is written.
    csv_file = tmp_path / "losses.csv"
    csv_file.write_text(
        "title,isbn,year,barcode,location\n"
        "Dune,0441172717,1965,B-1,MAIN\n"
        "Emma,,nineteen ninety-eight,B-2,MAIN\n"
        "Ulysses,,1922,B-3,ATTIC\n"
        "The Hours,0312243022,1998,B-1,MAIN\n"
    )
    page.goto(stack.url(host, "/staff/imports/"))
    page.set_input_files("#id_file", str(csv_file))
    page.check("#id_dry_run")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/staff/imports/\d+/$"))
    page.wait_for_function(PROGRESS_AT_MAX % "staged", timeout=120_000)
    rows = page.locator("#import-rows tbody tr")
    assert [rows.nth(n).get_attribute("data-action") for n in range(4)] == [
        "create", "create", "reject", "reject"
    ]  # fmt: skip
    warned = rows.nth(1).inner_text()
    assert "Emma" in warned
    assert "Warning: The year \u201cnineteen ninety-eight\u201d cannot be read" in warned
    attic = rows.nth(2).inner_text()
    assert "Ulysses" in attic
    assert "Location code ATTIC (copy B-3) is not one of the library's locations" in attic
    repeated = rows.nth(3).inner_text()
    assert "The Hours" in repeated
    assert "ISBN 9780312243029" in repeated
    assert "Barcode B-1 is already given to the copy on line 2 of this file" in repeated
    shot("import-preview-losses")

    # Settings: the page says it saved them, and the public pages show the new name at once.
    page.goto(stack.url(host, "/staff/settings/"))
    page.fill("#id_name", "Browser Town Library")
    page.click("button[type=submit]")
    page.wait_for_url(stack.url(host, "/staff/settings/"))
    assert "Settings saved." in page.inner_text("main")
    shot("settings-saved")
    for _ in range(6):  # several web workers answer: every one serves the new name
        page.goto(stack.url(host, "/"))
        assert page.title() == "Browser Town Library"
