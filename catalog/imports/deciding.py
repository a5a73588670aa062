"""The deciding stage: what an import does with each record (match, on-match rules, barcodes)."""

from dataclasses import dataclass, field
from itertools import chain
from typing import Any, NamedTuple

from django.db.models import F, Max
from django.utils.translation import get_language, gettext, ngettext

from catalog.imports.formats.source import SourceRecord, data_from_json
from catalog.imports.merging import (
    absent_fields_kept,
    changes_listed,
    empty_fields_filled,
    local_edits_kept,
)
from catalog.imports.models import (
    STAGED_MATCH_VALUES,
    Format,
    ImportJob,
    ImportRow,
    key_label,
    row_named,
)
from catalog.imports.snapshots import (
    record_comparable,
    record_snapshots,
    snapshot_data,
    snapshot_with,
)
from catalog.models import Change, Item
from catalog.services import (
    RecordData,
    barcode_unprintable,
    barcodes_held,
    items_by_barcode,
)
from common.errors import Conflict
from common.language import after_colon
from common.sql import AnyOf, bulk_cursor

Action = ImportRow.Action


@dataclass
class Decision:
    """What the import does with one record, and what it did."""

    source: SourceRecord
    action: str
    reason: str = ""
    job_id: int | None = None
    match_key: str = ""
    match_record_id: int | None = None
    match_position: int | None = None
    record_id: int | None = None
    previous: dict[str, Any] | None = None
    created_item_ids: list[int] = field(default_factory=list)

    @classmethod
    def from_row(cls, row: ImportRow, fmt: str) -> "Decision":
        """The decision a staged row keeps, to be applied when the job is committed."""
        source = SourceRecord(position=row.position, raw=bytes(row.raw or b""), line=row.line)
        if row.data is not None:
            source.data, source.items = data_from_json(row.data)
            if fmt != Format.CSV and row.raw:
                source.data.source_marc = bytes(row.raw)
        return cls(
            source=source,
            action=row.action,
            reason=row.reason,
            job_id=row.job_id,
            match_key=row.match_key,
            match_record_id=row.match_record_id,
            match_position=row.match_position,
        )


def match_keys(data: RecordData, match_on: str) -> list[str]:
    """The keys a record matches on ("isbn:<isbn>", "cn:<source>:<number>"), by the job's
    `match_on`."""
    keys = []
    if match_on in ("isbn", "either"):
        keys += [f"isbn:{value}" for kind, value in data.identifiers if kind == "isbn"]
    if match_on in ("control_number", "either") and data.control_number:
        keys.append(f"cn:{data.control_number_source}:{data.control_number}")
    return keys


@dataclass
class CopiesFound:
    """What the catalog holds of some barcodes, in any case: the record of the copy that has
    each as given (`taken`), the copy that has it only in another case (`alike`, as
    items_by_barcode says), and the card or other holder that has it (`held`)."""

    taken: dict[str, int]
    alike: dict[str, tuple[str, str]]
    held: dict[str, str]


def copies_found(barcodes: set[str]) -> CopiesFound:
    """CopiesFound for these barcodes, looked up now."""
    taken, alike = items_by_barcode(barcodes)
    return CopiesFound(taken, alike, barcodes_held(barcodes - set(taken), asking="item"))


def chunk_barcodes(chunk: list[SourceRecord]) -> set[str]:
    """The barcodes of a chunk's copies, as the file gives them."""
    return {i.barcode for s in chunk for i in s.items}


def chunk_decide(
    job: ImportJob, chunk: list[SourceRecord], copies: CopiesFound | None = None
) -> list[Decision]:
    """Each record's decision, against the catalog and the job's earlier rows as they stand;
    the records' `keys` are already set (match_keys). `copies` is what the catalog holds of
    the chunk's barcodes, when the caller has just looked it up (copies_found)."""
    keyed = {s.position: s.keys for s in chunk if s.data is not None}
    all_keys = set(chain.from_iterable(keyed.values()))
    found = _matches_in_catalog(all_keys)
    staged = not (job.one_shot and not job.dry_run)
    # One-shot rows are in the catalog already (matched there); their rows still say which
    # earlier row of the file a record repeats, for the preview to say the two become one.
    in_file_rows = _matches_in_job(job, all_keys)
    earlier = in_file_rows if staged else None
    barcodes = chunk_barcodes(chunk)
    copies = copies or copies_found(barcodes)
    taken, alike, held = copies.taken, copies.alike, copies.held
    in_file = _barcodes_in_job(job, barcodes) if earlier is not None and barcodes else {}
    known = locations_known({i.location for s in chunk for i in s.items if i.location})
    matched_ids = {found[k] for k in all_keys if k in found}
    current = record_snapshots(sorted(matched_ids)) if job.on_match == "update" else {}
    if earlier:
        # A record earlier rows of the file update is met as they leave it, not as stored.
        _states_left(current, found, earlier, job.format)
    # Translated once a chunk: the commonest reasons cost a catalog lookup a record otherwise.
    no_match = gettext("No record matches %(keys)s; a new record is created.")
    no_keys = gettext("Nothing to match on (no ISBN or control number); a new record is created.")
    control_number = gettext("control number")
    language = get_language()
    decisions = []
    for source in chunk:
        if source.data is None:
            decisions.append(Decision(source, Action.REJECT, source.error, job_id=job.pk))
            continue
        keys = keyed[source.position]
        match_key = next((k for k in keys if k in found), "")
        in_job_key = next((k for k in keys if k in (earlier or {})), "") if not match_key else ""
        decision = Decision(
            source, Action.CREATE, job_id=job.pk, match_key=(keys[0] if keys else "")
        )
        if match_key:
            decision.match_record_id = found[match_key]
            target = gettext("record %(id)s") % {"id": found[match_key]}
        elif in_job_key:
            first = (earlier or {})[in_job_key]
            decision.match_position, decision.match_record_id = first.position, first.record_id
            target = gettext("the record of %(row)s of this file") % {
                "row": row_named(first.position, first.line)
            }
        else:
            target = ""
        loss = _copies_lost(job, decision, taken, in_file, known, held, alike)
        if loss:
            decision.action = Action.REJECT
            decision.reason = loss
        elif target:
            label = key_label(match_key or in_job_key)
            decision.reason, decision.action = _on_match(job, decision, target, label, current)
            repeated = next((k for k in keys if k in in_file_rows), "")
            # Said of a repeat even when it changes nothing: the file's rows are one record.
            if repeated and job.on_match == "update":
                decision.match_position = in_file_rows[repeated].position
                merged = _rows_merged(
                    decision, repeated, in_file_rows[repeated], in_catalog=bool(match_key)
                )
                # A match in the catalog keeps its own list of what the record changes.
                decision.reason = f"{decision.reason} {merged}" if match_key else merged
        elif job.on_no_match == "skip":
            decision.action = Action.UNCHANGED
            decision.reason = gettext("No matching record; skipped (on no match: skip).")
        else:
            named = ", ".join(key_label(key, control_number, language) for key in keys)
            decision.reason = no_match % {"keys": named} if keys else no_keys
        warnings = [*source.warnings, *_desk_copies_released(source, taken)]
        if warnings and decision.action != Action.REJECT:
            said = after_colon(" ".join(warnings))
            decision.reason = " ".join([decision.reason, gettext("Warning:"), said])
        decisions.append(decision)
    return decisions


def _rows_merged(decision: Decision, key: str, earlier: "EarlierRow", *, in_catalog: bool) -> str:
    """What the preview says of a record the file gives twice (two rows sharing an ISBN or a
    control number): which rows become one record, on which key, and which of their fields
    differ, since the later row's values are the ones kept."""
    data = decision.source.data
    assert data is not None  # noqa: S101 - rejects never reach here
    values = {
        "row": row_named(decision.source.position, decision.source.line),
        "earlier": row_named(earlier.last_position, earlier.last_line),
        "key": key_label(key),
    }
    if in_catalog and decision.action == Action.UNCHANGED:
        # Met as the earlier rows leave the record (_states_left), and nothing differs.
        said = gettext(
            "This is the same record as %(earlier)s of this file (same %(key)s), with the same "
            "fields: the two rows become one record."
        )
        return said % values
    if earlier.last_data is None or in_catalog:
        # The record met is as the earlier rows leave it (written already in one shot), and
        # the reason's list of changes is what this row changes in it.
        said = gettext(
            "This is the same record as %(earlier)s of this file (same %(key)s): the two rows "
            "become one record, and where they differ the values of %(row)s are kept."
        )
        return said % values
    before, items = data_from_json(earlier.last_data)
    had = {item.barcode for item in items}
    new_barcodes = [i.barcode for i in decision.source.items if i.barcode not in had]
    if record_comparable(before) == record_comparable(data) and not new_barcodes:
        said = gettext(
            "This is the same record as %(earlier)s of this file (same %(key)s), with the same "
            "fields: the two rows become one record."
        )
        return said % values
    said = gettext(
        "This is the same record as %(earlier)s of this file (same %(key)s): the two rows "
        "become one record, and where they differ the values of %(row)s are kept: "
        "%(changes)s. To import them as two records, import with \u201con match: create\u201d."
    )
    return said % {**values, "changes": changes_listed(before, data, new_barcodes)}


def _desk_copies_released(source: SourceRecord, taken: dict[str, int]) -> list[str]:
    """What is said of the new copies the file gives as on loan or on the hold shelf: they
    come in available, since no loan or hold of this catalog keeps them."""
    released = [
        item
        for item in source.items
        if item.status in Item.DESK_STATUSES and item.barcode not in taken
    ]
    if not released:
        return []  # nearly every record: no catalog lookup for words it does not need
    said = {
        Item.Status.ON_LOAN: gettext(
            "Copy %(barcode)s was on loan in the file: loans are made at the desk, so it is "
            "imported as available."
        ),
        Item.Status.ON_HOLD_SHELF: gettext(
            "Copy %(barcode)s was on the hold shelf where the file comes from; it comes in "
            "available."
        ),
    }
    return [said[Item.Status(item.status)] % {"barcode": item.barcode} for item in released]


def _copies_lost(
    job: ImportJob,
    decision: Decision,
    taken: dict[str, int],
    in_file: dict[str, tuple[str, int, int | None]],
    known: set[str],
    held: dict[str, str],
    alike: dict[str, tuple[str, str]],
) -> str:
    """Why a record's copies cannot all come in as the file gives them ("" if they can): the
    record is then rejected, so every copy of the file is either created or shown. Barcodes
    are told apart in any case, as the desk finds them."""
    seen: dict[str, str] = {}
    for item in decision.source.items:
        unprintable = barcode_unprintable(item.barcode)
        if unprintable:
            return unprintable
        twin = seen.get(item.barcode.upper())
        if twin == item.barcode:
            return gettext(
                "Barcode %(barcode)s is given twice in this record: each copy needs its own."
            ) % {"barcode": item.barcode}
        if twin is not None:
            return gettext(
                "Barcode %(barcode)s is given twice in this record, as %(twin)s too (the desk "
                "does not tell upper and lower case apart): each copy needs its own."
            ) % {"barcode": item.barcode, "twin": twin}
        seen[item.barcode.upper()] = item.barcode
        owner = taken.get(item.barcode)
        if owner is not None and owner != decision.match_record_id:
            return gettext(
                "Barcode %(barcode)s already belongs to record %(record)s: give the copy "
                "another barcode or remove it from this record."
            ) % {"barcode": item.barcode, "record": owner}
        if item.barcode in alike:
            stored, title = alike[item.barcode]
            return gettext(
                "Barcode %(barcode)s is already copy %(stored)s of \u201c%(title)s\u201d (the "
                "desk does not tell upper and lower case apart): give the copy another barcode "
                "or remove it from this record."
            ) % {"barcode": item.barcode, "stored": stored, "title": title}
        if item.barcode in held:
            return gettext(
                "Barcode %(barcode)s is already %(holder)s, and the desk could not tell them "
                "apart: give the copy another barcode or remove it from this record."
            ) % {"barcode": item.barcode, "holder": held[item.barcode]}
        given, row, line = in_file.get(item.barcode.upper(), (item.barcode, None, None))
        if row is not None and given == item.barcode and row != decision.match_position:
            return gettext(
                "Barcode %(barcode)s is already given to the copy on %(row)s of this file: "
                "give one of them another barcode."
            ) % {"barcode": item.barcode, "row": row_named(row, line)}
        if row is not None and given != item.barcode:
            return gettext(
                "Barcode %(barcode)s is already given as %(given)s to the copy on %(row)s of "
                "this file (the desk does not tell upper and lower case apart): give one of "
                "them another barcode."
            ) % {"barcode": item.barcode, "given": given, "row": row_named(row, line)}
        if item.location and item.location.upper() not in known and not job.create_locations:
            return gettext(
                "Location code %(code)s (copy %(barcode)s) is not one of the library's "
                "locations: add it under Locations first, correct the code, or import with "
                "\u201ccreate missing locations\u201d."
            ) % {"code": item.location, "barcode": item.barcode}
    return ""


def locations_known(codes: set[str]) -> set[str]:
    """Those of these location codes the library has, in upper case: codes are told apart
    in any case, as the API and the staff pages tell them (`main` is the library's `MAIN`)."""
    if not codes:
        return set()
    with bulk_cursor() as cursor:
        cursor.execute(
            "SELECT upper(code) FROM catalog_location WHERE upper(code) = ANY(%s)",
            [sorted({code.upper() for code in codes})],
        )
        return {code for (code,) in cursor.fetchall()}


def _barcodes_in_job(job: ImportJob, barcodes: set[str]) -> dict[str, tuple[str, int, int | None]]:
    """Earlier staged rows of the same file giving one of these barcodes in any case, by the
    barcode's upper case: the barcode as that row gives it, and the row's position and line
    (the first such row)."""
    with bulk_cursor() as cursor:
        cursor.execute(
            "SELECT i->>'barcode', r.position, r.line "  # noqa: S608 - the table's name only
            f"FROM {ImportRow._meta.db_table} r, jsonb_array_elements(r.data->'items') i "
            "WHERE r.job_id = %s AND r.action <> 'reject' AND r.data IS NOT NULL "
            "AND (i->>'barcode' = ANY(%s) OR upper(i->>'barcode') = ANY(%s)) "
            "ORDER BY r.position",
            [job.pk, sorted(barcodes), sorted({b.upper() for b in barcodes})],
        )
        found: dict[str, tuple[str, int, int | None]] = {}
        for barcode, position, line in cursor.fetchall():
            found.setdefault(barcode.upper(), (barcode, position, line))
        return found


def _on_match(
    job: ImportJob, decision: Decision, target: str, label: str, current: dict[int, Any]
) -> tuple[str, str]:
    if job.on_match == "skip":
        reason = gettext("Matches %(target)s on %(key)s; left as it is (on match: skip).")
        return reason % {"target": target, "key": label}, Action.UNCHANGED
    if job.on_match == "create":
        reason = gettext("Matches %(target)s on %(key)s; created anyway (on match: create).")
        return reason % {"target": target, "key": label}, Action.CREATE
    data = decision.source.data
    assert data is not None  # noqa: S101 - rejects never reach here
    if decision.match_position is None and decision.match_record_id in current:
        existing = current[decision.match_record_id]
        before = snapshot_data(existing)
        data = decision.source.data = absent_fields_kept(before, data, decision.source.absent)
        if job.overlay == ImportJob.Overlay.FILL_EMPTY:
            data = decision.source.data = empty_fields_filled(before, data)
        elif job.overlay == ImportJob.Overlay.KEEP_LOCAL:
            data = decision.source.data = local_edits_kept(before, existing, data)
        new_barcodes = [
            i.barcode for i in decision.source.items if i.barcode not in existing["barcodes"]
        ]
        if record_comparable(data) == existing["comparable"] and not new_barcodes:
            reason = gettext("Identical to %(target)s (matched on %(key)s).")
            return reason % {"target": target, "key": label}, Action.UNCHANGED
        changes = changes_listed(before, data, new_barcodes)
        reason = gettext("Matches %(target)s on %(key)s; it is updated: %(changes)s.")
        return reason % {"target": target, "key": label, "changes": changes}, Action.UPDATE
    reason = gettext("Matches %(target)s on %(key)s; it is updated.")
    return reason % {"target": target, "key": label}, Action.UPDATE


def _matches_in_catalog(keys: set[str]) -> dict[str, int]:
    """The oldest record for each key. Arrays as parameters: a chunk's thousand keys cost
    one parameter each to send, not one placeholder each to build."""
    found: dict[str, int] = {}
    isbns = [k[5:] for k in keys if k.startswith("isbn:")]
    by_source: dict[str, list[str]] = {}
    for key in keys:
        if key.startswith("cn:"):
            source, number = key[3:].split(":", 1)
            by_source.setdefault(source, []).append(number)
    with bulk_cursor() as cursor:
        if isbns:
            cursor.execute(
                "SELECT value, record_id FROM catalog_identifier "
                "WHERE kind = 'isbn' AND value = ANY(%s) ORDER BY record_id",
                [isbns],
            )
            for value, record_id in cursor.fetchall():
                found.setdefault(f"isbn:{value}", record_id)
        for source, numbers in by_source.items():
            # Both columns, so the (source, number) index answers it.
            cursor.execute(
                "SELECT control_number, id FROM catalog_record "
                "WHERE control_number_source = %s AND control_number = ANY(%s) ORDER BY id",
                [source, numbers],
            )
            for number, record_id in cursor.fetchall():
                found.setdefault(f"cn:{source}:{number}", record_id)
    return {k: v for k, v in found.items() if k in keys}


class EarlierRow(NamedTuple):
    """The first row of the file with a key (the one a later row repeating it matches), and
    the last one, whose values the record has by then (its data and bytes while staged)."""

    position: int
    line: int | None
    record_id: int | None
    last_position: int
    last_line: int | None
    last_data: dict[str, Any] | None
    last_raw: bytes | None


def _states_left(
    current: dict[int, Any], found: dict[str, int], earlier: dict[str, EarlierRow], fmt: str
) -> None:
    """Put in `current`, for each catalog record that staged rows of the file update, the
    record as the last of them leaves it: the commit writes them in file order, so a later
    row changes what they wrote, not what the catalog holds now."""
    for key, row in sorted(earlier.items(), key=lambda pair: pair[1].last_position):
        record_id = found.get(key)
        if row.last_data is None or record_id not in current:
            continue
        data, items = data_from_json(row.last_data)
        if fmt != Format.CSV and row.last_raw:
            data.source_marc = row.last_raw
        stored = current[record_id]
        barcodes = [*stored["barcodes"], *(i.barcode for i in items)]
        current[record_id] = snapshot_with(stored, data, barcodes)


def _matches_in_job(job: ImportJob, keys: set[str]) -> dict[str, EarlierRow]:
    """Earlier rows of the same file with one of these keys (not rejected)."""
    if not keys:
        return {}
    rows = (
        ImportRow.objects.filter(AnyOf(F("match_key"), sorted(keys)), job=job)
        .exclude(action=Action.REJECT)
        .order_by("position")
        .values_list("match_key", "position", "line", "match_record_id", "data", "raw")
    )
    earlier: dict[str, EarlierRow] = {}
    for key, position, line, record_id, data, raw in rows:
        first = earlier.get(key)
        earlier[key] = EarlierRow(
            first.position if first else position,
            first.line if first else line,
            first.record_id if first else record_id,
            position,
            line,
            data,
            bytes(raw) if raw is not None and data is not None else None,
        )
    return earlier


class CatalogMovedOn(Conflict):
    """The catalog changed after a preview decided what its commit would do: `record_ids` are
    the records that changed (see records_changed_since_preview), for an answer to name."""

    code = "catalog_changed_since_preview"

    def __init__(self, message: str, *, record_ids: list[int]) -> None:
        super().__init__(message)
        self.record_ids = record_ids


def feed_position() -> int:
    """The change feed's last id (0 while it is empty): where a job begins deciding."""
    return Change.objects.aggregate(last=Max("id"))["last"] or 0


# The records of the catalog a preview's decisions rest on, among those changed (added,
# edited or removed) after it began deciding: those it matched a row of the file to, and
# those that now hold an ISBN or control number the file gives (a match it would find now).
# A record changed elsewhere in the catalog cannot turn any of its decisions. It starts from
# the few changed records (the feed by its key) and their ISBNs and control numbers, and
# looks those up among the job's rows through the staged rows' indexes, so its cost follows
# the changes, not the file; the rows found are checked exactly (an ISBN, not another kind
# of identifier; the control number's source).
_RECORDS_THAT_MATTER = f"""
WITH changed AS (
    SELECT DISTINCT entity_id AS id FROM catalog_change WHERE entity = 'record' AND id > %(after)s
), isbns AS (
    SELECT i.record_id AS id, i.value FROM catalog_identifier i
    JOIN changed c ON c.id = i.record_id WHERE %(isbn)s AND i.kind = 'isbn'
), numbers AS (
    SELECT r.id, r.control_number_source AS source, r.control_number AS number
    FROM catalog_record r JOIN changed c ON c.id = r.id WHERE %(cn)s AND r.control_number <> ''
), found AS (
    SELECT data FROM imports_importrow
    WHERE job_id = %(job)s AND action <> 'reject' AND data IS NOT NULL
    AND ({STAGED_MATCH_VALUES})
        ?| ARRAY(SELECT value::text FROM isbns UNION SELECT number::text FROM numbers)
)
SELECT c.id FROM changed c WHERE EXISTS (
    SELECT FROM imports_importrow r WHERE r.job_id = %(job)s AND r.match_record_id = c.id
    AND r.action <> 'reject' AND r.data IS NOT NULL
)
UNION
SELECT k.id FROM isbns k JOIN found r ON EXISTS (
    SELECT FROM jsonb_array_elements(r.data->'identifiers') i
    WHERE i->>0 = 'isbn' AND i->>1 = k.value
)
UNION
SELECT k.id FROM numbers k JOIN found r ON r.data->>'control_number' = k.number
    AND coalesce(r.data->>'control_number_source', '') = k.source
ORDER BY id
"""  # noqa: S608 - a constant expression


def records_changed_since_preview(job: ImportJob) -> list[int]:
    """The records, by id, changed after the job began deciding in a way that could turn its
    decisions (see _RECORDS_THAT_MATTER); none for a preview that writes nothing, or for a
    job that never previewed (a one-shot import decides as it writes)."""
    if job.decided_after_change_id is None or not (job.created or job.updated):
        return []
    params = {
        "after": job.decided_after_change_id,
        "job": job.pk,
        "isbn": job.match_on in (ImportJob.MatchOn.ISBN, ImportJob.MatchOn.EITHER),
        "cn": job.match_on in (ImportJob.MatchOn.CONTROL_NUMBER, ImportJob.MatchOn.EITHER),
    }
    with bulk_cursor() as cursor:
        cursor.execute(_RECORDS_THAT_MATTER, params)
        return [record_id for (record_id,) in cursor.fetchall()]


# How many of the changed records a refusal names.
_RECORDS_NAMED = 10


def catalog_moved_on_check(job: ImportJob) -> None:
    """Refuse to commit a preview whose decisions may no longer hold: a record it matched was
    edited or removed after it began deciding, or a record added or edited since holds an
    ISBN or control number of the file (another import of the same file, say, whose records
    it would then create a second time). Other changes to the catalog leave it be."""
    changed = records_changed_since_preview(job)
    if changed:
        raise CatalogMovedOn(catalog_moved_on_said(changed), record_ids=changed)


def first_named(names: list[str], limit: int) -> str:
    """The first `limit` of `names`, and how many more there are, for a refusal to name."""
    named = ", ".join(names[:limit])
    if len(names) > limit:
        named = gettext("%(records)s and %(more)s more") % {
            "records": named,
            "more": len(names) - limit,
        }
    return named


def catalog_moved_on_said(changed: list[int]) -> str:
    """Why a preview can no longer be committed, naming the records that changed."""
    named = first_named(list(map(str, changed)), _RECORDS_NAMED)
    return ngettext(
        "Record %(records)s changed after this import was previewed, and the file matches it "
        "or gives one of its identifiers, so what the preview decided may no longer hold (it "
        "could add a record twice or undo the change). Nothing was imported: make the preview "
        "again from the same file, check it, and commit it then.",
        "Records %(records)s changed after this import was previewed, and the file matches "
        "them or gives their identifiers, so what the preview decided may no longer hold (it "
        "could add records twice or undo the changes). Nothing was imported: make the preview "
        "again from the same file, check it, and commit it then.",
        len(changed),
    ) % {"records": named}
