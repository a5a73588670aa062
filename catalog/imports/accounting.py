"""The accounting stage: counts, feed checkpoints, peak memory, statistics after an import."""

import resource

from django.db import connection
from django.db.models import Model, Q

from catalog.imports.deciding import Action, Decision
from catalog.imports.models import ImportJob, ImportRow
from catalog.models import (
    Change,
    Contributor,
    Identifier,
    Item,
    Record,
    RecordContributor,
    RecordSearch,
    RecordSubject,
    SearchTermRank,
    Subject,
)
from catalog.services import search_terms_refresh, search_words_add, search_words_refresh
from common.sql import bulk_cursor

# The tables each chunk looks up (matches, barcodes, earlier rows of the file), with the
# columns those lookups filter and join on; the others are left to autovacuum.
_LOOKED_UP = (
    (Record, ("id", "control_number_source", "control_number")),
    (Identifier, ("kind", "value", "record_id")),
    (Item, ("barcode", "record_id")),
    (ImportRow, ("job_id", "position", "action", "match_key")),
)


def statistics_refresh(created: int, step: int) -> None:
    """ANALYZE the tables each chunk looks up each time their size grows fourfold: planned
    on the statistics of an empty catalog, the per-chunk lookups would scan whole tables and
    slow down as the import goes on. Only the lookups' columns: the records' wide text and
    MARC cost most of a whole-table ANALYZE, and statistics_after reads every column once
    the import is in."""
    threshold = 1000
    while threshold < created - step:
        threshold *= 4
    if created - step < threshold <= created:
        quote = connection.ops.quote_name
        tables = ", ".join(
            f"{quote(model._meta.db_table)} ({', '.join(map(quote, columns))})"
            for model, columns in _LOOKED_UP
        )
        with bulk_cursor() as cursor:
            cursor.execute(f"ANALYZE {tables}")


# Every table a large import fills, planned afresh once it is in.
CATALOG_TABLES = (
    Record, RecordSearch, SearchTermRank, RecordContributor, RecordSubject, Identifier, Item,
    Change, Contributor, Subject,
)  # fmt: skip
LARGE_IMPORT = 1000


# The tables searches and lists read page by page: vacuumed too, so that their visibility map
# lets those scans skip checking each row (what autovacuum would do later, or never when off).
_VACUUMED_TABLES = (Record, RecordSearch, SearchTermRank)


def statistics_after(job_id: int) -> None:
    """Once a large import is committed, the search terms chosen afresh (its words may now
    be common ones), fresh statistics for every catalog table, so that the catalog's pages
    and API are planned for the catalog it now is, and the records, their search vectors and
    the terms' ranks vacuumed, whether or not the server's autovacuum would get to them
    (after the job shows finished: housekeeping). Inside a transaction (VACUUM cannot run
    there) everything is analysed only. The catalog's words (for spelling suggestions) are
    counted afresh after a large import; a smaller one adds its records' new words."""
    job = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.COMMITTED).first()
    if job is None or job.dry_run:
        return
    if job.created + job.updated < LARGE_IMPORT:
        rows = ImportRow.objects.filter(job_id=job_id, record_id__isnull=False)
        search_words_add([i for i in rows.values_list("record_id", flat=True) if i is not None])
        return
    search_terms_refresh()
    search_words_refresh()
    if connection.in_atomic_block:
        _analyze(CATALOG_TABLES)
        return
    _analyze(_VACUUMED_TABLES, "VACUUM (ANALYZE)")
    _analyze(tuple(m for m in CATALOG_TABLES if m not in _VACUUMED_TABLES))


def _analyze(models: tuple[type[Model], ...], statement: str = "ANALYZE") -> None:
    names = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    with bulk_cursor() as cursor:
        cursor.execute(f"{statement} {names}")


_COUNTS = {
    Action.CREATE.value: "created",
    Action.UPDATE.value: "updated",
    Action.UNCHANGED.value: "unchanged",
    Action.REJECT.value: "rejected",
}


def decisions_count(job: ImportJob, decisions: list[Decision]) -> None:
    """Add a chunk's decisions to the job's counts (saved with the chunk's checkpoint)."""
    for decision in decisions:
        name = _COUNTS[decision.action]
        setattr(job, name, getattr(job, name) + 1)
    job.total = job.created + job.updated + job.unchanged + job.rejected


def changes_note(job: ImportJob, last_change: int | None) -> None:
    """Keep the feed ids the job's records reached, for revert to find later edits: every
    record a chunk creates or updates has its entry in the chunk's feed."""
    if last_change is not None:
        job.last_change_id = max(job.last_change_id or 0, last_change)
        if job.first_change_id is None:
            job.first_change_id = last_change


def _peak_memory_kb() -> int:
    """This process's peak resident memory so far, in KiB (Linux's unit for ru_maxrss)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def peak_memory_keep(job: ImportJob) -> None:
    """Note the worker's peak memory on a job about to be saved with its chunk, so the figure
    is there by the time the job shows as finished."""
    job.worker_peak_rss_kb = max(job.worker_peak_rss_kb or 0, _peak_memory_kb())


def peak_memory_note(job_id: int) -> None:
    """Raise the job's recorded peak memory to this worker process's, if higher."""
    peak = _peak_memory_kb()
    ImportJob.objects.filter(pk=job_id).filter(
        Q(worker_peak_rss_kb__isnull=True) | Q(worker_peak_rss_kb__lt=peak)
    ).update(worker_peak_rss_kb=peak)
