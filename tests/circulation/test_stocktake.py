"""Stocktaking a location in batches: seen, missing (loans excluded), misplaced and unknown;
marking the missing in one transaction with feed entries; pages, CSV and the API."""

import csv
import io
import re

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from catalog.models import Change, Item
from catalog.services import location_create
from circulation.models import ItemCirculation, StocktakeScan
from circulation.services import loan_checkout
from circulation.stocktake import (
    stocktake_missing_mark,
    stocktake_report,
    stocktake_scan,
    stocktake_start,
)
from common.errors import NotFound
from tests.api.conftest import callers_of
from tests.circulation.conftest import Desk, desk_make
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST
from tests.tenants.admin_helpers import signed_in


@pytest.fixture
def shelf(desk: Desk) -> Desk:
    """Five items at MAIN (one on loan) and one kept at ANNEX."""
    for n in range(3, 5):
        desk.copy_add(f"{desk.schema}-I{n:03}")
    with schema_context(desk.schema):
        annex = location_create(code="ANNEX", name="Annex")
        desk.copy_add(f"{desk.schema}-ANNEX", at=annex)
        loan_checkout(item_barcode=desk.items[4].barcode, patron_barcode=desk.patron.barcode)
    return desk


def barcodes(items: list[Item]) -> list[str]:
    return sorted(item.barcode for item in items)


def test_batches_then_the_report_then_marking_missing(shelf: Desk) -> None:
    main, annex = shelf.items[:5], shelf.items[5]
    with schema_context(shelf.schema):
        stocktake = stocktake_start(location_code="MAIN")
        batch = [main[0].barcode, main[1].barcode, annex.barcode, "NOT-OURS"]
        assert stocktake_scan(stocktake_id=stocktake.pk, barcodes=batch)["scanned"] == 4
        seen_at = dict(ItemCirculation.objects.values_list("item_id", "last_seen_at"))
        before = (
            list(StocktakeScan.objects.values_list("id", "barcode")),
            Change.objects.count(),
            seen_at,
        )
        again = stocktake_scan(stocktake_id=stocktake.pk, barcodes=batch)
        assert again == {"scanned": 0, "repeated": 4, "items": 0}
        assert (
            list(StocktakeScan.objects.values_list("id", "barcode")),
            Change.objects.count(),
            dict(ItemCirculation.objects.values_list("item_id", "last_seen_at")),
        ) == before
        assert set(seen_at) == {main[0].pk, main[1].pk, annex.pk}

        report = stocktake_report(stocktake_id=stocktake.pk)
        assert barcodes(report.seen) == [main[0].barcode, main[1].barcode]
        # main[4] is on loan: not missing.
        assert barcodes(report.missing) == [main[2].barcode, main[3].barcode]
        assert barcodes(report.misplaced) == [annex.barcode]
        assert report.unknown == ["NOT-OURS"]

        last = Change.objects.order_by("-id").first().pk
        assert stocktake_missing_mark(stocktake_id=stocktake.pk) == 2
        statuses = dict(Item.objects.values_list("barcode", "status"))
        assert statuses[main[2].barcode] == statuses[main[3].barcode] == "missing"
        assert statuses[main[4].barcode] == "on_loan"
        feed = sorted(Change.objects.filter(pk__gt=last).values_list("entity_id", flat=True))
        assert feed == sorted([main[2].pk, main[3].pk])


def test_pages_and_csv(library, shelf: Desk) -> None:
    client = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)
    started = client.post("/staff/stocktake/", {"location": "MAIN"})
    assert started.status_code == 302
    page_url = started["Location"]
    batch = "\n".join([shelf.items[0].barcode, "NOT-OURS"])
    page = client.post(page_url, {"barcodes": batch})
    assert "2 barcodes added." in page.text
    page = client.post(page_url, {"barcodes": batch})
    assert "0 barcodes added. 2 were already scanned." in page.text
    report = client.get(f"{page_url}report.csv")
    assert report["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(report.content.decode())))
    findings = {(row["finding"], row["barcode"]) for row in rows}
    assert ("seen", shelf.items[0].barcode) in findings
    assert ("unknown", "NOT-OURS") in findings
    assert ("missing", shelf.items[1].barcode) in findings
    assert ("missing", shelf.items[4].barcode) not in findings  # on loan
    marked = client.post(page_url, {"mark_missing": "1"})
    assert "3 items marked missing" in marked.text
    # "Closed on 12/03/2026 6:23 a.m.": no second full stop after the time's own.
    closed = re.search(r"<p>(Closed [^<]*)</p>", client.get(page_url).text)
    assert closed is not None
    assert ".." not in closed[1]


def test_api_and_another_library(library, other_library, shelf: Desk) -> None:
    callers = callers_of(library.schema_name, LIBRARY_HOST)
    other = desk_make(other_library.schema_name)
    made = callers["write_key"].post("/api/v1/stocktakes/", {"location": "MAIN"}, format="json")
    assert made.status_code == 201, made.content
    sid = made.json()["id"]
    scans = callers["write_key"].post(
        f"/api/v1/stocktakes/{sid}/scans/", {"barcodes": [shelf.items[0].barcode]}, format="json"
    )
    assert scans.json()["scanned"] == 1
    report = callers["read_key"].get(f"/api/v1/stocktakes/{sid}/report/").json()
    assert [i["barcode"] for i in report["seen"]] == [shelf.items[0].barcode]
    assert callers["read_key"].post(f"/api/v1/stocktakes/{sid}/mark-missing/").status_code == 403
    # B's staff and keys know nothing of A's stocktake; A's keys are refused on B's host.
    b_callers = callers_of(other_library.schema_name, OTHER_LIBRARY_HOST)
    with schema_context(other.schema):
        b_before = (list(Item.objects.values_list("id", "status")), Change.objects.count())
    for client in (b_callers["admin"], b_callers["write_key"]):
        assert client.get(f"/api/v1/stocktakes/{sid}/report/").status_code == 404
        assert client.post(f"/api/v1/stocktakes/{sid}/mark-missing/").status_code == 404
    intruder = Client(HTTP_HOST=OTHER_LIBRARY_HOST)
    intruder.defaults["HTTP_AUTHORIZATION"] = callers["write_key"]._credentials[
        "HTTP_AUTHORIZATION"
    ]
    assert intruder.post(f"/api/v1/stocktakes/{sid}/mark-missing/").status_code == 401
    b_admin = signed_in(OTHER_LIBRARY_HOST, "beta", "admin@beta.example", client_class=Client)
    assert b_admin.get(f"/staff/stocktake/{sid}/").status_code == 404
    assert b_admin.post(f"/staff/stocktake/{sid}/", {"mark_missing": "1"}).status_code == 404
    with schema_context(other.schema):
        assert (list(Item.objects.values_list("id", "status")), Change.objects.count()) == b_before
        with pytest.raises(NotFound):
            stocktake_report(stocktake_id=sid)
    with schema_context(shelf.schema):
        assert Item.objects.filter(status="missing").count() == 0


def test_a_library_with_no_locations_is_told_to_add_one(library) -> None:  # type: ignore[no-untyped-def]
    """A new library has no locations: the page says to add one rather than offering an empty
    list whose button can only be refused."""
    from tests.circulation.conftest import staff_client

    librarian = staff_client(library.schema_name, LIBRARY_HOST, "librarian")
    page = librarian.get("/staff/stocktake/").text
    assert 'name="location"' not in page
    assert "Add a location first" in page
    assert 'href="/admin/catalog/location/add/"' in page
