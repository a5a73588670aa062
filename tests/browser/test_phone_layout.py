"""The catalog on a 390x844 phone, in Chromium with JavaScript off: the first result on the
first screen, copies whose availability shows, a few key presses to the first result, and a
misspelt search offered the catalog's spelling. Screenshots go to test-artifacts/browser/."""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from catalog.services import ItemData, RecordData, item_create, location_create, record_create
from circulation.services import PatronData, loan_checkout, patron_create
from tenants.models import Library
from tenants.services import ProvisionedLibrary
from tests.browser.axe import axe_violations
from tests.browser.conftest import Shots, Stack, chromium_page

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
FIRST_RESULT = "ol.results > li:first-child a.result-title"


@dataclass
class Shelf:
    host: str
    record_id: int
    barcodes: list[str]


@pytest.fixture
def shelf(stack: Stack, live_library: ProvisionedLibrary) -> Shelf:
    """A public catalog whose search for "garden" finds 24 records with long facets, one of
    them with three copies (one on loan); made before the browser opens (Playwright's loop
    forbids the ORM in its thread)."""
    library = live_library.library
    Library.objects.filter(pk=library.pk).update(public_catalog=True)
    with schema_context(library.schema_name):
        main = location_create(code="MAIN", name="Main Library, second floor reading room")
        east = location_create(code="EAST", name="East Branch")
        first = None
        for n in range(24):
            record = record_create(
                data=RecordData(
                    title=f"The python garden, volume {n + 1}",
                    subtitle="notes from a long growing season in a small town",
                    publication_year=1950 + 3 * n,
                    language=("eng", "fre", "ger", "spa")[n % 4],
                    contributors=[(f"Gardener{n}, Ann", "author"), (f"Editor{n}, Bo", "editor")],
                    subjects=[(f"Gardening topic {n}", "lcsh"), (f"Plants {n % 9}", "lcsh")],
                )
            )
            first = first or record
        assert first is not None
        barcodes = ["31234000000017", "31234000000025", "31234000000033"]
        for barcode, location in zip(barcodes, (main, east, main), strict=True):
            item_create(
                record_id=first.pk,
                data=ItemData(barcode=barcode, call_number="635.9 GAR", location_id=location.pk),
            )
        patron_create(data=PatronData(name="Reader One", barcode="P-1"))
        loan_checkout(item_barcode=barcodes[1], patron_barcode="P-1")
    return Shelf(host=live_library.domain.domain, record_id=first.pk, barcodes=barcodes)


@pytest.fixture
def phone(tmp_path: Path) -> Iterator[Any]:
    """A 390x844 Chromium page with JavaScript off: everything must work without it."""
    with chromium_page(
        tmp_path / "chromium-profile", viewport=PHONE, java_script_enabled=False
    ) as page:
        yield page


def test_the_first_result_is_on_the_first_screen_and_filters_fold(stack, shelf, phone):
    shot = Shots(phone, "phone_search")
    phone.goto(stack.url(shelf.host, "/search/?q=garden"))
    first = phone.locator(FIRST_RESULT)
    box = first.bounding_box()
    assert box is not None
    assert box["y"] >= 0
    assert box["y"] + box["height"] <= PHONE["height"], box
    assert first.is_visible()
    # The facets are there, folded behind "Filter", which opens them without JavaScript.
    facets = phone.locator("#facet-subject")
    assert facets.count() == 1
    assert not facets.is_visible()
    shot("first-screen")
    phone.get_by_text("Filter", exact=True).click()
    assert facets.is_visible()
    shot("filters-open")
    # No sideways scrolling on a phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # On a wide screen the facets show unfolded, beside the results.
    phone.set_viewport_size({"width": 1280, "height": 900})
    phone.goto(stack.url(shelf.host, "/search/?q=garden"))
    assert phone.locator("#facet-subject").is_visible()
    wide_facets = phone.locator("#facet-subject").bounding_box()
    wide_first = phone.locator(FIRST_RESULT).bounding_box()
    assert wide_facets is not None
    assert wide_first is not None
    assert wide_facets["x"] + wide_facets["width"] <= wide_first["x"]
    shot("wide")


def test_a_reader_reaches_the_first_result_in_three_key_presses(stack, shelf, phone):
    phone.goto(stack.url(shelf.host, "/search/?q=garden"))
    first_href = phone.locator(FIRST_RESULT).get_attribute("href")
    presses = 0
    focused = ""
    # As a keyboard reader goes: Tab onwards, and Enter on a skip link to the results.
    while presses < 60:
        phone.keyboard.press("Tab")
        presses += 1
        focused = phone.evaluate("document.activeElement.getAttribute('href') || ''")
        if focused == first_href:
            break
        if phone.evaluate("document.activeElement.textContent.trim()") == "Skip to results":
            phone.keyboard.press("Enter")
            presses += 1
    assert focused == first_href
    assert presses == 3  # Tab to the skip link, Enter, Tab to the first result
    # The skip link is the page's first focusable element, and shows when focused.
    phone.goto(stack.url(shelf.host, "/search/?q=garden"))
    phone.keyboard.press("Tab")
    skip = phone.locator("a.skip-link[href='#results']")
    assert phone.evaluate("document.activeElement.textContent.trim()") == "Skip to results"
    box = skip.bounding_box()
    assert box is not None
    assert 0 <= box["x"] < PHONE["width"]
    # Enter opens the record; the record page leads back to the same results.
    phone.keyboard.press("Enter")
    phone.keyboard.press("Tab")
    phone.keyboard.press("Enter")
    phone.wait_for_url("**/records/**")
    phone.get_by_role("link", name="Back to the search results").click()
    phone.wait_for_url("**/search/?q=garden")
    assert phone.locator(FIRST_RESULT).get_attribute("href") == first_href


def test_the_copies_show_their_availability_and_due_date_on_a_phone(stack, shelf, phone):
    shot = Shots(phone, "phone_record")
    phone.goto(stack.url(shelf.host, "/search/?q=garden&sort=title"))
    phone.locator(FIRST_RESULT).click()
    phone.wait_for_url(f"**/records/{shelf.record_id}/**")
    phone.locator("#copies").scroll_into_view_if_needed()
    shot("copies")
    cells = phone.locator("#copies td.copy-availability")
    assert cells.count() == 3
    texts = []
    for n in range(3):
        cell = cells.nth(n)
        assert cell.is_visible()
        box = cell.bounding_box()
        assert box is not None
        # Wholly within the screen's width, with nothing to scroll sideways to.
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE["width"], box
        texts.append(" ".join(cell.inner_text().split()))
    assert sorted(t.split(" ", 1)[0] for t in texts) == ["Available", "Available", "On"]
    on_loan = next(t for t in texts if t.startswith("On loan"))
    assert "due" in on_loan  # the due date is in the visible cell
    # Each line says what it is (the column's heading, shown before it on a phone).
    label = "getComputedStyle(document.querySelector('#copies td.copy-availability'), '::before')"
    assert phone.evaluate(f"{label}.content") == '"Availability"'
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_misspelt_search_offers_the_catalogs_spelling(stack, shelf, phone):
    shot = Shots(phone, "phone_spelling")
    phone.goto(stack.url(shelf.host, "/search/?q=pyhton+gardn"))
    assert phone.get_by_text("No records found").is_visible()
    # An empty search shows no empty facets or sort links.
    assert phone.locator("details.filters").count() == 0
    assert phone.get_by_text("Sort by").count() == 0
    suggestion = phone.locator("#suggestion a")
    assert suggestion.inner_text() == "python garden"
    box = suggestion.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= PHONE["height"]
    shot("suggestion")
    suggestion.click()
    phone.wait_for_url("**/search/?q=python+garden")
    assert phone.locator("ol.results > li").count() == 20
    shot("followed")


def test_the_phone_pages_pass_axe_cores_checks(stack, shelf, page):
    """axe-core runs in the page, so this browser has JavaScript on; the pages have none."""
    page.set_viewport_size(PHONE)
    for path in ("/search/?q=garden", "/search/?q=pyhton+gardn", f"/records/{shelf.record_id}/"):
        page.goto(stack.url(shelf.host, path))
        assert axe_violations(page) == [], path
    page.goto(stack.url(shelf.host, "/search/?q=garden"))
    page.get_by_text("Filter", exact=True).click()
    assert axe_violations(page) == []


@dataclass
class StaffPages:
    host: str
    email: str
    password: str
    patron_barcode: str
    details: list[str]


LONG_TITLE = "Proceedings of the international symposium on interdisciplinarycataloguingpractice"
LONG_EMAIL = "cataloguing.team.of.the.northern.branches@county-libraries.example.org"
LONG_FILE = "catalogue-export-from-the-old-integrated-library-system-2024-11-30-full.mrc"


@pytest.fixture
def staff_pages(stack: Stack, live_library: ProvisionedLibrary, tmp_path: Path) -> StaffPages:
    """A library with what widens the staff pages: a patron with loans (one overdue) of long
    titles and holds (one on the hold shelf, one to pull), a staged import of a long-named
    file, an export, a record with copies, an invited colleague of a long address, an API
    key and a closed day."""
    from catalog.imports.exports import export_job_create
    from catalog.imports.jobs import import_job_create
    from circulation.models import Loan
    from circulation.services import closed_day_add, hold_place, hold_trap_item
    from staff.invitations import staff_invite
    from staff.roles import Role
    from staff.services import api_key_create
    from tests.catalog.imports.helpers import MARC_DIR, job_run

    library = live_library.library
    with schema_context(library.schema_name):
        main = location_create(code="MAIN", name="Main Library, second floor reading room")
        record = record_create(
            data=RecordData(
                title=LONG_TITLE,
                subtitle="https://example.org/a/very/long/address/without/any/spaces/in/it",
                contributors=[("Verylongsurnamewithoutspaces-Anotherlongsurname, Ann", "author")],
            )
        )
        barcodes = [f"3123400000{n:04d}" for n in range(3)]
        for barcode in barcodes:
            item_create(
                record_id=record.pk,
                data=ItemData(barcode=barcode, call_number="025.3 PRO", location_id=main.pk),
            )
        patron = patron_create(
            data=PatronData(name="Bartholomew Featherstonehaugh-Cholmondeley", barcode="P-0000001")
        )
        for barcode in barcodes[:2]:
            loan_checkout(item_barcode=barcode, patron_barcode=patron.barcode)
        # One loan overdue, so the overdue list has a row.
        Loan.objects.filter(item__barcode=barcodes[0]).update(due_on="2020-01-01")
        # Holds: the record's last copy trapped for another patron (the hold shelf), and a
        # second record, its copy on the shelves, wanted by the first (the holds to pull).
        waiting = patron_create(data=PatronData(name="Wilhelmina Ashdown", barcode="P-0000002"))
        hold_place(record_id=record.pk, patron_barcode=waiting.barcode)
        hold_trap_item(item_barcode=barcodes[2])
        wanted = record_create(data=RecordData(title=f"{LONG_TITLE}, second series"))
        item_create(
            record_id=wanted.pk,
            data=ItemData(barcode="31234000009999", call_number="025.3 PRO", location_id=main.pk),
        )
        hold_place(record_id=wanted.pk, patron_barcode=patron.barcode)
        with (MARC_DIR / "test.dat").open("rb") as file:
            job = job_run(import_job_create(file=file, file_name=LONG_FILE))
        export_job_create(
            format="marcxml", filters={"q": "symposium"}, started_by_label=LONG_FILE, queue=False
        )
        staff_invite(email=LONG_EMAIL, role=Role.LIBRARIAN, invited_by=None, host=None)
        api_key_create(name="Discovery layer of the regional consortium", scope="read")
        closed_day_add(
            day=timezone.localdate() + datetime.timedelta(days=30),
            reason="Staff training day for the whole county library service",
        )
    details = [
        f"/staff/records/{record.pk}/",
        f"/staff/patrons/{patron.pk}/",
        f"/staff/imports/{job.pk}/",
    ]
    return StaffPages(
        host=live_library.domain.domain,
        email=live_library.admin_email,
        password=live_library.admin_password,
        patron_barcode=patron.barcode,
        details=details,
    )


# Buttons and submit inputs a librarian presses, in the page's main content.
ACTION_BOXES = """() => Array.from(
    document.querySelectorAll("main button, main input[type=submit], main a.button"))
    .filter((el) => el.offsetParent !== null)
    .map((el) => {
        const r = el.getBoundingClientRect();
        return {text: (el.textContent || el.value || "").trim(), left: r.left, right: r.right};
    })"""


def test_the_staff_pages_fit_a_phone(stack, staff_pages, phone):
    """Every page of the staff navigation (the desk with a patron open) is no wider than a
    390 px phone, no table in it scrolls sideways in its own box (each reads as cards of
    labelled lines), and every action button lies within the screen's width."""
    shot = Shots(phone, "phone_staff")
    host = staff_pages.host
    stack.staff_sign_in(phone, host, staff_pages.email, staff_pages.password, "/staff/desk/")
    phone.fill("#barcode", staff_pages.patron_barcode)
    phone.click("#scan button[type=submit]")
    phone.wait_for_selector("#loans")
    paths: list[str] = []
    for start in ("/staff/", "/staff/desk/"):
        phone.goto(stack.url(host, start))
        for href in phone.eval_on_selector_all("nav.staff a", "(a) => a.map((x) => x.pathname)"):
            if href not in paths:
                paths.append(href)
    assert {"/staff/desk/overdue/", "/staff/imports/", "/staff/audit/"} <= set(paths)
    assert {"/staff/people/", "/staff/api-keys/", "/staff/closed-days/"} <= set(paths)
    too_wide = []
    for path in [*paths, *staff_pages.details]:
        phone.goto(stack.url(host, path))
        width = phone.evaluate("document.documentElement.scrollWidth")
        window = phone.evaluate("window.innerWidth")
        off_screen = [
            (button["text"], round(button["right"]))
            for button in phone.evaluate(ACTION_BOXES)
            if button["left"] < 0 or button["right"] > PHONE["width"]
        ]
        # The catalog admin's lists (Locations is one) keep Django's own phone layout: they
        # must fit, but are not the staff pages' labelled cards.
        admin = path.startswith("/admin/")
        tables = [
            table
            for table in phone.evaluate(TABLES, True)
            if table["sideways"] > 0 or (table["wrong"] and not admin)
        ]
        if width > window or off_screen or tables:
            shot(path.strip("/").replace("/", "-"))
            too_wide.append((path, width, off_screen, tables))
    assert not too_wide, "\n".join(map(str, too_wide))
    # The desk shows the open patron's loans, each with its Renew button on screen, and each
    # due date and button on one line (a squeezed table set them a letter a line).
    phone.goto(stack.url(host, "/staff/desk/"))
    assert phone.locator("#loans button[name=renew]").count() == 2
    lines = phone.evaluate(LINES_OF, "#loans td .whole, #loans button")
    assert len(lines) == 4, lines  # two due dates, two buttons
    assert all(count == 1 for _, count in lines), lines


# How many lines each element's text takes, for the elements a selector finds.
LINES_OF = """(selector) => Array.from(document.querySelectorAll(selector)).map((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top)));
    return [el.textContent.trim(), tops.size];
})"""


# Each table of the page's main content: how far it scrolls sideways inside its own box, how
# many rows it has, and the cells not preceded by their column's heading (on a phone) or
# preceded by anything (on a wide screen).
TABLES = """(labelled) => Array.from(document.querySelectorAll("main table")).map((table) => {
    // A heading only a screen reader reads (a column of buttons) labels no cell.
    const heads = Array.from(table.tHead ? table.tHead.rows[0].cells : [])
        .map((th) => th.querySelector(".visually-hidden") ? "" : th.textContent.trim());
    const wrong = [];
    for (const row of table.tBodies[0].rows) {
        Array.from(row.cells).forEach((cell, n) => {
            if (cell.colSpan > 1) return;
            const label = getComputedStyle(cell, "::before").content;
            const expected = labelled && heads[n] ? JSON.stringify(heads[n]) : "none";
            if (label !== expected && !(label === '""' && expected === "none")) {
                wrong.push([heads[n], label]);
            }
        });
    }
    return {
        id: table.id,
        sideways: table.scrollWidth - table.clientWidth,
        rows: table.tBodies[0].rows.length,
        display: getComputedStyle(table).display,
        wrong: wrong,
    };
})"""


# The labelled cells of the main content's card lists that are shown with nothing in them.
BLANK_LABELLED = """() => Array.from(document.querySelectorAll("main table.stacked td[data-label]"))
    .filter((td) => td.offsetParent !== null && !td.textContent.trim()
        && !td.querySelector("input, select, img"))
    .map((td) => [td.closest("table").id, td.dataset.label])"""


def test_the_staff_lists_read_as_labelled_cards_on_a_phone(stack, staff_pages, phone):
    """The lists of records, copies, patrons, loans, holds, imports (and an import's rows),
    exports, the desk, staff accounts, API keys and closed days, with rows in them: on a phone
    nothing scrolls sideways, neither the page nor a table in its own box, and each cell shows
    its column's heading before it; on a wide screen they are tables as before, with no labels
    in the cells."""
    shot = Shots(phone, "phone_staff_lists")
    host = staff_pages.host
    record_page, patron_page, import_page = staff_pages.details
    stack.staff_sign_in(phone, host, staff_pages.email, staff_pages.password, "/staff/desk/")
    phone.fill("#barcode", staff_pages.patron_barcode)
    phone.click("#scan button[type=submit]")
    phone.wait_for_selector("#loans")
    lists = {
        "/staff/records/?q=symposium": ["records"],
        record_page: ["copies"],
        "/staff/patrons/": ["patrons"],
        patron_page: ["patron-loans", "patron-holds"],
        "/staff/desk/overdue/": ["overdue"],
        "/staff/desk/hold-shelf/": ["hold-shelf"],
        "/staff/desk/holds-to-pull/": ["holds-to-pull"],
        "/staff/imports/": ["imports"],
        import_page: ["import-rows"],
        "/staff/exports/": ["exports"],
        "/staff/desk/": ["loans"],
        "/staff/people/": ["people"],
        "/staff/api-keys/": ["api-keys"],
        "/staff/closed-days/": ["closed-days"],
    }
    wrong = []
    for path, ids in lists.items():
        phone.goto(stack.url(host, path))
        shot(path.strip("/").split("?")[0].replace("/", "-"))
        tables = {table["id"]: table for table in phone.evaluate(TABLES, True)}
        for id_ in ids:
            # Each list has rows of its own, not only the line saying it is empty.
            assert tables[id_]["rows"] >= 1, (path, tables[id_])
            assert phone.locator(f"#{id_} tbody td:not([colspan])").count() >= 2, (path, id_)
        width = phone.evaluate("document.documentElement.scrollWidth")
        for table in tables.values():
            if table["sideways"] > 0 or table["wrong"]:
                wrong.append((path, table))
        # A label over nothing (the actions on one's own account, say) is not shown.
        wrong.extend((path, "blank", cell) for cell in phone.evaluate(BLANK_LABELLED))
        if width > PHONE["width"]:
            wrong.append((path, width))
    assert not wrong, "\n".join(map(str, wrong))
    # On a wide screen the same lists are tables, their headings on top and no cell labelled.
    phone.set_viewport_size({"width": 1280, "height": 800})
    for path, ids in lists.items():
        phone.goto(stack.url(host, path))
        tables = {table["id"]: table for table in phone.evaluate(TABLES, False)}
        for id_ in ids:
            assert tables[id_]["display"] == "table", (path, tables[id_])
            assert tables[id_]["wrong"] == [], (path, tables[id_])
            assert phone.locator(f"#{id_} thead th").first.is_visible(), (path, id_)
    shot("wide-desk")


@dataclass
class Conflict:
    """A page two tabs save one after the other: where, which field each changes, with which
    button, and the table the later save's refusal shows with its column headings."""

    path: str
    field: str
    button: str
    table: str
    headings: list[str]


def _conflict_reads_as_cards(
    stack: Stack, library: ProvisionedLibrary, phone: Any, conflict: Conflict, shot: Shots
) -> None:
    stack.admin_sign_in(phone, library, conflict.path)
    other = phone.context.new_page()
    other.goto(stack.url(library.domain.domain, conflict.path))
    other.fill(conflict.field, "Changed in another tab")
    other.get_by_role("button", name=conflict.button).click()
    other.wait_for_load_state()
    other.close()

    phone.fill(conflict.field, "Changed on the phone")
    phone.get_by_role("button", name=conflict.button).click()
    phone.wait_for_selector(f"#{conflict.table}")
    shot("conflict")

    [table] = [t for t in phone.evaluate(TABLES, True) if t["id"] == conflict.table]
    assert table["display"] == "block", table
    assert (table["rows"], table["sideways"], table["wrong"]) == (1, 0, []), table
    labels = phone.eval_on_selector_all(
        f"#{conflict.table} tbody th, #{conflict.table} tbody td",
        "(cells) => cells.map((c) => getComputedStyle(c, '::before').content)",
    )
    assert labels == [f'"{heading}"' for heading in conflict.headings]
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_settings_conflict_reads_as_labelled_cards_on_a_phone(stack, live_library, phone):
    """Two tabs save the settings one after the other: the later one's page lists what the
    earlier saved, on a phone as cards, each value after its column's heading."""
    conflict = Conflict("/staff/settings/", "#id_name", "Save settings", "settings-changed",
                        ["Setting", "Saved now", "You typed"])  # fmt: skip
    _conflict_reads_as_cards(stack, live_library, phone, conflict, Shots(phone, "phone_settings"))


@pytest.fixture
def dispossessed(live_library: ProvisionedLibrary) -> int:
    """A record's id in the live library (made before the browser starts its event loop)."""
    with schema_context(live_library.library.schema_name):
        return record_create(data=RecordData(title="The Dispossessed")).pk


def test_a_record_conflict_reads_as_labelled_cards_on_a_phone(
    stack, live_library, dispossessed, phone
):
    """Two tabs save one record one after the other: the later one's page lists what the
    earlier saved beside what it typed, on a phone as cards, each value after its heading."""
    conflict = Conflict(
        f"/staff/records/{dispossessed}/",
        "#id_title",
        "Save the record",
        "differences-table",
        ["Field", "Saved meanwhile", "Yours, not saved"],
    )
    _conflict_reads_as_cards(stack, live_library, phone, conflict, Shots(phone, "phone_record"))


# Each staff menu: how many lines its links take, the links that start a line with their
# separator dot showing (a link that starts a line has its dot in the margin the menu clips),
# and where the menu ends.
STAFF_MENUS = """() => Array.from(document.querySelectorAll("nav.staff")).map((nav) => {
    const edge = nav.getBoundingClientRect().left;
    const items = Array.from(nav.querySelectorAll("li"));
    const tops = new Set(items.map((li) => Math.round(li.getBoundingClientRect().top)));
    const dotted = [];
    let previous = null;
    for (const li of items) {
        const box = li.getBoundingClientRect();
        const starts = previous === null || Math.round(box.top) > Math.round(previous.top);
        if (starts && box.left >= edge - 1) dotted.push(li.textContent.trim());
        previous = box;
    }
    return {lines: tops.size, dotted, bottom: Math.round(nav.getBoundingClientRect().bottom)};
})"""


# The labelled cells of the main content's card lists whose label runs over their value: the
# label is measured in its own font, from where its float starts (8.5rem before the value).
LABELS_OVER_VALUES = """() => Array.from(
    document.querySelectorAll("main table.stacked td[data-label]"))
    .filter((td) => td.offsetParent !== null && td.textContent.trim())
    .map((td) => {
        const style = getComputedStyle(td, "::before");
        const probe = document.createElement("span");
        probe.style.font = style.font;
        probe.style.whiteSpace = "nowrap";
        probe.textContent = td.dataset.label;
        document.body.appendChild(probe);
        const width = probe.getBoundingClientRect().width;
        probe.remove();
        const box = td.getBoundingClientRect();
        const start = box.left + parseFloat(getComputedStyle(td).paddingLeft)
            + parseFloat(style.marginLeft);
        const range = document.createRange();
        range.selectNodeContents(td);
        const text = Array.from(range.getClientRects()).filter((r) => r.width > 0);
        const value = Math.min(...text.map((r) => r.left));
        return [td.dataset.label, td.textContent.trim().slice(0, 30), start + width, value];
    })
    .filter(([, , labelEnd, valueStart]) => labelEnd > valueStart + 0.5)"""


@pytest.fixture
def reimport(live_library: ProvisionedLibrary) -> int:
    """A file imported twice: the second import's rows each name the record they match."""
    from tests.catalog.imports.helpers import MARC_DIR, job_import

    with schema_context(live_library.library.schema_name):
        job_import(MARC_DIR / "test.dat", one_shot=True)
        return job_import(MARC_DIR / "test.dat", one_shot=True).pk


def test_french_staff_pages_keep_words_and_labels_apart(stack, staff_pages, reimport, page):
    """In French: a staff member's role is never cut in two at 1280 px (« Administrat|eur »),
    no line of the staff menu starts with a separator dot at any width, and on a phone no
    card's label (« Correspondance ») runs over the value beside it."""
    shot = Shots(page, "french_staff_layout")
    host = staff_pages.host
    stack.staff_sign_in(page, host, staff_pages.email, staff_pages.password, "/staff/people/")
    page.goto(stack.url(host, "/language/?language=fr&next=/staff/people/"))
    page.set_viewport_size({"width": 1280, "height": 800})
    roles = page.evaluate(LINES_OF, "#people tbody td:nth-child(2)")
    shot("people")
    assert ["Administrateur", 1] in roles, roles
    assert all(count == 1 for _, count in roles), roles

    starting = []
    for width in range(1280, 380, -40):
        page.set_viewport_size({"width": width, "height": 800})
        dots = [menu["dotted"] for menu in page.evaluate(STAFF_MENUS) if menu["dotted"]]
        if dots:
            shot(f"menu-{width}")
            starting.append((width, dots))
    assert not starting, starting

    page.set_viewport_size(PHONE)
    over = []
    for path in ["/staff/imports/", f"/staff/imports/{reimport}/", "/staff/people/"]:
        page.goto(stack.url(host, path))
        found = page.evaluate(LABELS_OVER_VALUES)
        if found:
            shot(path.strip("/").replace("/", "-"))
            over.append((path, found))
    assert not over, "\n".join(map(str, over))


def test_the_circulation_pages_heading_is_near_the_top_of_a_phone(stack, staff_pages, phone):
    """On a 390 px phone the two staff menus of a circulation page are one row each (scrolling
    sideways), so the page's heading is near the top, not pushed half a screen down; no menu
    line starts or ends with a separator dot, and the page does not scroll sideways."""
    shot = Shots(phone, "phone_menus")
    host = staff_pages.host
    stack.staff_sign_in(phone, host, staff_pages.email, staff_pages.password, "/staff/desk/")
    for path in ("/staff/desk/", "/staff/desk/overdue/", "/staff/patrons/"):
        phone.goto(stack.url(host, path))
        shot(path.strip("/").replace("/", "-"))
        menus = phone.evaluate(STAFF_MENUS)
        assert len(menus) == 2, (path, menus)
        assert [menu["lines"] for menu in menus] == [1, 1], (path, menus)
        assert [menu["dotted"] for menu in menus] == [[], []], (path, menus)
        heading = phone.locator("main h1").bounding_box()
        assert heading is not None
        assert heading["y"] < PHONE["height"] / 3, (path, heading, menus)
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        # The last link of each menu is reached by scrolling the menu itself.
        last = phone.locator("nav.staff[aria-label=Circulation] li:last-child a")
        last.scroll_into_view_if_needed()
        box = last.bounding_box()
        assert box is not None
        assert box["x"] >= 0, box
        assert box["x"] + box["width"] <= PHONE["width"], box
