"""The writing stage: a chunk's records, copies, change feed and import rows, by COPY."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from psycopg2 import IntegrityError as DatabaseIntegrityError

from catalog.imports.deciding import Action, Decision
from catalog.imports.formats.source import SourceRecord, data_to_json
from catalog.imports.models import ImportJob, ImportRow
from catalog.imports.plans import (
    ITEM_COLUMNS,
    CreatePlan,
    ItemsPlan,
    creates_plan,
    items_plan,
    record_prepared,
)
from catalog.imports.snapshots import record_snapshots
from catalog.models import Change, Identifier, Item, RecordContributor, RecordSubject
from catalog.services import (
    SEARCH_TERMS_LOCK,
    barcodes_held,
    changes_lock,
    record_update,
    search_term_ranks_sql,
    search_vector_sql,
)
from common.sql import bulk_cursor, cell, lines_copy, text


def decisions_apply(
    decisions: list[Decision], feed: "Feed", plan: CreatePlan | None = None
) -> None:
    """Write a chunk's creates (by COPY, with `plan` when it was made ahead) and updates,
    in the caller's transaction; the feed entries wait in `feed` for the chunk's end."""
    creates = [d for d in decisions if d.action == Action.CREATE]
    updates = [d for d in decisions if d.action == Action.UPDATE]
    if creates:
        records_create(creates, feed, plan)
    # A record repeated in the file updates the one its first appearance created.
    made = {d.source.position: d.record_id for d in creates}
    for decision in updates:
        if decision.match_record_id is None and decision.match_position in made:
            decision.match_record_id = made[decision.match_position]
        _record_update(decision, feed)
        made[decision.source.position] = decision.record_id


def records_bulk_create(sources: list[SourceRecord]) -> list[int]:
    """Create records and their copies through the import's COPY path, in the caller's
    transaction (catalogs filled for benchmarks and demonstrations); their ids in order."""
    decisions = [Decision(source, Action.CREATE) for source in sources]
    feed = Feed()
    records_create(decisions, feed)
    feed.write()
    return [d.record_id for d in decisions if d.record_id is not None]


class Feed:
    """A chunk's change-feed entries, written last: the feed's lock (see changes_log) is then
    held only from that write to the chunk's commit, and a reader resuming after a feed id
    never misses an import's entry committed later with a smaller id."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.now = timezone.now().isoformat()

    def add(self, entity: str, ids: list[int], action: str) -> None:
        self.lines += [f"{entity}\t{i}\t{action}\t{self.now}" for i in ids]

    def write(self) -> int | None:
        """Write the entries; the last feed id this chunk took (None when it wrote none)."""
        if not self.lines:
            return None
        changes_lock()
        table = Change._meta.db_table
        lines_copy(table, ["entity", "entity_id", "action", "at"], self.lines)
        with bulk_cursor() as cursor:
            cursor.execute("SELECT currval(pg_get_serial_sequence(%s, 'id'))", [table])
            return int(cursor.fetchone()[0])


def records_create(decisions: list[Decision], feed: Feed, plan: CreatePlan | None = None) -> None:
    """Create many records with COPY: records with their search vectors, credits, subjects,
    identifiers, copies and their change-feed entries."""
    plan = plan or creates_plan(decisions)
    _records_insert(plan.records)
    credit_columns = ["record_id", "contributor_id", "role", "position"]
    lines_copy(RecordContributor._meta.db_table, credit_columns, plan.credits)
    lines_copy(RecordSubject._meta.db_table, ["record_id", "subject_id", "position"], plan.links)
    lines_copy(Identifier._meta.db_table, ["record_id", "kind", "value"], plan.identifiers)
    item_ids = (
        _items_create(decisions) if plan.items is None else _items_write(plan.items, decisions)
    )
    feed.add(Change.Entity.RECORD.value, plan.ids, Change.Action.CREATED.value)
    feed.add(Change.Entity.ITEM.value, item_ids, Change.Action.CREATED.value)


RECORD_COLUMNS = [
    "id", "version", "created_at", "updated_at", "title", "subtitle", "publisher",
    "publication_year", "edition", "language", "series", "summary", "control_number",
    "control_number_source", "source_marc", "sort_title",
]  # fmt: skip
_STAGED_RECORD_COLUMNS = [*RECORD_COLUMNS, "contributor_names", "subject_headings"]
_STAGED_RECORD_TYPES = [
    "bigint", "integer", "timestamptz", "timestamptz", "text", "text", "text", "integer",
    "text", "text", "text", "text", "text", "text", "bytea", "text", "text", "text",
]  # fmt: skip
_SEARCH_VECTOR = search_vector_sql(
    titles="title || ' ' || subtitle",
    contributors="contributor_names",
    subjects="subject_headings",
    rest="series || ' ' || publisher || ' ' || summary",
)


_TERM_RANKS = search_term_ranks_sql("written")
_TERM_RANKS_WRITTEN = search_term_ranks_sql(
    "(SELECT record_id, vector FROM catalog_recordsearch "
    "WHERE record_id IN (SELECT id FROM import_record))"
)


def _records_insert(lines: list[str]) -> None:
    """Write the records once, and their search vectors: COPY them into a temporary table with
    their contributors' names and subject headings, and insert the records from there, then
    each one's vector computed from the same row (a COPY then an UPDATE wrote every record and
    its indexes twice)."""
    columns = ", ".join(
        f"{name} {kind}"
        for name, kind in zip(_STAGED_RECORD_COLUMNS, _STAGED_RECORD_TYPES, strict=True)
    )
    names = ", ".join(RECORD_COLUMNS)
    with bulk_cursor() as cursor:
        # Kept for the session (creating it each chunk costs more than the chunk's COPY) and
        # emptied after each use; it holds no tenant's data between statements. DELETE, not
        # TRUNCATE: a temporary table's deleted rows cost nothing to leave for the commit to
        # drop, where TRUNCATE gave the table a new file and catalog entries every chunk.
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS import_record ({columns}) ON COMMIT DELETE ROWS"
        )
        lines_copy("import_record", _STAGED_RECORD_COLUMNS, lines)
        if settings.STACKS_CITUS:
            # Citus sends a data-modifying WITH that reads a temporary table to the library's
            # worker node, where the table does not exist: the vectors are read back instead.
            cursor.execute(
                f"{SEARCH_TERMS_LOCK}; "  # noqa: S608 - constants only
                f"INSERT INTO catalog_record ({names}) SELECT {names} FROM import_record; "
                f"INSERT INTO catalog_recordsearch (record_id, vector) "
                f"SELECT id, {_SEARCH_VECTOR} FROM import_record; "
                f"{_TERM_RANKS_WRITTEN}; DELETE FROM import_record"
            )
            return
        cursor.execute(
            f"{SEARCH_TERMS_LOCK}; "  # noqa: S608 - constants only
            f"INSERT INTO catalog_record ({names}) SELECT {names} FROM import_record; "
            f"WITH written AS (INSERT INTO catalog_recordsearch (record_id, vector) "
            f"SELECT id, {_SEARCH_VECTOR} FROM import_record RETURNING record_id, vector) "
            f"{_TERM_RANKS}; DELETE FROM import_record"
        )


def _items_create(decisions: list[Decision]) -> list[int]:
    """Copies of the decided records; a barcode already in the catalog is left out."""
    return _items_copy(items_plan(decisions))


def _items_write(plan: ItemsPlan, decisions: list[Decision]) -> list[int]:
    """Copies planned ahead; planned again if a barcode was given to another copy since, or
    to a card (asked here, in the chunk's transaction, where the answer holds until it ends)."""
    if barcodes_held(plan.barcodes, asking="item"):
        return _items_create(decisions)
    try:
        with transaction.atomic():  # a savepoint, to go back to if a barcode is taken
            return _items_copy(plan)
    except (IntegrityError, DatabaseIntegrityError):
        return _items_create(decisions)


def _items_copy(plan: ItemsPlan) -> list[int]:
    lines_copy(Item._meta.db_table, ITEM_COLUMNS, plan.lines)
    for item_id, decision in zip(plan.ids, plan.owners, strict=True):
        decision.created_item_ids.append(item_id)
    return plan.ids


def _record_update(decision: Decision, feed: Feed) -> None:
    record_id = decision.match_record_id
    if record_id is None and decision.match_position is not None:
        # The match is a record created earlier from this same file.
        record_id = (
            ImportRow.objects.filter(job_id=decision.job_id, position=decision.match_position)
            .values_list("record_id", flat=True)
            .first()
        )
    if record_id is None:
        decision.action = Action.CREATE
        records_create([decision], feed)
        return
    decision.previous = record_snapshots([record_id]).get(record_id)
    if decision.previous is None:  # deleted since staging
        decision.action = Action.CREATE
        records_create([decision], feed)
        return
    decision.previous.pop("comparable", None)
    data = decision.source.data
    assert data is not None  # noqa: S101
    # The feed entry goes with the chunk's, written last: taking the feed's lock here, before
    # the row locks of the chunk's later updates, could deadlock with a librarian's edit.
    record_update(record_id=record_id, data=data, logged=False)
    feed.add(Change.Entity.RECORD.value, [record_id], Change.Action.UPDATED.value)
    decision.record_id = record_id
    decision.source.items = [
        i for i in decision.source.items if i.barcode not in decision.previous["barcodes"]
    ]
    made = _items_create([decision])
    feed.add(Change.Entity.ITEM.value, made, Change.Action.CREATED.value)


_NULL = "\\N"


def rows_write(job: ImportJob, decisions: list[Decision], *, applied: bool) -> None:
    """The job's import rows for a chunk: each record's decision and reason, with what the
    commit needs when the chunk is only staged (`applied` False)."""
    lines = []
    for d in decisions:
        source = d.source
        keep_data = not applied and source.data is not None
        title = record_prepared(source).title if source.data is not None else text(source.title)
        # Rejects keep their bytes for the rejects file; staged rows for the commit.
        keep_raw = d.action == Action.REJECT or keep_data
        committed = "t" if applied and d.action in (Action.CREATE, Action.UPDATE) else "f"
        lines.append(
            f"{job.pk}\t{source.position}\t{d.action}\t{text((d.reason or source.error)[:2000])}"
            f"\t{title}\t{text(source.identifiers)}\t{text(d.match_key[:100])}"
            f"\t{cell(d.match_record_id)}\t{cell(d.match_position)}"
            f"\t{cell(data_to_json(source.data, source.items)) if keep_data else _NULL}"  # type: ignore[arg-type]
            f"\t{cell(source.raw) if keep_raw else _NULL}\t{committed}\t{cell(d.record_id)}"
            f"\t{cell(d.previous)}\t{cell(d.created_item_ids)}\t{cell(source.line)}"
        )
    lines_copy(ImportRow._meta.db_table, ROW_COLUMNS, lines)


ROW_COLUMNS = [
    "job_id", "position", "action", "reason", "title", "identifiers", "match_key",
    "match_record_id", "match_position", "data", "raw", "committed", "record_id", "previous",
    "created_item_ids", "line",
]  # fmt: skip


def rows_mark_committed(job: ImportJob, decisions: list[Decision]) -> None:
    """A committed chunk's rows: what each became, and what a revert restores."""
    done = [d for d in decisions if d.action in (Action.CREATE, Action.UPDATE)]
    for d in done:
        ImportRow.objects.filter(job=job, position=d.source.position).update(
            committed=True,
            record_id=d.record_id,
            previous=d.previous,
            created_item_ids=d.created_item_ids,
            action=d.action,
            reason=d.reason,
        )
