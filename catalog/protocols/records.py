"""What the protocols serve of a record: MARCXML as it is now, Dublin Core, harvest pages."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import pymarc
from django.db.models import Exists, Max, OuterRef, QuerySet

from catalog.imports.formats.marc_kept import record_as_marc
from catalog.marc import public_holdings, record_built_marc, xml_text
from catalog.models import Change, Item, Location, Record, RecordContributor
from catalog.selectors import record_links_attach, record_list

DC_NS = "http://purl.org/dc/elements/1.1/"


# --- MARC ------------------------------------------------------------------------------------


def records_marc(ids: Sequence[int]) -> dict[int, pymarc.Record]:
    """Each record as MARC as the catalog has it now (record_as_marc: the MARC it came in as
    wherever that still says what the record says, an edit written in), or built from its
    fields if it came otherwise; either way with the copies held now as 852 fields ($b
    location, $h call number, $p barcode, $z public note; nothing staff-only). Records are read
    with their links as plain rows, in a fixed number of queries."""
    records = list(Record.objects.filter(pk__in=list(ids)))
    record_links_attach(records)
    holdings = public_holdings(ids)
    found: dict[int, pymarc.Record] = {}
    for record in records:
        held = holdings.get(record.pk, [])
        if record.source_marc:
            found[record.pk] = record_as_marc(record, holdings=held)
        else:
            found[record.pk] = record_built_marc(record, holdings=held)
    return found


# --- Dublin Core -----------------------------------------------------------------------------

_CREATOR_ROLES = {RecordContributor.Role.AUTHOR, RecordContributor.Role.CORPORATE}


def record_dc(record: Record, url: str) -> list[tuple[str, str]]:
    """The record as simple Dublin Core elements (name, value), in the order oai_dc lists
    them; `url` is the record's page. Works on records with their links attached
    (record_links_attach)."""
    title = record.title + (f" : {record.subtitle}" if record.subtitle else "")
    elements = [("title", title)]
    elements += [
        ("creator", c.contributor_name) for c in record.credit_list if c.role in _CREATOR_ROLES
    ]
    elements += [("subject", s.subject_heading) for s in record.subject_link_list]
    if record.summary:
        elements.append(("description", record.summary))
    if record.publisher:
        elements.append(("publisher", record.publisher))
    elements += [
        ("contributor", c.contributor_name)
        for c in record.credit_list
        if c.role not in _CREATOR_ROLES
    ]
    if record.publication_year is not None:
        elements.append(("date", str(record.publication_year)))
    elements.append(("type", "Text"))
    elements.append(("identifier", url))
    for identifier in record.identifier_list:
        if identifier.kind in ("isbn", "issn"):
            elements.append(("identifier", f"urn:{identifier.kind}:{identifier.value}"))
    if record.language:
        elements.append(("language", record.language))
    if record.series:
        elements.append(("relation", record.series))
    return [(name, xml_text(value)) for name, value in elements]


def records_with_links(ids: Sequence[int]) -> list[Record]:
    """Records by id, in this order, as record_list gives them, with their links attached."""
    by_id = {record.pk: record for record in record_list().filter(pk__in=list(ids))}
    records = [by_id[pk] for pk in ids if pk in by_id]
    record_links_attach(records)
    return records


# --- Harvesting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One record in a harvest: live, or deleted (from the change feed's tombstones)."""

    id: int
    datestamp: datetime
    deleted: bool


def harvest_page(
    *, after: int, limit: int, since: datetime | None = None, before: datetime | None = None,
    location: str | None = None,
) -> list[Entry]:  # fmt: skip
    """Up to `limit` records with ids above `after`, in id order, with datestamps at or after
    `since` and before `before`: live records by their harvest datestamp (Record), deleted
    ones by the time of their deletion. Paging by id from a position keeps every page whole
    while records are edited, added or deleted between pages. With a `location`, live
    records holding a copy there, and every deletion (what a deleted record held is not
    kept)."""
    live: QuerySet[Record] = Record.objects.filter(pk__gt=after)
    if since is not None:
        live = live.filter(harvest_datestamp__gte=since)
    if before is not None:
        live = live.filter(harvest_datestamp__lt=before)
    if location is not None:
        live = live.filter(
            Exists(Item.objects.filter(record=OuterRef("pk"), location__code=location))
        )
    rows = [
        Entry(pk, at, False)
        for pk, at in live.order_by("pk").values_list("pk", "harvest_datestamp")[:limit]
    ]
    tombs = Change.objects.filter(
        entity=Change.Entity.RECORD, action=Change.Action.DELETED, entity_id__gt=after
    )
    if rows and len(rows) == limit:
        tombs = tombs.filter(entity_id__lt=rows[-1].id)
    deleted = tombs.values("entity_id").annotate(at=Max("at")).order_by("entity_id")
    if since is not None:
        deleted = deleted.filter(at__gte=since)
    if before is not None:
        deleted = deleted.filter(at__lt=before)
    live_ids = {entry.id for entry in rows}
    rows += [
        Entry(row["entity_id"], row["at"], True)
        for row in deleted[:limit]
        if row["entity_id"] not in live_ids
    ]
    rows.sort(key=lambda entry: entry.id)
    return rows[:limit]


def entry_get(record_id: int) -> Entry | None:
    """A record's entry, live or deleted; None if the catalog never had it."""
    stamp = Record.objects.filter(pk=record_id).values_list("harvest_datestamp", flat=True).first()
    if stamp is not None:
        return Entry(record_id, stamp, False)
    at = Change.objects.filter(
        entity=Change.Entity.RECORD, action=Change.Action.DELETED, entity_id=record_id
    ).aggregate(at=Max("at"))["at"]
    return None if at is None else Entry(record_id, at, True)


def earliest_datestamp() -> datetime | None:
    """A time no record's datestamp is before: the catalog's first change or oldest record."""
    first = Change.objects.order_by("pk").values_list("at", flat=True).first()
    oldest = (
        Record.objects.order_by("harvest_datestamp")
        .values_list("harvest_datestamp", flat=True)
        .first()
    )
    found = [at for at in (first, oldest) if at is not None]
    return min(found) if found else None


def record_locations(ids: Iterable[int]) -> dict[int, list[str]]:
    """The codes of the locations each record holds copies at, sorted."""
    held: dict[int, set[str]] = defaultdict(set)
    rows = Item.objects.filter(record_id__in=list(ids), location__isnull=False).values_list(
        "record_id", "location__code"
    )
    for record_id, code in rows:
        held[record_id].add(code)
    return {record_id: sorted(codes) for record_id, codes in held.items()}


def locations_all() -> list[tuple[str, str]]:
    return list(Location.objects.order_by("code").values_list("code", "name"))


def location_exists(code: str) -> bool:
    return Location.objects.filter(code=code).exists()
