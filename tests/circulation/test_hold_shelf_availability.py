"""A copy trapped for a hold is kept for one patron: no count of available copies includes it
(search results, record page, the API, statistics) until it is lent to them or the hold ends
with nobody else waiting; its status says it is on the hold shelf."""

import re
from collections.abc import Callable
from datetime import timedelta
from importlib import import_module

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from catalog.models import Change, Item
from catalog.selectors import catalog_statistics
from catalog.services import ItemData, item_create, item_delete, item_update
from circulation.models import Hold
from circulation.services import (
    hold_cancel,
    hold_trap_item,
    holds_expire,
    loan_checkin,
    loan_checkout,
    patron_erase,
)
from circulation.stocktake import stocktake_report, stocktake_scan, stocktake_start
from common.errors import ApplicationError, Conflict
from staff.services import api_key_create
from tests.api.conftest import client_for
from tests.circulation.conftest import Desk
from tests.circulation.test_lent_copies_kept import withdraw_in_admin
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST

NONE = dict.fromkeys(Item.Status.values, 0)


def key_of(desk: Desk, host: str = LIBRARY_HOST) -> APIClient:
    with schema_context(desk.schema):
        issued = api_key_create(name="Discovery layer", scope="read")
    return client_for(host, f"Api-Key {issued.secret}")


def trapped(desk: Desk) -> Hold:
    """The desk's first copy, returned while the other patron waits: on the hold shelf."""
    with schema_context(desk.schema):
        loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        Hold.objects.create(record=desk.record, patron=desk.other_patron)
        hold = loan_checkin(item_barcode=desk.item.barcode).hold
    assert hold is not None
    return hold


def status_of(desk: Desk, item: Item) -> str:
    with schema_context(desk.schema):
        return Item.objects.get(pk=item.pk).status


def seen(desk: Desk, host: str = LIBRARY_HOST) -> dict[str, object]:
    """The record's availability wherever readers and integrators see it."""
    reader = Client(HTTP_HOST=host)
    results = reader.get("/search/?q=dispossessed").text
    line = re.search(r"\d+ cop(?:y|ies) available of \d+", results)
    page = reader.get(f"/records/{desk.record.pk}/").text
    row = re.search(rf"<tr>(?:(?!</tr>).)*{re.escape(desk.item.barcode)}.*?</tr>", page, re.S)
    api = key_of(desk, host)
    availability = api.get("/api/v1/records/availability/", {"ids": desk.record.pk}).json()
    items = api.get(f"/api/v1/records/{desk.record.pk}/items/").json()["results"]
    free = api.get("/api/v1/items/", {"record": desk.record.pk, "status": "available"}).json()
    with schema_context(desk.schema):
        statistics = catalog_statistics()
    assert line is not None
    assert row is not None
    return {
        "search": line.group(0),
        "record page": re.sub(r"<[^>]+>|\s+", " ", row.group(0)).split(),
        "by_status": availability["results"][0]["by_status"],
        "statuses": {item["barcode"]: item["status"] for item in items},
        "available items": [item["barcode"] for item in free["results"]],
        "items_available": statistics["items_available"],
    }


def test_a_trapped_copy_is_counted_available_nowhere(desk: Desk) -> None:
    first, second = desk.items[0].barcode, desk.items[1].barcode
    before = seen(desk)
    assert before["search"] == "2 copies available of 2"
    assert before["by_status"] == NONE | {"available": 2}
    assert before["items_available"] == 3  # the other record's copy too
    trapped(desk)
    after = seen(desk)
    assert after["search"] == "1 copy available of 2"
    assert "On the hold shelf" in " ".join(after["record page"])  # type: ignore[arg-type]
    assert "Available" not in after["record page"]  # type: ignore[operator]
    assert after["by_status"] == NONE | {"available": 1, "on_hold_shelf": 1}
    assert after["statuses"] == {first: "on_hold_shelf", second: "available"}
    assert after["available items"] == [second]
    assert after["items_available"] == 2
    # Who it is kept for is nobody else's business.
    assert (
        desk.other_patron.name
        not in Client(HTTP_HOST=LIBRARY_HOST).get(f"/records/{desk.record.pk}/").text
    )


def test_the_patron_it_is_kept_for_borrows_it_and_nobody_else(desk: Desk) -> None:
    hold = trapped(desk)
    with schema_context(desk.schema):
        with pytest.raises(Conflict) as caught:
            loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        assert caught.value.code == "item_held"
        assert Item.objects.get(pk=desk.item.pk).status == "on_hold_shelf"
        loan = loan_checkout(
            item_barcode=desk.item.barcode, patron_barcode=desk.other_patron.barcode
        )
        assert loan.patron_id == desk.other_patron.pk
        hold.refresh_from_db()
        assert hold.status == Hold.Status.FULFILLED
    assert status_of(desk, desk.item) == "on_loan"
    assert seen(desk)["search"] == "1 copy available of 2"
    with schema_context(desk.schema):
        loan_checkin(item_barcode=desk.item.barcode)  # nobody waits now
    assert status_of(desk, desk.item) == "available"
    assert seen(desk)["search"] == "2 copies available of 2"


def test_a_copy_kept_for_a_patron_who_borrows_another_copy_is_released(desk: Desk) -> None:
    """Their hold is fulfilled by the copy they took: the one kept for them waits for nobody,
    so it is available again (it would otherwise stay on the hold shelf, lendable to no one)."""
    hold = trapped(desk)
    other_copy = desk.items[1]
    with schema_context(desk.schema):
        loan_checkout(item_barcode=other_copy.barcode, patron_barcode=desk.other_patron.barcode)
        hold.refresh_from_db()
        assert (hold.status, hold.item_id) == (Hold.Status.FULFILLED, other_copy.pk)
    assert status_of(desk, desk.item) == "available"
    assert seen(desk)["by_status"] == NONE | {"available": 1, "on_loan": 1}
    with schema_context(desk.schema):
        loan = loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        assert loan.patron_id == desk.patron.pk


def test_a_copy_kept_for_a_patron_who_borrows_another_goes_to_the_next(desk: Desk) -> None:
    hold = trapped(desk)
    with schema_context(desk.schema):
        nxt = Hold.objects.create(record=desk.record, patron=desk.patron)
        # Lent past the desk patron's hold, as the desk's "Lend it anyway" does.
        loan_checkout(
            item_barcode=desk.items[1].barcode,
            patron_barcode=desk.other_patron.barcode,
            override_holds=True,
        )
        nxt.refresh_from_db()
        assert (nxt.status, nxt.item_id) == (Hold.Status.READY, desk.item.pk)
        hold.refresh_from_db()
        assert hold.status == Hold.Status.FULFILLED
    assert status_of(desk, desk.item) == "on_hold_shelf"


def _cancel(desk: Desk, hold: Hold) -> None:
    hold_cancel(hold_id=hold.pk)


def _expire(desk: Desk, hold: Hold) -> None:
    assert hold.shelf_until is not None
    assert holds_expire(on=hold.shelf_until) == 0  # its last day on the shelf
    assert holds_expire(on=hold.shelf_until + timedelta(days=1)) == 1


def _erase(desk: Desk, hold: Hold) -> None:
    patron_erase(patron_id=hold.patron_id)


@pytest.fixture(params=[_cancel, _expire, _erase], ids=["cancel", "expire", "erase"])
def end(request: pytest.FixtureRequest) -> Callable[[Desk, Hold], None]:
    """Each way a hold kept on the shelf ends: cancelled, expired, or its patron erased."""
    return request.param


def test_a_copy_is_available_again_when_its_hold_ends_with_nobody_waiting(
    desk: Desk, end: Callable[[Desk, Hold], None]
) -> None:
    hold = trapped(desk)
    with schema_context(desk.schema):
        last = Change.objects.order_by("-id").values_list("id", flat=True).first()
        end(desk, hold)
        # Integrators following the feed see the copy change.
        assert desk.item.pk in Change.objects.filter(id__gt=last).values_list(
            "entity_id", flat=True
        )
    after = seen(desk)
    assert after["search"] == "2 copies available of 2"
    assert after["by_status"] == NONE | {"available": 2}
    assert after["items_available"] == 3
    assert "Available" in after["record page"]  # type: ignore[operator]


def test_a_copy_whose_hold_ends_stays_on_the_shelf_for_the_next_patron(
    desk: Desk, end: Callable[[Desk, Hold], None]
) -> None:
    hold = trapped(desk)
    with schema_context(desk.schema):
        nxt = Hold.objects.create(record=desk.record, patron=desk.patron)
        end(desk, hold)
        nxt.refresh_from_db()
        assert (nxt.status, nxt.item_id) == (Hold.Status.READY, desk.item.pk)
    assert status_of(desk, desk.item) == "on_hold_shelf"
    assert seen(desk)["search"] == "1 copy available of 2"


def test_a_copy_fetched_from_the_shelves_for_a_hold_is_no_longer_available(desk: Desk) -> None:
    with schema_context(desk.schema):
        Hold.objects.create(record=desk.record, patron=desk.other_patron)
        hold_trap_item(item_barcode=desk.item.barcode)
        with pytest.raises(Conflict) as caught:
            hold_trap_item(item_barcode=desk.item.barcode)
        assert caught.value.code == "item_held"
    assert status_of(desk, desk.item) == "on_hold_shelf"
    assert seen(desk)["by_status"] == NONE | {"available": 1, "on_hold_shelf": 1}


def test_only_circulation_puts_a_copy_on_or_takes_it_off_the_hold_shelf(desk: Desk) -> None:
    trapped(desk)
    with schema_context(desk.schema):
        held = Item.objects.get(pk=desk.item.pk)
        data = ItemData(barcode=held.barcode, location_id=held.location_id, status="available")
        with pytest.raises(Conflict) as caught:
            item_update(item_id=held.pk, data=data)
        assert caught.value.code == "item_on_hold_shelf"
        # Its other details can still be edited.
        data.status, data.call_number = "on_hold_shelf", "813.54 LEG X"
        assert item_update(item_id=held.pk, data=data).call_number == "813.54 LEG X"
        with pytest.raises(ApplicationError) as refused:
            item_create(record_id=desk.record.pk, data=ItemData("NEW", status="on_hold_shelf"))
        assert refused.value.code == "item_status_reserved"
        free = desk.items[1]
        data = ItemData(barcode=free.barcode, location_id=free.location_id, status="on_hold_shelf")
        with pytest.raises(ApplicationError):
            item_update(item_id=free.pk, data=data)
        assert dict(Item.objects.values_list("barcode", "status")) == {
            desk.items[0].barcode: "on_hold_shelf",
            desk.items[1].barcode: "available",
            desk.items[2].barcode: "available",
        }


def test_a_copy_on_the_hold_shelf_is_neither_deleted_nor_moved_to_another_record(
    desk: Desk,
) -> None:
    """Its patron has been told to come for it, and their hold is for this record's title."""
    hold = trapped(desk)
    with schema_context(desk.schema):
        held = Item.objects.get(pk=desk.item.pk)
        data = ItemData(barcode=held.barcode, location_id=held.location_id, status=held.status)
        with pytest.raises(Conflict) as moved:
            item_update(item_id=held.pk, data=data, record_id=desk.other_record.pk)
        assert moved.value.code == "item_on_hold_shelf"
        with pytest.raises(Conflict) as deleted:
            item_delete(item_id=held.pk)
        assert deleted.value.code == "item_on_hold_shelf"
        assert Item.objects.filter(pk=held.pk, record=desk.record).exists()
        hold_cancel(hold_id=hold.pk)
        # Once its hold has ended, it is refused like any other copy that has been lent.
        with pytest.raises(Conflict) as lent:
            item_delete(item_id=held.pk)
        assert lent.value.code == "item_has_loans"


def test_the_api_refuses_to_take_a_copy_off_the_hold_shelf(desk: Desk) -> None:
    trapped(desk)
    with schema_context(desk.schema):
        issued = api_key_create(name="Cataloguing", scope="write")
    writer = client_for(LIBRARY_HOST, f"Api-Key {issued.secret}")
    url = f"/api/v1/items/{desk.item.pk}/"
    response = writer.patch(url, {"status": "withdrawn"}, format="json")
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "item_on_hold_shelf"
    refused = writer.post(
        "/api/v1/items/",
        {"record": desk.record.pk, "barcode": "NEW-1", "status": "on_hold_shelf"},
        format="json",
    )
    assert refused.status_code == 400, refused.content
    assert status_of(desk, desk.item) == "on_hold_shelf"
    # Keeping the status while changing the rest is a write like any other.
    kept = writer.patch(url, {"call_number": "813.54 LEG X"}, format="json")
    assert kept.status_code == 200, kept.content
    assert kept.json()["status"] == "on_hold_shelf"


def test_a_record_whose_copy_waits_on_the_hold_shelf_is_not_deleted(desk: Desk) -> None:
    """Deleting the record would take the copy, and the hold its patron was told to come for,
    with it."""
    hold = trapped(desk)
    with schema_context(desk.schema):
        issued = api_key_create(name="Cataloguing", scope="write")
    writer = client_for(LIBRARY_HOST, f"Api-Key {issued.secret}")
    response = writer.delete(f"/api/v1/records/{desk.record.pk}/")
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "item_on_hold_shelf"
    assert status_of(desk, desk.item) == "on_hold_shelf"
    with schema_context(desk.schema):
        kept = Hold.objects.get(pk=hold.pk)
        assert (kept.status, kept.item_id) == (Hold.Status.READY, desk.item.pk)
        hold_cancel(hold_id=hold.pk)
    # Once its hold has ended, the copy is back on the shelf, but it has been lent: it keeps
    # its loan, and its record stays with it.
    after = writer.delete(f"/api/v1/records/{desk.record.pk}/")
    assert (after.status_code, after.json()["code"]) == (409, "item_has_loans")


def test_a_stocktake_does_not_call_a_copy_on_the_hold_shelf_missing(desk: Desk) -> None:
    trapped(desk)
    with schema_context(desk.schema):
        stocktake = stocktake_start(location_code="MAIN")
        stocktake_scan(stocktake_id=stocktake.pk, barcodes=[desk.items[2].barcode])
        report = stocktake_report(stocktake_id=stocktake.pk)
        assert [item.barcode for item in report.missing] == [desk.items[1].barcode]


def test_another_library_s_hold_shelf_is_its_own(desk: Desk, other_desk: Desk) -> None:
    trapped(other_desk)
    assert seen(desk)["search"] == "2 copies available of 2"
    assert seen(other_desk, OTHER_LIBRARY_HOST)["search"] == "1 copy available of 2"
    # A key of one library cannot end a hold of, or write a copy of, the other.
    with schema_context(desk.schema):
        issued = api_key_create(name="Self-check", scope="write", patrons=True)
    desk_key = client_for(LIBRARY_HOST, f"Api-Key {issued.secret}")
    with schema_context(other_desk.schema):
        hold = Hold.objects.get(status=Hold.Status.READY)
        versions = list(Item.objects.order_by("id").values_list("status", "version"))
    assert desk_key.post(f"/api/v1/holds/{hold.pk}/cancel/").status_code == 404
    patched = desk_key.patch(
        f"/api/v1/items/{other_desk.item.pk}/", {"status": "available"}, format="json"
    )
    assert patched.status_code == 404
    with schema_context(other_desk.schema):
        assert list(Item.objects.order_by("id").values_list("status", "version")) == versions
        assert Hold.objects.get(pk=hold.pk).status == Hold.Status.READY


def test_the_migration_puts_copies_already_trapped_on_the_hold_shelf(desk: Desk) -> None:
    """Copies trapped before the hold shelf was a status of its own take it, once."""
    migration = import_module("circulation.migrations.0005_trapped_copies_on_hold_shelf")
    hold = trapped(desk)
    with schema_context(desk.schema):
        Item.objects.filter(pk=desk.item.pk).update(status="available")  # as it was
        changes = Change.objects.count()
        with connection.cursor() as cursor:
            cursor.execute(migration.FORWARD)
            cursor.execute(migration.FORWARD)
        assert Item.objects.get(pk=desk.item.pk).status == "on_hold_shelf"
        assert Item.objects.get(pk=desk.items[1].pk).status == "available"
        assert Change.objects.count() == changes + 1
        hold_cancel(hold_id=hold.pk)
        assert Item.objects.get(pk=desk.item.pk).status == "available"


def test_the_migration_releases_copies_kept_on_the_hold_shelf_for_nobody(desk: Desk) -> None:
    """A copy left on the shelf by a hold fulfilled with another copy goes back, once; a copy
    kept for a patron stays."""
    migration = import_module("circulation.migrations.0008_release_copies_kept_for_nobody")
    hold = trapped(desk)
    with schema_context(desk.schema):
        stuck = desk.items[1]
        Item.objects.filter(pk=stuck.pk).update(status="on_hold_shelf")  # as the fault left it
        changes = Change.objects.count()
        with connection.cursor() as cursor:
            cursor.execute(migration.FORWARD)
            cursor.execute(migration.FORWARD)
        assert Item.objects.get(pk=stuck.pk).status == "available"
        assert Item.objects.get(pk=hold.item_id).status == "on_hold_shelf"
        assert Change.objects.count() == changes + 1


def test_withdrawing_copies_says_which_stay_on_the_hold_shelf(desk: Desk, librarian) -> None:
    trapped(desk)
    said = withdraw_in_admin(librarian, desk.items[:2])
    assert said == [
        f"1 copy withdrawn. 1 copy waits on the hold shelf for a patron and was kept: "
        f"{desk.items[0].barcode}."
    ]
    assert status_of(desk, desk.items[0]) == "on_hold_shelf"
    assert status_of(desk, desk.items[1]) == "withdrawn"
