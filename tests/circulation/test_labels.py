"""Labels: the PDF is rendered (pypdfium2) and every barcode decoded (zxing-cpp) back to the
chosen items; call numbers split into spine lines by a table of Dewey and LC examples."""

import pypdfium2
import pytest
import zxingcpp
from django.test import Client
from django_tenants.utils import schema_context

from catalog.models import Item
from circulation.labels import (
    AVERY_5160,
    call_number_lines,
    label_items,
    labels_pdf,
    sheet_custom,
)
from common.errors import ApplicationError, NotFound
from tests.api.conftest import callers_of, client_for
from tests.circulation.conftest import Desk
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST
from tests.tenants.admin_helpers import signed_in

DPI = 300


def decoded(pdf: bytes) -> list[list[tuple[str, float, float]]]:
    """Each page's barcodes: (text, x, y of the symbol's centre as fractions of the page)."""
    pages = []
    document = pypdfium2.PdfDocument(pdf)
    for page in document:
        image = page.render(scale=DPI / 72).to_pil()
        found = []
        for barcode in zxingcpp.read_barcodes(image):
            corners = barcode.position
            xs = [corners.top_left.x, corners.top_right.x, corners.bottom_left.x]
            ys = [corners.top_left.y, corners.bottom_left.y, corners.top_right.y]
            found.append((barcode.text, sum(xs) / 3 / image.width, sum(ys) / 3 / image.height))
        pages.append(found)
    return pages


CALL_NUMBERS = [
    # Dewey, with and without prefixes
    ("813.54 LEG", ["813.54", "LEG"]),
    ("005.133 P999 2010", ["005.133", "P999", "2010"]),
    ("641.5973 S", ["641.5973", "S"]),
    ("J 599.75 HOW", ["J", "599.75", "HOW"]),
    ("REF 030 BRI", ["REF", "030", "BRI"]),
    ("FIC LEG", ["FIC", "LEG"]),
    ("  394.26828   JON ", ["394.26828", "JON"]),
    # Library of Congress
    ("QA76.73.P98 L88 2008", ["QA", "76.73", ".P98", "L88", "2008"]),
    ("PS3563.A8 Z5 1990", ["PS", "3563", ".A8", "Z5", "1990"]),
    ("E184.A1 G5", ["E", "184", ".A1", "G5"]),
    ("HF5549.5.T7 B39 1999", ["HF", "5549.5", ".T7", "B39", "1999"]),
    ("KF4558 15th.K46 1998", ["KF", "4558", "15th", ".K46", "1998"]),
    ("QA 76.73 .P98", ["QA", "76.73", ".P98"]),
    ("", []),
]


@pytest.mark.parametrize(("call_number", "lines"), CALL_NUMBERS)
def test_call_numbers_split_into_spine_lines(call_number: str, lines: list[str]) -> None:
    assert call_number_lines(call_number) == lines


@pytest.fixture
def many(desk: Desk) -> Desk:
    """Thirty-five items at MAIN: more than one Avery sheet."""
    for n in range(3, 35):
        desk.copy_add(f"31234{n:06}", call_number=f"813.54 L{n:02}")
    return desk


def test_avery_labels_decode_back_to_the_chosen_items(many: Desk) -> None:
    with schema_context(many.schema):
        items = list(label_items(location="MAIN"))
        pdf = labels_pdf(items=items, sheet=AVERY_5160, kind="barcode")
    pages = decoded(pdf)
    assert len(pages) == 2
    assert [len(page) for page in pages] == [30, 5]
    texts = [text for page in pages for text, _, _ in page]
    assert sorted(texts) == sorted(item.barcode for item in items)


def test_a_part_used_sheet_starts_where_asked(many: Desk) -> None:
    with schema_context(many.schema):
        items = list(label_items(barcodes=[i.barcode for i in many.items[:4]]))
        pdf = labels_pdf(items=items, sheet=AVERY_5160, kind="barcode", start=5)
    (page,) = decoded(pdf)
    assert sorted(text for text, _, _ in page) == sorted(i.barcode for i in items)
    # Position 5 is row 2, column 2 of three: the first label's centre lies in that cell.
    first = {text: (x, y) for text, x, y in page}[items[0].barcode]
    x, y = first
    assert 1 / 3 < x < 2 / 3
    assert (0.5 + 1) / 11 < y < (0.5 + 2) / 11


def test_a_custom_grid_in_millimetres(many: Desk) -> None:
    sheet = sheet_custom(
        page_width_mm=210, page_height_mm=297, columns=4, rows=12, label_width_mm=48.5,
        label_height_mm=21.2, top_mm=21.5, left_mm=8, column_gap_mm=0, row_gap_mm=0,
    )  # fmt: skip
    with schema_context(many.schema):
        items = list(label_items(location="MAIN"))
    pages = decoded(labels_pdf(items=items, sheet=sheet))
    assert [len(page) for page in pages] == [35]
    assert sorted(t for t, _, _ in pages[0]) == sorted(i.barcode for i in items)
    with pytest.raises(ApplicationError):
        sheet_custom(
            page_width_mm=210, page_height_mm=297, columns=5, rows=12, label_width_mm=48.5,
            label_height_mm=21.2, top_mm=21.5, left_mm=8,
        )  # fmt: skip


def test_spine_labels_carry_the_call_number_lines(desk: Desk) -> None:
    with schema_context(desk.schema):
        items = list(label_items(barcodes=[desk.item.barcode]))
        pdf = labels_pdf(items=items, sheet=AVERY_5160, kind="spine")
    text = pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert text.split() == call_number_lines(desk.item.call_number)


def test_choosing_items_by_import_job_date_and_errors(desk: Desk) -> None:
    with schema_context(desk.schema):
        today = Item.objects.get(pk=desk.item.pk).created_at.date()
        assert label_items(created_from=today, created_to=today).count() == len(desk.items)
        assert label_items(import_job_id=999999).count() == 0
        with pytest.raises(NotFound):
            label_items(barcodes=[desk.item.barcode, "NOT-OURS"])
        with pytest.raises(ApplicationError):
            label_items()
        with pytest.raises(ApplicationError):
            labels_pdf(items=[desk.item], sheet=AVERY_5160, start=31)


@pytest.fixture
def callers(library):
    return callers_of(library.schema_name, LIBRARY_HOST)


@pytest.fixture
def other_callers(other_library):
    return callers_of(other_library.schema_name, OTHER_LIBRARY_HOST)


def test_labels_over_the_api_and_the_page(library, desk: Desk, callers) -> None:
    response = callers["librarian"].post(
        "/api/v1/labels/",
        {"barcodes": [i.barcode for i in desk.items], "layout": "avery5160", "start_position": 2},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    (page,) = decoded(response.content)
    assert sorted(t for t, _, _ in page) == sorted(i.barcode for i in desk.items)
    bad = callers["librarian"].post("/api/v1/labels/", {"barcodes": ["NOT-OURS"]}, format="json")
    assert bad.status_code == 404
    custom = callers["librarian"].post(
        "/api/v1/labels/",
        {"location": "MAIN", "layout": "custom", "grid": {
            "page_width_mm": 100, "page_height_mm": 100, "columns": 9, "rows": 9,
            "label_width_mm": 20, "label_height_mm": 20, "top_mm": 0, "left_mm": 0}},
        format="json",
    )  # fmt: skip
    assert custom.status_code == 400
    assert custom.json()["code"] == "grid_too_large"
    assert callers["anonymous"].post("/api/v1/labels/", {"location": "MAIN"},
                                     format="json").status_code in (401, 403)  # fmt: skip
    browser = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)
    assert browser.get("/staff/labels/").status_code == 200
    made = browser.post("/staff/labels/", {"location": "MAIN", "layout": "avery5160",
                                           "kind": "barcode", "start_position": "1"})  # fmt: skip
    assert made["Content-Type"] == "application/pdf"
    assert len(decoded(made.content)[0]) == len(desk.items)


def test_another_library_s_items_are_not_labelled(
    desk: Desk, other_desk: Desk, callers, other_callers
) -> None:
    response = other_callers["librarian"].post(
        "/api/v1/labels/", {"barcodes": [desk.item.barcode]}, format="json"
    )
    assert response.status_code == 404
    theirs = other_callers["librarian"].post("/api/v1/labels/", {"location": "MAIN"},
                                             format="json")  # fmt: skip
    (found,) = decoded(theirs.content)
    assert {t for t, _, _ in found} == {i.barcode for i in other_desk.items}
    # A's token on B's host is refused.
    stranger = client_for(OTHER_LIBRARY_HOST, callers["librarian"]._credentials[
        "HTTP_AUTHORIZATION"])  # fmt: skip
    assert stranger.post("/api/v1/labels/", {"location": "MAIN"}, format="json").status_code == 401
    b_browser = signed_in(OTHER_LIBRARY_HOST, "beta", "admin@beta.example", client_class=Client)
    page = b_browser.post("/staff/labels/", {"barcodes": desk.item.barcode, "layout": "avery5160",
                                             "kind": "barcode", "start_position": "1"})  # fmt: skip
    assert page.status_code == 400
    assert "No item has the barcode" in page.text
