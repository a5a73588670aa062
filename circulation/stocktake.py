"""Stocktaking: scan the items at a location in batches, then see what is there, what is missing,
misplaced or unknown, and mark the missing ones in one transaction."""

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from catalog.models import Change, Item, Location
from catalog.services import changes_log
from circulation.models import ItemCirculation, Stocktake, StocktakeScan
from common.errors import ApplicationError, Conflict, NotFound, first_or_not_found
from common.language import quoted

MAX_BATCH = 5000
# Items in these states are not expected on the shelf: not counted as missing (a copy kept
# for a hold is on the hold shelf, not at its location).
NOT_ON_SHELF = (
    Item.Status.ON_LOAN, Item.Status.MISSING, Item.Status.LOST, Item.Status.WITHDRAWN,
    Item.Status.ON_HOLD_SHELF,
)  # fmt: skip


def stocktake_list() -> QuerySet[Stocktake]:
    return Stocktake.objects.select_related("location")


def stocktake_get(*, stocktake_id: int) -> Stocktake:
    return first_or_not_found(
        stocktake_list().filter(pk=stocktake_id), gettext("No such stocktake.")
    )


@transaction.atomic
def stocktake_start(*, location_code: str) -> Stocktake:
    location = Location.objects.filter(code=location_code.strip()).first()
    if location is None:
        raise NotFound(
            gettext("No location has the code %(code)s.") % {"code": quoted(location_code.strip())},
            fields={"location": [gettext("No such location.")]},
        )
    return Stocktake.objects.create(location=location)


@transaction.atomic
def stocktake_scan(*, stocktake_id: int, barcodes: list[str]) -> dict[str, int]:
    """Add a batch of scanned barcodes. A barcode already scanned in this stocktake is skipped,
    so a batch sent twice changes nothing; items first scanned now are marked seen."""
    stocktake = first_or_not_found(
        Stocktake.objects.select_for_update().filter(pk=stocktake_id), gettext("No such stocktake.")
    )
    if stocktake.closed_at is not None:
        raise Conflict(gettext("This stocktake is closed: start another."), code="stocktake_closed")
    wanted = list(dict.fromkeys(b.strip() for b in barcodes if b.strip()))
    if len(wanted) > MAX_BATCH:
        raise ApplicationError(
            gettext("A batch has at most %(limit)s barcodes.") % {"limit": MAX_BATCH}
        )
    if any(len(b) > 64 for b in wanted):
        message = gettext("A barcode has at most 64 characters.")
        raise ApplicationError.of_field("barcodes", message)
    known = set(
        StocktakeScan.objects.filter(stocktake=stocktake, barcode__in=wanted).values_list(
            "barcode", flat=True
        )
    )
    new = [b for b in wanted if b not in known]
    StocktakeScan.objects.bulk_create([StocktakeScan(stocktake=stocktake, barcode=b) for b in new])
    item_ids = list(Item.objects.filter(barcode__in=new).values_list("id", flat=True))
    now = timezone.now()
    ItemCirculation.objects.bulk_create(
        [ItemCirculation(item_id=pk, last_seen_at=now) for pk in item_ids],
        update_conflicts=True,
        unique_fields=["item"],
        update_fields=["last_seen_at"],
    )
    return {"scanned": len(new), "repeated": len(known), "items": len(item_ids)}


@dataclass
class StocktakeReport:
    stocktake: Stocktake
    seen: list[Item] = field(default_factory=list)
    missing: list[Item] = field(default_factory=list)
    misplaced: list[Item] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def _missing(stocktake: Stocktake) -> QuerySet[Item]:
    scanned = StocktakeScan.objects.filter(stocktake=stocktake).values("barcode")
    return (
        Item.objects.filter(location_id=stocktake.location_id)
        .exclude(status__in=NOT_ON_SHELF)
        .exclude(barcode__in=scanned)
    )


def stocktake_report(*, stocktake_id: int) -> StocktakeReport:
    stocktake = stocktake_get(stocktake_id=stocktake_id)
    scanned = list(
        StocktakeScan.objects.filter(stocktake=stocktake).values_list("barcode", flat=True)
    )
    items = {
        item.barcode: item
        for item in Item.objects.filter(barcode__in=scanned).select_related("location", "record")
    }
    report = StocktakeReport(stocktake=stocktake)
    for barcode in scanned:
        item = items.get(barcode)
        if item is None:
            report.unknown.append(barcode)
        elif item.location_id == stocktake.location_id:
            report.seen.append(item)
        else:
            report.misplaced.append(item)
    report.missing = list(
        _missing(stocktake).select_related("record").order_by("call_number", "id")
    )
    return report


def stocktake_report_csv(report: StocktakeReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["finding", "barcode", "call_number", "title", "status", "location"])
    for finding, items in (
        ("seen", report.seen), ("missing", report.missing), ("misplaced", report.misplaced)
    ):  # fmt: skip
        for item in items:
            writer.writerow([
                finding, item.barcode, item.call_number, item.record.title, item.status,
                item.location.code if item.location else "",
            ])  # fmt: skip
    for barcode in report.unknown:
        writer.writerow(["unknown", barcode, "", "", "", ""])
    return out.getvalue()


@transaction.atomic
def stocktake_missing_mark(*, stocktake_id: int) -> int:
    """Mark every item missing from this stocktake as missing, with its feed entry, and close
    the stocktake; all of it or none."""
    stocktake = first_or_not_found(
        Stocktake.objects.select_for_update().filter(pk=stocktake_id), gettext("No such stocktake.")
    )
    ids = list(_missing(stocktake).select_for_update().values_list("id", flat=True))
    Item.objects.filter(pk__in=ids).update(
        status=Item.Status.MISSING, version=F("version") + 1, updated_at=timezone.now()
    )
    changes_log(Change.Entity.ITEM, ids, Change.Action.UPDATED)
    stocktake.closed_at = timezone.now()
    stocktake.save(update_fields=["closed_at"])
    return len(ids)
