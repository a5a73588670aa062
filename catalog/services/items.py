"""Items: the copies of a record, each with a barcode unique in the library."""

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from catalog.models import Change, Item, Location, Record
from catalog.services.barcodes import (
    barcode_unprintable,
    barcodes_alike,
    barcodes_held,
    barcodes_matching,
)
from catalog.services.changes import changes_log, datestamps_move, version_check
from catalog.services.kept import delete_check
from catalog.text import line_text, lines_text, texts_plain
from common.errors import ApplicationError, Conflict, Versions, first_or_not_found
from common.language import quoted


@dataclass
class ItemData:
    """What an item says, already checked: the input every item write takes."""

    barcode: str
    call_number: str = ""
    location_id: int | None = None
    status: str = Item.Status.AVAILABLE
    price: Decimal | None = None
    acquired_on: date | None = None
    public_note: str = ""
    staff_note: str = ""


def item_text_changes(*, call_number: str, public_note: str, staff_note: str) -> dict[str, str]:
    """Which of a copy's texts have control characters (a tab or a line break pasted from
    Word, a MARC delimiter), each as it is stored: the call number, printed on one line of a
    spine label, with them read as spaces, the notes keeping their line breaks. Items written
    through the services and by imports alike (any ItemData), so no export writes them."""
    if texts_plain((call_number, public_note, staff_note)):
        return {}
    given = {"call_number": call_number, "public_note": public_note, "staff_note": staff_note}
    cleaned = {
        "call_number": line_text(call_number),
        "public_note": lines_text(public_note),
        "staff_note": lines_text(staff_note),
    }
    return {name: text for name, text in cleaned.items() if text != given[name]}


# The columns an item takes from its description as they are.
_COPIED = ("call_number", "location_id", "status", "price", "acquired_on", "public_note",
           "staff_note")  # fmt: skip


def _barcode_taken(barcode: str) -> ApplicationError:
    return ApplicationError(
        gettext("Barcode %(barcode)s is already used by another item of this library.")
        % {"barcode": quoted(barcode)},
        code="barcode_taken",
        fields={
            "barcode": [
                gettext("Barcode %(barcode)s is already used by another item.")
                % {"barcode": quoted(barcode)}
            ]
        },
    )


def _barcode_held(barcode: str, holder: str) -> ApplicationError:
    message = gettext(
        "Barcode %(barcode)s is already %(holder)s, and the desk could not tell them apart: "
        "give the copy another barcode."
    ) % {"barcode": quoted(barcode), "holder": holder}
    return ApplicationError.of_field("barcode", message, code="barcode_held")


def _barcode_alike(barcode: str, stored: str, title: str) -> ApplicationError:
    message = gettext(
        "Barcode %(barcode)s is already copy %(stored)s of %(title)s (the desk does "
        "not tell upper and lower case apart): give this copy another barcode."
    ) % {"barcode": quoted(barcode), "stored": stored, "title": quoted(title)}
    return ApplicationError.of_field("barcode", message, code="barcode_taken")


def items_alike(
    barcodes: Collection[str], *, besides: int | None = None
) -> dict[str, tuple[str, str]]:
    """The copy (other than `besides`) that has each of these barcodes only in another case:
    its barcode as stored and its record's title, keyed by the barcode as given."""
    copies = Item.objects.exclude(pk=besides) if besides is not None else Item.objects.all()
    return _titled(barcodes_alike(copies, barcodes, fields=("record_id",)))


def items_by_barcode(
    barcodes: Collection[str],
) -> tuple[dict[str, int], dict[str, tuple[str, str]]]:
    """In one look through the index on upper(barcode): the record of the copy that has each
    of these barcodes as given, and items_alike's answer for those only another case has."""
    given = set(barcodes)
    found = sorted(barcodes_matching(Item.objects.all(), given).values_list("barcode", "record_id"))
    taken = {barcode: record_id for barcode, record_id in found if barcode in given}
    first: dict[str, tuple[str, int]] = {}
    for barcode, record_id in found:
        first.setdefault(barcode.upper(), (barcode, record_id))
    alike = {
        barcode: first[barcode.upper()]
        for barcode in given - set(taken)
        if barcode.upper() in first
    }
    return taken, _titled(alike)


def _titled(alike: dict[str, tuple[str, int]]) -> dict[str, tuple[str, str]]:
    """Each (barcode as stored, record id) with its record's title in place of the id: read
    apart, as joined to the records in the search a chunk's thousands of barcodes were planned
    as a scan of every record."""
    if not alike:
        return {}
    records = {record_id for _, record_id in alike.values()}
    titles = dict(Record.objects.filter(pk__in=records).values_list("pk", "title"))
    return {
        barcode: (stored, titles.get(record_id, ""))
        for barcode, (stored, record_id) in alike.items()
    }


def items_holding(barcodes: Collection[str]) -> dict[str, str]:
    """Who holds each of these barcodes, in any case, that is a copy's
    (catalog.services.barcodes)."""
    rows = barcodes_matching(Item.objects.all(), barcodes).values_list("barcode", "record__title")
    return {
        barcode: gettext("a copy of \u201c%(title)s\u201d") % {"title": title}
        for barcode, title in rows
    }


# Whether a copy has an open loan: the catalog knows nothing of loans, circulation answers
# (registered in circulation.apps). A copy's status alone may say on loan without one.
ItemLent = Callable[[int], bool]
_LENT: list[ItemLent] = []


def item_lent_register(lent: ItemLent) -> None:
    """Have every change of a copy's status ask `lent` whether the copy is out with a patron."""
    _LENT.append(lent)


def on_loan_conflict(item: Item) -> Conflict:
    message = gettext(
        "Item %(barcode)s is on loan: check it in at the desk before changing its status."
    ) % {"barcode": item.barcode}
    return Conflict.of_field("status", message, code="item_on_loan")


def on_hold_shelf_conflict(item: Item, field: str) -> Conflict:
    message = gettext(
        "Item %(barcode)s waits on the hold shelf for a patron: lend it to them or cancel "
        "their hold first."
    ) % {"barcode": item.barcode}
    return Conflict.of_field(field, message, code="item_on_hold_shelf")


def _record_check(record_id: int) -> None:
    if not Record.objects.filter(pk=record_id).exists():
        message = gettext("No such record.")
        raise ApplicationError.of_field("record", message)


def _item_fields_apply(item: Item, data: ItemData) -> None:
    cleaned = item_text_changes(
        call_number=data.call_number, public_note=data.public_note, staff_note=data.staff_note
    )
    if cleaned:
        data = replace(
            data,
            call_number=cleaned.get("call_number", data.call_number),
            public_note=cleaned.get("public_note", data.public_note),
            staff_note=cleaned.get("staff_note", data.staff_note),
        )
    barcode = data.barcode.strip()
    if not barcode:
        message = gettext("An item needs a barcode.")
        raise ApplicationError.of_field("barcode", message)
    refused = barcode_unprintable(barcode)
    if refused:
        raise ApplicationError(refused, code="barcode_invalid", fields={"barcode": [refused]})
    if data.status not in Item.Status.values:
        message = gettext("Unknown item status %(status)s.") % {"status": quoted(data.status)}
        raise ApplicationError.of_field("status", message)
    if data.status == Item.Status.ON_HOLD_SHELF and item.status != Item.Status.ON_HOLD_SHELF:
        message = gettext("A copy goes on the hold shelf only when a hold is trapped for it.")
        raise ApplicationError.of_field("status", message, code="item_status_reserved")
    if item.status == Item.Status.ON_HOLD_SHELF and data.status != Item.Status.ON_HOLD_SHELF:
        # It waits for one patron: only lending it to them or ending their hold (which passes
        # it to the next in the queue) takes it off the shelf, so that the copies counted as
        # available never include one kept for someone.
        raise on_hold_shelf_conflict(item, "status")
    if (
        item.pk is not None
        and data.status not in (item.status, Item.Status.ON_LOAN)
        and any(lent(item.pk) for lent in _LENT)
    ):
        # Only its return closes the loan: a copy marked otherwise while its loan stays open
        # would be offered to readers while a patron has it. Marking a copy on loan by hand
        # stays allowed (a migration brings lent copies without their loans).
        raise on_loan_conflict(item)
    # Asked only of a new date: a copy stored with a date to come from before still saves.
    if data.acquired_on is not None and data.acquired_on != item.acquired_on:
        today = timezone.localdate()
        if data.acquired_on > today:
            message = gettext(
                "A copy cannot have been acquired on %(date)s, after today (%(today)s): give "
                "the day it came to the library, or none."
            ) % {"date": data.acquired_on.isoformat(), "today": today.isoformat()}
            raise ApplicationError.of_field("acquired_on", message, code="acquired_on_future")
    if data.location_id is not None and not Location.objects.filter(pk=data.location_id).exists():
        message = gettext("No such location.")
        raise ApplicationError.of_field("location", message)
    if Item.objects.filter(barcode=barcode).exclude(pk=item.pk).exists():
        raise _barcode_taken(barcode)
    # Asked only of a new barcode, as below: two copies that differ only by case from before
    # can still be saved, and the desk asks for such a barcode to be typed exactly.
    alike = (
        items_alike([barcode], besides=item.pk).get(barcode) if barcode != item.barcode else None
    )
    if alike:
        raise _barcode_alike(barcode, *alike)
    # Asked only of a new barcode: a copy and a card that share one from before (they were
    # kept apart later) can still be saved otherwise, and the desk tells the librarian.
    holder = barcodes_held([barcode], asking="item").get(barcode) if barcode != item.barcode else ""
    if holder:
        raise _barcode_held(barcode, holder)
    item.barcode = barcode
    for name in _COPIED:
        setattr(item, name, getattr(data, name))


def _item_columns(item: Item) -> tuple[object, ...]:
    return (item.record_id, item.barcode, *(getattr(item, name) for name in _COPIED))


# What harvesters get of a copy, in its record's 852 (catalog.marc.public_holdings).
_HARVESTED = ("record_id", "barcode", "call_number", "location_id", "public_note")


def _item_harvested(item: Item) -> tuple[object, ...]:
    return tuple(getattr(item, name) for name in _HARVESTED)


def _item_save(item: Item) -> None:
    # The check above answers the common case; the unique index settles a concurrent race.
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:
        raise _barcode_taken(item.barcode) from None


@transaction.atomic
def item_create(*, record_id: int, data: ItemData) -> Item:
    _record_check(record_id)
    item = Item(record_id=record_id)
    _item_fields_apply(item, data)
    _item_save(item)
    changes_log(Change.Entity.ITEM, [item.pk], Change.Action.CREATED)
    datestamps_move([record_id])
    return item


def _item_locked(item_id: int) -> Item:
    """The item, locked after its record, in the order a record's delete locks them: a write
    of the copy (which moves its record's datestamp) and a delete of its record then wait for
    each other rather than deadlock. Should the copy move to another record in between, its
    new record is locked in turn."""
    while True:
        held = first_or_not_found(Item.objects.filter(pk=item_id).only("record_id"),
                                  gettext("No such item."))  # fmt: skip
        list(Record.objects.select_for_update().filter(pk=held.record_id).values_list("pk"))
        item = first_or_not_found(
            Item.objects.select_for_update().filter(pk=item_id), gettext("No such item.")
        )
        if item.record_id == held.record_id:
            return item


@transaction.atomic
def item_update(
    *,
    item_id: int,
    data: ItemData,
    record_id: int | None = None,
    expected_version: Versions | None = None,
) -> Item:
    """Replace an item's description (and move it to another record if `record_id` is given);
    with `expected_version`, refuse a stale write (412)."""
    item = _item_locked(item_id)
    version_check("item", item.version, expected_version)
    before, harvested, held_by = _item_columns(item), _item_harvested(item), item.record_id
    if record_id is not None and record_id != item.record_id:
        if item.status == Item.Status.ON_HOLD_SHELF:
            raise on_hold_shelf_conflict(item, "record")  # its hold is for this record's title
        _record_check(record_id)
        item.record_id = record_id
    _item_fields_apply(item, data)
    if _item_columns(item) == before:
        return item  # nothing would change: no new version or feed entry
    item.version = F("version") + 1
    _item_save(item)
    item.refresh_from_db(fields=["version", "updated_at"])
    changes_log(Change.Entity.ITEM, [item.pk], Change.Action.UPDATED)
    if _item_harvested(item) != harvested:
        # A copy moved to another record leaves the first record's 852s too.
        datestamps_move({held_by, item.record_id})
    return item


def on_hold_shelf_refuse(items: list[Item]) -> None:
    """Conflict if one of these (locked) copies waits on the hold shelf: deleting it would
    leave the patron's trapped hold without its copy. (A copy that has been lent is refused by
    the checks of catalog.services.kept, which know of its loans.)"""
    for item in items:
        if item.status == Item.Status.ON_HOLD_SHELF:
            raise on_hold_shelf_conflict(item, "status")  # its patron is told to come for it


@transaction.atomic
def item_delete(*, item_id: int, expected_version: Versions | None = None) -> None:
    item = _item_locked(item_id)
    version_check("item", item.version, expected_version)
    on_hold_shelf_refuse([item])
    delete_check(
        Item.objects.filter(pk=item_id),
        refusal=gettext("Item %(barcode)s cannot be deleted: %(reason)s"),
        values={"barcode": item.barcode},
    )
    item.delete()
    changes_log(Change.Entity.ITEM, [item_id], Change.Action.DELETED)
    datestamps_move([item.record_id])
