"""The writing stage's plans: new records' and copies' ids and COPY lines, made before writing."""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy

from catalog.imports.deciding import CopiesFound, Decision, copies_found
from catalog.imports.formats.source import SourceRecord
from catalog.imports.models import ImportLocation
from catalog.models import Item, Record
from catalog.services import (
    RecordData,
    contributors_by_key,
    subjects_by_key,
)
from catalog.text import name_key, sort_title_for
from common.sql import bulk_cursor, cell, ids_reserve, text, text_cells


@dataclass(slots=True)
class Prepared:
    """A record's COPY text and links, worked out on the reader thread while the database
    writes the chunk before: what remains for the writer is to put the ids in."""

    record: str  # the record's cells after its id, version and timestamps, before its headings
    names: dict[str, str]  # contributor name key -> name as written
    credits: list[tuple[str, str, int]]  # (name key, role cell, position)
    headings: dict[tuple[str, str], str]  # (scheme, heading key) -> heading as written
    links: list[tuple[tuple[str, str], int]]  # ((scheme, heading key), position)
    identifiers: list[str]  # "kind<TAB>value" cells
    title: str  # the import row's title cell


def record_prepared(source: SourceRecord) -> Prepared:
    """The record's COPY text and links, worked out once (on the reader thread, as it reads)."""
    if source.prepared is None:
        assert source.data is not None  # noqa: S101 - rejects are never prepared
        source.prepared = _prepare(source.data)
    return source.prepared  # type: ignore[no-any-return]


def _prepare(data: RecordData) -> Prepared:
    names: dict[str, str] = {}
    credits = []
    for i, (name, role) in enumerate(data.contributors):
        key = name_key(name)
        if key:
            names.setdefault(key, name.strip()[:500])
            credits.append((key, text(role), i))
    headings: dict[tuple[str, str], str] = {}
    links = []
    for i, (heading, scheme) in enumerate(data.subjects):
        subject = (scheme, name_key(heading))
        if subject[1] and subject not in headings:
            headings[subject] = heading.strip()[:500]
            links.append((subject, i))
    title = data.title.strip()
    year = "\\N" if data.publication_year is None else str(data.publication_year)
    marc = "\\N" if data.source_marc is None else "\\\\x" + bytes(data.source_marc).hex()
    # The year and the MARC are cells already; the texts around them are escaped by the line.
    described = text_cells((title, data.subtitle, data.publisher))
    details = text_cells(
        (
            data.edition, data.language, data.series, data.summary, data.control_number,
            data.control_number_source,
        )
    )  # fmt: skip
    sort_title = text(sort_title_for(title, data.nonfiling))
    return Prepared(
        record=f"{described}\t{year}\t{details}\t{marc}\t{sort_title}",
        names=names,
        credits=credits,
        headings=headings,
        links=links,
        identifiers=[text_cells(pair) for pair in sorted(set(data.identifiers))],
        title=text(title[:300]),
    )


@dataclass
class CreatePlan:
    """New records' ids and COPY lines, ready to write."""

    ids: list[int]
    records: list[str]
    credits: list[str]
    links: list[str]
    identifiers: list[str]
    items: "ItemsPlan | None" = None  # planned ahead, with the barcodes free at the time


def creates_plan(decisions: list[Decision]) -> CreatePlan:
    """The records' ids (from the table's sequence), their contributors and subjects (found or
    made), and their COPY lines. Sets each decision's record id."""
    now = timezone.now().isoformat()
    ids = ids_reserve(Record, len(decisions))
    prepared = [record_prepared(d.source) for d in decisions]
    names: dict[str, str] = {}
    headings: dict[tuple[str, str], str] = {}
    for p in prepared:
        names.update(p.names)
        headings.update(p.headings)
    contributors = contributors_by_key(names)
    subjects = subjects_by_key(headings)
    head = f"\t1\t{now}\t{now}\t"
    plan = CreatePlan(ids, [], [], [], [])
    for decision, record_id, p in zip(decisions, ids, prepared, strict=True):
        decision.record_id = record_id
        # The search vector reads the names and headings as the catalog keeps them, as
        # record_search_refresh does (a name spelled otherwise in the file folds to them).
        spoken = text(" ".join(contributors[key].name for key, _, _ in p.credits))
        subjects_named = text(" ".join(subjects[key].name for key, _ in p.links))
        plan.records.append(f"{record_id}{head}{p.record}\t{spoken}\t{subjects_named}")
        plan.credits += [
            f"{record_id}\t{contributors[key].pk}\t{role}\t{i}" for key, role, i in p.credits
        ]
        plan.links += [f"{record_id}\t{subjects[key].pk}\t{i}" for key, i in p.links]
        plan.identifiers += [f"{record_id}\t{cells}" for cells in p.identifiers]
    return plan


@dataclass
class ItemsPlan:
    """Copies' ids, COPY lines and barcodes, and the decision each belongs to."""

    ids: list[int]
    lines: list[str]
    owners: list[Decision]
    barcodes: list[str]


def items_plan(decisions: list[Decision], copies: CopiesFound | None = None) -> ItemsPlan:
    """The decided records' copies with their ids and COPY lines (their records' ids set);
    a barcode the record's copy or an earlier copy here already has is left out, and so is
    one a patron's card or another record's copy has (its record's reason says so).
    `copies` is what the catalog held of their barcodes when they were just decided (planned
    ahead, the chunk's plan follows its decisions at once); otherwise it is looked up."""
    wanted = [(d, item) for d in decisions for item in d.source.items]
    if not wanted:
        return ItemsPlan([], [], [], [])
    # Deciding refused these, but a card or another record's copy may have been given one
    # since (after a preview); a copy the record already has is simply kept.
    copies = copies or copies_found({i.barcode for _, i in wanted})
    owners, alike, held = copies.taken, copies.alike, copies.held
    taken = set(owners)
    locations = _locations({i.location for _, i in wanted if i.location}, decisions[0].job_id)
    fresh = []
    planned: set[str] = set()  # the new copies' barcodes in upper case
    for decision, item in wanted:
        if item.barcode in held:
            _copy_refused(decision, _HELD % {"barcode": item.barcode, "holder": held[item.barcode]})
        elif owners.get(item.barcode, decision.record_id) != decision.record_id:
            _copy_refused(decision, _TAKEN % {"barcode": item.barcode})
        elif item.barcode in alike:
            stored, title = alike[item.barcode]
            values = {"barcode": item.barcode, "stored": stored, "title": title}
            _copy_refused(decision, _ALIKE % values)
        elif item.barcode not in taken and item.barcode.upper() not in planned:
            taken.add(item.barcode)
            planned.add(item.barcode.upper())
            fresh.append((decision, item))
    ids = ids_reserve(Item, len(fresh))
    now = timezone.now().isoformat()
    tail = f"\t1\t{now}\t{now}"
    plan = ItemsPlan(ids, [], [], [])
    for item_id, (decision, item) in zip(ids, fresh, strict=True):
        plan.owners.append(decision)
        plan.barcodes.append(item.barcode)
        location = cell(locations.get(item.location))
        status = item.status or Item.Status.AVAILABLE.value
        if status in Item.DESK_STATUSES:
            # A loan or a hold does not travel in a file: nobody here has this copy or waits
            # for it (deciding warns of it), and only the desk lends a copy or shelves it.
            status = Item.Status.AVAILABLE.value
        plan.lines.append(
            f"{item_id}\t{decision.record_id}\t{text(item.barcode)}\t{text(item.call_number)}"
            f"\t{location}\t{status}\t{text(item.public_note)}\t{text(item.staff_note)}"
            f"\t{item.price or cell(None)}{tail}"
        )
    return plan


_HELD = gettext_lazy(
    "Copy %(barcode)s was left out: its barcode is now %(holder)s, and the desk could not tell "
    "them apart. Add the copy to the record with another barcode."
)
_TAKEN = gettext_lazy(
    "Copy %(barcode)s was left out: another record's copy has had that barcode since the file "
    "was checked. Add the copy to the record with another barcode."
)


_ALIKE = gettext_lazy(
    "Copy %(barcode)s was left out: copy %(stored)s of \u201c%(title)s\u201d has had that "
    "barcode in another case since the file was checked, and the desk does not tell upper and "
    "lower case apart. Add the copy to the record with another barcode."
)


def _copy_refused(decision: Decision, refused: str) -> None:
    decision.reason = f"{decision.reason} {refused}".strip()


ITEM_COLUMNS = [
    "id", "record_id", "barcode", "call_number", "location_id", "status", "public_note",
    "staff_note", "price", "version", "created_at", "updated_at",
]  # fmt: skip


def _locations(codes: set[str], job_id: int | None) -> dict[str, int]:
    """Location ids by code as the file gives it, in any case (`main` is the library's
    `MAIN`, as the API and the staff pages tell codes apart), creating the missing ones
    (named after their code, once whatever the case): deciding rejected the copies at
    unknown codes unless the job creates them, and the job keeps the ids of those it made,
    for its revert."""
    if not codes:
        return {}
    new = {code.upper(): code for code in sorted(codes, reverse=True)}  # one spelling each
    with bulk_cursor() as cursor:
        # Asked first, then written: an INSERT ... SELECT that looks at its own table in a
        # subquery is one Citus will not run on a distributed schema.
        cursor.execute(
            "SELECT upper(code) FROM catalog_location WHERE upper(code) = ANY(%s)", [sorted(new)]
        )
        missing = sorted(new[upper] for upper in set(new) - {code for (code,) in cursor})
        cursor.execute(
            "INSERT INTO catalog_location (code, name) SELECT c, c FROM unnest(%s::text[]) AS c "
            "ON CONFLICT DO NOTHING RETURNING id",
            [missing],
        )
        made = [pk for (pk,) in cursor.fetchall()]
        if made and job_id is not None:
            ImportLocation.objects.bulk_create(
                ImportLocation(job_id=job_id, location_id=pk) for pk in made
            )
        cursor.execute(
            "SELECT code, id FROM catalog_location WHERE upper(code) = ANY(%s) ORDER BY id",
            [sorted(new)],
        )
        stored = cursor.fetchall()
    by_upper: dict[str, int] = {}
    for code, pk in stored:
        by_upper.setdefault(code.upper(), pk)
    exact = dict(stored)
    return {code: exact.get(code, by_upper[code.upper()]) for code in codes}
