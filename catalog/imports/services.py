"""Import jobs: create, stage, preview, commit, revert; leased, chunked and safe to rerun."""

import base64
import gc
import os
import resource
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import chain
from queue import Full, Queue
from typing import IO, Any, cast

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Model, Q
from django.utils import timezone
from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper
from psycopg2 import IntegrityError as DatabaseIntegrityError

from catalog.imports.formats import (
    READERS,
    SEEKABLE,
    FileUnreadable,
    SourceRecord,
    data_from_json,
    data_to_json,
)
from catalog.imports.models import Format, ImportJob, ImportRow
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
from catalog.services import (
    SEARCH_TERMS_LOCK,
    RecordData,
    changes_lock,
    changes_log,
    contributors_by_key,
    record_update,
    search_term_ranks_sql,
    search_terms_lock,
    search_terms_refresh,
    search_vector_sql,
    subjects_by_key,
)
from catalog.text import name_key, sort_title_for
from common.errors import ApplicationError, Conflict, NotFound
from common.sql import (
    bulk_cursor,
    cell,
    ids_reserve,
    lines_copy,
    one_cursor,
    text,
)
from common.tasks import task_enqueue, task_name

IMPORT_JOB_RUN = task_name("worker.import_job_run")

Status = ImportJob.Status
Action = ImportRow.Action
ACTIVE = (Status.QUEUED, Status.STAGING, Status.COMMITTING)
_EXTENSIONS = {
    ".mrc": Format.MARC,
    ".marc": Format.MARC,
    ".dat": Format.MARC,
    ".iso": Format.MARC,
    ".xml": Format.MARCXML,
    ".csv": Format.CSV,
}


class LeaseLost(Exception):
    """Another worker took the job over (ours expired); stop without writing."""


# --- Creating and controlling jobs -----------------------------------------------------------


def import_format_guess(file_name: str) -> str:
    extension = os.path.splitext(file_name.lower())[1]
    if extension not in _EXTENSIONS:
        raise ApplicationError(
            f"Cannot tell the format of {file_name!r}: give format marc, marcxml or csv.",
            fields={"format": ["required"]},
        )
    return _EXTENSIONS[extension]


def import_job_create(
    *,
    file: IO[bytes],
    file_name: str,
    format: str = "",
    match_on: str = ImportJob.MatchOn.EITHER,
    on_match: str = ImportJob.OnMatch.UPDATE,
    on_no_match: str = ImportJob.OnNoMatch.CREATE,
    dry_run: bool = False,
    one_shot: bool = False,
    started_by: Any = None,
    started_by_label: str = "",
) -> ImportJob:
    """Store the file and queue its staging (and its commit too, in one-shot mode)."""
    fmt = format or import_format_guess(file_name)
    choices = (
        ("format", fmt, Format.values),
        ("match_on", match_on, ImportJob.MatchOn.values),
        ("on_match", on_match, ImportJob.OnMatch.values),
        ("on_no_match", on_no_match, ImportJob.OnNoMatch.values),
    )
    for name, value, allowed in choices:
        if value not in allowed:
            raise ApplicationError(
                f"Unknown {name} {value!r}: use one of {', '.join(allowed)}.",
                fields={name: ["invalid"]},
            )
    with transaction.atomic():
        job = ImportJob(
            format=fmt,
            file_name=os.path.basename(file_name)[:255],
            match_on=match_on,
            on_match=on_match,
            on_no_match=on_no_match,
            dry_run=dry_run,
            one_shot=one_shot,
            started_by=started_by if getattr(started_by, "pk", None) else None,
            started_by_label=started_by_label[:255],
        )
        job.file.save(job.file_name or f"import.{fmt}", File(file), save=False)
        job.file_size = job.file.size
        job.save()
        _queue(job.pk)
    return job


def _queue(job_id: int) -> None:
    task_enqueue(IMPORT_JOB_RUN, job_id)


def lease_token() -> str:
    """A lease holder's name; a job's chain of tasks passes it on from slice to slice."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@transaction.atomic
def import_job_commit(*, job_id: int) -> ImportJob:
    """Commit what a staged job previewed (on a worker)."""
    job = _locked(job_id)
    if job.status != Status.STAGED:
        raise Conflict(f"Only a staged import can be committed; this one is {job.status}.")
    if job.dry_run:
        raise Conflict("This import was a dry run: upload the file again to import it.")
    job.status = Status.COMMITTING
    job.phase_started_at = timezone.now()
    job.save(update_fields=["status", "phase_started_at", "updated_at"])
    _queue(job.pk)
    return job


@transaction.atomic
def import_job_cancel(*, job_id: int) -> ImportJob:
    job = _locked(job_id)
    if job.status not in (Status.QUEUED, Status.STAGING, Status.STAGED):
        raise Conflict(f"An import that is {job.status} cannot be cancelled.")
    job.status = Status.CANCELLED
    job.finished_at = timezone.now()
    job.lease_owner = ""
    job.save(update_fields=["status", "finished_at", "lease_owner", "updated_at"])
    return job


def _locked(job_id: int) -> ImportJob:
    job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
    if job is None:
        raise NotFound("No such import.")
    return job


# --- The worker's loop -----------------------------------------------------------------------


def _lease_take(job_id: int, owner: str) -> bool:
    now = timezone.now()
    expires = now + timedelta(seconds=settings.STACKS_IMPORT_LEASE_SECONDS)
    free = Q(lease_owner="") | Q(lease_expires_at__lt=now) | Q(lease_owner=owner)
    taken = (
        ImportJob.objects.filter(pk=job_id, status__in=ACTIVE)
        .filter(free)
        .update(lease_owner=owner, lease_expires_at=expires)
    )
    return taken == 1


def _lease_renew(job_id: int, owner: str) -> ImportJob:
    """Lock the job row for this chunk's transaction; refuse if the lease is no longer ours.

    The chunk's commit does not wait for its WAL to reach the disk: a database crash can lose
    at most the last chunks committed, and since each chunk moves the job's checkpoint in the
    same transaction, those chunks and their checkpoint are lost together and the next holder
    of the lease redoes them from the checkpoint that survived. Nothing is lost or doubled;
    waiting for every chunk's flush only made the import slower.

    Its foreign keys are checked as each COPY ends rather than all at the commit: the same
    checks, a sixth of the import's time less (the deferred ones were queued by the tens of
    thousands and each read its row again). Only when the chunk is the whole transaction:
    inside a caller's, the setting would outlive the chunk.
    """
    settings_sql = "SET LOCAL synchronous_commit = off"
    if len(connection.atomic_blocks) == 1:
        settings_sql += "; SET CONSTRAINTS ALL IMMEDIATE"
    with bulk_cursor() as cursor:
        cursor.execute(settings_sql)
    job = ImportJob.objects.select_for_update().get(pk=job_id)
    if job.lease_owner != owner or job.status not in ACTIVE:
        raise LeaseLost(job_id)
    job.lease_expires_at = timezone.now() + timedelta(seconds=settings.STACKS_IMPORT_LEASE_SECONDS)
    # Saved with the chunk, so the figure is there by the time the job shows as finished.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    job.worker_peak_rss_kb = max(job.worker_peak_rss_kb or 0, peak)
    return job


def _peak_memory_note(job_id: int) -> None:
    """The peak resident memory of the worker process that ran the job, in KiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    ImportJob.objects.filter(pk=job_id).filter(
        Q(worker_peak_rss_kb__isnull=True) | Q(worker_peak_rss_kb__lt=peak)
    ).update(worker_peak_rss_kb=peak)


def _lease_release(job_id: int, owner: str) -> None:
    ImportJob.objects.filter(pk=job_id, lease_owner=owner).update(
        lease_owner="", lease_expires_at=None
    )


class _Slice:
    """A job's turn on the worker: up every STACKS_IMPORT_SLICE_SECONDS if other work waits
    for the worker (`others_waiting`; without it, always), else it runs on; but never longer
    than a quarter of the broker's visibility timeout, past which the broker would hand the
    task, still unacknowledged, to another worker."""

    def __init__(self, others_waiting: Callable[[], bool] | None) -> None:
        self.others_waiting = others_waiting
        now = time.monotonic()
        self.deadline = now + settings.STACKS_IMPORT_SLICE_SECONDS
        visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
        self.longest = now + visibility / 4

    def over(self) -> bool:
        now = time.monotonic()
        if now <= self.deadline:
            return False
        if now > self.longest or self.others_waiting is None or self.others_waiting():
            return True
        self.deadline = now + settings.STACKS_IMPORT_SLICE_SECONDS
        return False


def import_job_work(
    *, job_id: int, owner: str, others_waiting: Callable[[], bool] | None = None
) -> bool:
    """Advance a job for one time slice. True when work remains: the caller queues the next
    slice with the same `owner`, and the lease stays held in between so that recovery does
    not start a second chain of tasks for the job.

    Each chunk is one transaction that also moves the job's checkpoint, so a worker killed at
    any moment leaves either the whole chunk or none of it; the next holder of the lease
    starts after the checkpoint and never writes a record twice.
    """
    if not _lease_take(job_id, owner):
        return False
    turn = _Slice(others_waiting)
    try:
        job = ImportJob.objects.get(pk=job_id)
        applies_while_reading = job.one_shot and not job.dry_run
        if job.status == Status.QUEUED:
            # A one-shot job writes as it reads: it is committing from the start.
            job.status = Status.COMMITTING if applies_while_reading else Status.STAGING
            ImportJob.objects.filter(pk=job_id).update(
                status=job.status, phase_started_at=timezone.now()
            )
        with _collector_eased():
            if job.status == Status.STAGING or applies_while_reading:
                more = _stage(job, owner, turn)
            elif job.status == Status.COMMITTING:
                more = _commit(job, owner, turn)
            else:
                more = False
    except LeaseLost:
        return False
    except FileUnreadable as error:
        _fail(job_id, owner, error.message)
        return False
    except Exception as error:
        _fail(job_id, owner, f"The import stopped on an unexpected error: {error!r}")
        raise
    finally:
        _peak_memory_note(job_id)
    if not more:
        _lease_release(job_id, owner)
        _statistics_after(job_id)
    return more


@contextmanager
def _collector_eased() -> Iterator[None]:
    """The interpreter tuned while a job runs, then put back.

    Fewer cyclic garbage collections: the chunks are freed by reference counting, but each
    makes some hundred thousand container objects, and the collector's passes over them and
    over everything the worker holds took a fifth of an import's time. The worker's own
    objects are set aside (frozen) meanwhile. And a shorter switch interval: the writer,
    back from the database, waited for the reader thread to let go of the interpreter."""
    threshold = gc.get_threshold()
    interval = sys.getswitchinterval()
    gc.freeze()
    gc.set_threshold(100_000, threshold[1], threshold[2])
    sys.setswitchinterval(0.001)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _fail(job_id: int, owner: str, message: str) -> None:
    ImportJob.objects.filter(pk=job_id, lease_owner=owner).update(
        status=Status.FAILED, error=message[:5000], finished_at=timezone.now()
    )


def _sources(job: ImportJob) -> Iterator[tuple[SourceRecord, int]]:
    reader = READERS[job.format]
    with job.file.open("rb") as stream:
        offset = job.bytes_read if job.format in SEEKABLE else 0
        yield from reader(stream, start_after=job.staged_through, start_offset=offset)


def _keys(data: RecordData, match_on: str) -> list[str]:
    keys = []
    if match_on in ("isbn", "either"):
        keys += [f"isbn:{value}" for kind, value in data.identifiers if kind == "isbn"]
    if match_on in ("control_number", "either") and data.control_number:
        keys.append(f"cn:{data.control_number_source}:{data.control_number}")
    return keys


def _chunks(job: ImportJob) -> Iterator[tuple[list[SourceRecord], int, set[str]]]:
    """Chunks of records, with the bytes read through each and the keys and barcodes each
    holds; a record repeating a key of its chunk starts the next chunk, so it is matched
    against the earlier one once that is written."""
    size = settings.STACKS_IMPORT_CHUNK_SIZE
    chunk: list[SourceRecord] = []
    seen: set[str] = set()
    read = 0
    for source, read_after in _sources(job):
        if source.data is not None:
            source.keys = _keys(source.data, job.match_on)
            _prepared(source)
        keys = set(source.keys)
        barcodes = {f"item:{i.barcode}" for i in source.items}
        if chunk and (len(chunk) >= size or keys & seen or barcodes & seen):
            yield chunk, read, seen
            chunk, seen = [], set()
        chunk.append(source)
        seen |= keys | barcodes
        read = read_after
    if chunk:
        yield chunk, read, seen


@dataclass
class _Planned:
    """A chunk read, and (when planned ahead) decided with its new records' rows ready."""

    chunk: list[SourceRecord]
    read: int
    decisions: list["Decision"] | None = None
    plan: "_CreatePlan | None" = None


class _Written:
    """How many chunks the writing thread has committed, for the planning thread to wait on."""

    def __init__(self, stop: threading.Event) -> None:
        self.count = 0
        self.stop = stop
        self.changed = threading.Condition()

    def advance(self, count: int) -> None:
        with self.changed:
            self.count = count
            self.changed.notify_all()

    def wait(self, count: int) -> None:
        with self.changed:
            while self.count < count:
                if self.stop.is_set():
                    raise LeaseLost("the import's writer stopped")
                self.changed.wait(0.1)


def _unplanned(job: ImportJob) -> Iterator[_Planned]:
    for chunk, read, _ in _chunks(job):
        yield _Planned(chunk, read)


def _planned(job: ImportJob, tenant: Any, written: _Written) -> Iterator[_Planned]:
    """Read, decide and plan chunks on the reader thread, with a database connection of its
    own, while the writer commits the chunks before: its lookups, the new records' ids,
    contributors and subjects, and their COPY lines cost the writer nothing.

    A chunk is decided only once every chunk still being written that shares a key or a
    barcode with it, or a record it matched, is committed: it then sees what those wrote,
    exactly as if the chunks had been written one after the other.
    """
    apply_now = job.one_shot and not job.dry_run
    pending: list[tuple[int, set[str], set[int]]] = []  # (number, keys, records matched)
    planned_creates = job.created  # so far, in earlier slices
    cast(TenantDatabaseWrapper, connection).set_tenant(tenant)
    try:
        for number, (chunk, read, keys) in enumerate(_chunks(job), start=1):
            if written.stop.is_set():
                return
            for earlier, their_keys, _ in pending:
                if their_keys & keys:
                    written.wait(earlier)
            while True:
                # Chunks committed while this one is decided may not all be seen by it: the
                # clash test counts only those committed before it started.
                committed = written.count
                decisions = _decide(job, chunk)
                matched = {d.match_record_id for d in decisions if d.match_record_id is not None}
                clash = [n for n, _, theirs in pending if n > committed and theirs & matched]
                if not clash:
                    break
                written.wait(max(clash))
            creates = [d for d in decisions if d.action == Action.CREATE]
            plan = _plan_ahead(creates, written.stop) if apply_now and creates else None
            if plan is not None:
                planned_creates += len(creates)
                # The lookups' statistics, refreshed here rather than by the writer.
                _statistics_refresh(planned_creates, len(creates))
            pending = [p for p in pending if p[0] > written.count]
            pending.append((number, keys, matched))
            yield _Planned(chunk, read, decisions, plan)
    finally:
        connection.close()


# PostgreSQL's code for a lock wait that ran out of lock_timeout.
_LOCK_NOT_AVAILABLE = "55P03"


def _plan_ahead(creates: list["Decision"], stop: threading.Event) -> "_CreatePlan":
    """Plan new records and their copies in a transaction of the reader's that gives up any
    lock wait after 200 ms and starts again. Its contributors, subjects and locations may be
    the ones the writer's open chunk is inserting (an update's new heading, say) while the
    writer waits for one the plan inserted: the plan, not the chunk, steps back."""
    for attempt in range(1, 101):
        try:
            with transaction.atomic():
                with bulk_cursor() as cursor:
                    # Not flushed on its own: the chunk that uses what it made commits after
                    # it in the WAL, so a crash that loses the plan loses that chunk too.
                    cursor.execute(
                        "SET LOCAL lock_timeout = '200ms'; SET LOCAL synchronous_commit = off"
                    )
                plan = _creates_plan(creates)
                plan.items = _items_plan(creates)
                return plan
        except OperationalError as error:
            if getattr(error.__cause__, "pgcode", "") != _LOCK_NOT_AVAILABLE or stop.is_set():
                raise
            time.sleep(0.02 * attempt)  # the writer's chunk commits meanwhile
    raise ApplicationError("The import could not plan a chunk: its rows stayed locked.")


def _read_ahead(
    chunks: Iterator[Any], depth: int = 2, stop: threading.Event | None = None
) -> Iterator[Any]:
    """Parse and prepare the next chunks on a thread while this one is written: the parser
    runs while the database works, and memory holds at most `depth` chunks more. The
    iterator is closed on that thread, so what it holds is released where it was taken."""
    queue: Queue[Any] = Queue(maxsize=depth)
    stop = stop or threading.Event()
    done = object()

    def hand_over(item: Any) -> bool:
        # Every hand-over gives up once the consumer has stopped: a blocking put of the last
        # item into a full queue kept the slice's end waiting for the join's whole timeout.
        while not stop.is_set():
            try:
                queue.put(item, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        try:
            for chunk in chunks:
                if not hand_over(chunk):
                    return
            hand_over(done)
        except BaseException as error:  # handed to the consumer, raised there
            hand_over(error)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name="import-reader", daemon=True)
    thread.start()
    try:
        while True:
            item = queue.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


def _stage(job: ImportJob, owner: str, turn: _Slice) -> bool:
    apply_now = job.one_shot and not job.dry_run
    stop = threading.Event()
    written = _Written(stop)
    # Planning ahead needs a second connection, which sees only what is committed: inside a
    # transaction of the caller's (a test's, say) the chunks are decided here instead.
    ahead = not connection.in_atomic_block
    planned = (
        _planned(job, cast(TenantDatabaseWrapper, connection).tenant, written)
        if ahead
        else _unplanned(job)
    )
    checkpoint = job.staged_through
    for number, step in enumerate(_read_ahead(planned, stop=stop), start=1):
        chunk, read = step.chunk, step.read
        with transaction.atomic(), one_cursor():
            locked = _lease_renew(job.pk, owner)
            if locked.staged_through != checkpoint:
                # Another run of this slice's task (a redelivered message) got here first.
                raise LeaseLost(job.pk)
            decisions = step.decisions if step.decisions is not None else _decide(locked, chunk)
            feed = _Feed()
            if apply_now:
                _apply(decisions, feed, step.plan)
            _rows_write(locked, decisions, applied=apply_now)
            last_change = feed.write()
            locked.staged_through = checkpoint = chunk[-1].position
            locked.bytes_read = read
            if apply_now:
                locked.committed_through = locked.staged_through
                _changes_note(locked, last_change)
            _count(locked, decisions)
            locked.save()
        written.advance(number)
        if not ahead:
            made = sum(1 for d in decisions if d.action == Action.CREATE)
            _statistics_refresh(locked.created, made)
        if turn.over():
            return True
    with transaction.atomic():
        locked = _lease_renew(job.pk, owner)
        locked.total = locked.created + locked.updated + locked.unchanged + locked.rejected
        locked.staged_at = timezone.now()
        if locked.one_shot and not locked.dry_run:
            locked.status = Status.COMMITTED
            locked.committed_at = locked.finished_at = locked.staged_at
        else:
            locked.status = Status.STAGED
        locked.save()
    return False


# The tables each chunk looks up (matches, barcodes, earlier rows of the file); the others
# are left to autovacuum.
_ANALYZED_TABLES = (Record, Identifier, Item, ImportRow)


def _statistics_refresh(created: int, step: int) -> None:
    """ANALYZE the tables each chunk looks up each time their size grows fourfold: planned
    on the statistics of an empty catalog, the per-chunk lookups would scan whole tables and
    slow down as the import goes on."""
    threshold = 1000
    while threshold < created - step:
        threshold *= 4
    if created - step < threshold <= created:
        _analyze(_ANALYZED_TABLES)


# Every table a large import fills, planned afresh once it is in.
_CATALOG_TABLES = (
    Record, RecordSearch, SearchTermRank, RecordContributor, RecordSubject, Identifier, Item,
    Change, Contributor, Subject,
)  # fmt: skip
LARGE_IMPORT = 1000


# The tables searches and lists read page by page: vacuumed too, so that their visibility map
# lets those scans skip checking each row (what autovacuum would do later, or never when off).
_VACUUMED_TABLES = (Record, RecordSearch, SearchTermRank)


def _statistics_after(job_id: int) -> None:
    """Once a large import is committed, the search terms chosen afresh (its words may now
    be common ones), fresh statistics for every catalog table, so that the catalog's pages
    and API are planned for the catalog it now is, and the records, their search vectors and
    the terms' ranks vacuumed, whether or not the server's autovacuum would get to them
    (after the job shows finished: housekeeping). Inside a transaction (VACUUM cannot run
    there) everything is analysed only."""
    job = ImportJob.objects.filter(pk=job_id, status=Status.COMMITTED).first()
    if job is None or job.dry_run or job.created + job.updated < LARGE_IMPORT:
        return
    search_terms_refresh()
    if connection.in_atomic_block:
        _analyze(_CATALOG_TABLES)
        return
    _analyze(_VACUUMED_TABLES, "VACUUM (ANALYZE)")
    _analyze(tuple(m for m in _CATALOG_TABLES if m not in _VACUUMED_TABLES))


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


def _count(job: ImportJob, decisions: list["Decision"]) -> None:
    for decision in decisions:
        name = _COUNTS[decision.action]
        setattr(job, name, getattr(job, name) + 1)
    job.total = job.created + job.updated + job.unchanged + job.rejected


def _commit(job: ImportJob, owner: str, turn: _Slice) -> bool:
    size = settings.STACKS_IMPORT_CHUNK_SIZE
    while True:
        with transaction.atomic(), one_cursor():
            locked = _lease_renew(job.pk, owner)
            rows = list(
                ImportRow.objects.filter(job=locked, position__gt=locked.committed_through)
                .order_by("position")
                .defer("previous")[:size]
            )
            if not rows:
                locked.status = Status.COMMITTED
                locked.committed_at = locked.finished_at = timezone.now()
                locked.save()
                return False
            decisions = [Decision.from_row(row, locked.format) for row in rows]
            feed = _Feed()
            _apply(decisions, feed)
            _rows_mark_committed(locked, decisions)
            last_change = feed.write()
            locked.committed_through = rows[-1].position
            _changes_note(locked, last_change)
            locked.save()
        if turn.over():
            return True


# --- Deciding --------------------------------------------------------------------------------


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
        source = SourceRecord(position=row.position, raw=bytes(row.raw or b""))
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


def _decide(job: ImportJob, chunk: list[SourceRecord]) -> list[Decision]:
    keyed = {s.position: s.keys for s in chunk if s.data is not None}
    all_keys = set(chain.from_iterable(keyed.values()))
    found = _matches_in_catalog(all_keys)
    earlier = _matches_in_job(job, all_keys) if not (job.one_shot and not job.dry_run) else {}
    taken = _barcodes_taken({i.barcode for s in chunk for i in s.items})
    matched_ids = {found[k] for k in all_keys if k in found}
    current = record_snapshots(sorted(matched_ids)) if job.on_match == "update" else {}
    decisions = []
    for source in chunk:
        if source.data is None:
            decisions.append(Decision(source, Action.REJECT, source.error, job_id=job.pk))
            continue
        keys = keyed[source.position]
        match_key = next((k for k in keys if k in found), "")
        in_job_key = next((k for k in keys if k in earlier), "") if not match_key else ""
        decision = Decision(
            source, Action.CREATE, job_id=job.pk, match_key=(keys[0] if keys else "")
        )
        if match_key:
            decision.match_record_id = found[match_key]
            target = f"record {found[match_key]}"
        elif in_job_key:
            decision.match_position, decision.match_record_id = earlier[in_job_key]
            target = f"the record at position {decision.match_position} of this file"
        else:
            target = ""
        clash = next(
            (
                i.barcode
                for i in source.items
                if i.barcode in taken and taken[i.barcode] != decision.match_record_id
            ),
            None,
        )
        if clash:
            decision.action = Action.REJECT
            decision.reason = (
                f"Barcode {clash} already belongs to record {taken[clash]}: give the copy "
                "another barcode or remove it from this record."
            )
        elif target:
            label = (match_key or in_job_key).replace("cn:", "control number ").replace(":", " ")
            decision.reason, decision.action = _on_match(
                job, decision, target, label.strip(), current
            )
        elif job.on_no_match == "skip":
            decision.action = Action.UNCHANGED
            decision.reason = "No matching record; skipped (on no match: skip)."
        else:
            decision.reason = (
                f"No record matches {', '.join(keys)}; a new record is created."
                if keys
                else "Nothing to match on (no ISBN or control number); a new record is created."
            )
        decisions.append(decision)
    return decisions


def _on_match(
    job: ImportJob, decision: Decision, target: str, label: str, current: dict[int, Any]
) -> tuple[str, str]:
    if job.on_match == "skip":
        return f"Matches {target} on {label}; left as it is (on match: skip).", Action.UNCHANGED
    if job.on_match == "create":
        return f"Matches {target} on {label}; created anyway (on match: create).", Action.CREATE
    data = decision.source.data
    assert data is not None  # noqa: S101 - rejects never reach here
    if decision.match_position is None and decision.match_record_id in current:
        existing = current[decision.match_record_id]
        new_barcodes = {i.barcode for i in decision.source.items} - set(existing["barcodes"])
        if _comparable(data) == existing["comparable"] and not new_barcodes:
            return f"Identical to {target} (matched on {label}).", Action.UNCHANGED
    return f"Matches {target} on {label}; it is updated.", Action.UPDATE


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


def _barcodes_taken(barcodes: set[str]) -> dict[str, int]:
    """The record holding each of these barcodes, for those the catalog has."""
    if not barcodes:
        return {}
    with bulk_cursor() as cursor:
        cursor.execute(
            "SELECT barcode, record_id FROM catalog_item WHERE barcode = ANY(%s)", [list(barcodes)]
        )
        return dict(cursor.fetchall())


def _matches_in_job(job: ImportJob, keys: set[str]) -> dict[str, tuple[int, int | None]]:
    """Earlier rows of the same (staged, not yet committed) file with one of these keys."""
    if not keys:
        return {}
    rows = (
        ImportRow.objects.filter(job=job, match_key__in=keys)
        .exclude(action=Action.REJECT)
        .order_by("position")
        .values_list("match_key", "position", "match_record_id")
    )
    earlier: dict[str, tuple[int, int | None]] = {}
    for key, position, record_id in rows:
        earlier.setdefault(key, (position, record_id))
    return earlier


def _comparable(data: RecordData) -> dict[str, Any]:
    return {
        "title": data.title.strip(),
        "subtitle": data.subtitle,
        "publisher": data.publisher,
        "publication_year": data.publication_year,
        "edition": data.edition,
        "language": data.language,
        "series": data.series,
        "summary": data.summary,
        "control_number": data.control_number,
        "control_number_source": data.control_number_source,
        "contributors": [(name_key(n), r) for n, r in data.contributors if name_key(n)],
        "subjects": sorted({(s, name_key(h)) for h, s in data.subjects if name_key(h)}),
        "identifiers": sorted(set(data.identifiers)),
    }


def record_snapshots(record_ids: list[int]) -> dict[int, dict[str, Any]]:
    """What the catalog holds for these records, in a form to compare with and to restore."""
    snapshots: dict[int, dict[str, Any]] = {}
    if not record_ids:
        return snapshots
    fields = [
        "id",
        "title",
        "subtitle",
        "publisher",
        "publication_year",
        "edition",
        "language",
        "series",
        "summary",
        "control_number",
        "control_number_source",
        "sort_title",
        "source_marc",
    ]
    for row in Record.objects.filter(pk__in=record_ids).values(*fields):
        marc = row.pop("source_marc")
        snapshots[row["id"]] = {
            **row,
            "source_marc": base64.b64encode(bytes(marc)).decode() if marc else None,
            "contributors": [],
            "subjects": [],
            "identifiers": [],
            "barcodes": [],
        }
    credits = RecordContributor.objects.filter(record_id__in=record_ids).order_by(
        "record_id", "position"
    )
    for record_id, name, role in credits.values_list("record_id", "contributor__name", "role"):
        snapshots[record_id]["contributors"].append((name, role))
    links = RecordSubject.objects.filter(record_id__in=record_ids).order_by("record_id", "position")
    for record_id, heading, scheme in links.values_list(
        "record_id", "subject__heading", "subject__scheme"
    ):
        snapshots[record_id]["subjects"].append((heading, scheme))
    for record_id, kind, value in Identifier.objects.filter(record_id__in=record_ids).values_list(
        "record_id", "kind", "value"
    ):
        snapshots[record_id]["identifiers"].append((kind, value))
    for record_id, barcode in Item.objects.filter(record_id__in=record_ids).values_list(
        "record_id", "barcode"
    ):
        snapshots[record_id]["barcodes"].append(barcode)
    for snapshot in snapshots.values():
        snapshot["comparable"] = _comparable(_snapshot_data(snapshot))
    return snapshots


def _snapshot_data(snapshot: dict[str, Any]) -> RecordData:
    return RecordData(
        title=snapshot["title"],
        subtitle=snapshot["subtitle"],
        publisher=snapshot["publisher"],
        publication_year=snapshot["publication_year"],
        edition=snapshot["edition"],
        language=snapshot["language"],
        series=snapshot["series"],
        summary=snapshot["summary"],
        control_number=snapshot["control_number"],
        control_number_source=snapshot["control_number_source"],
        contributors=[tuple(pair) for pair in snapshot["contributors"]],
        subjects=[tuple(pair) for pair in snapshot["subjects"]],
        identifiers=[tuple(pair) for pair in snapshot["identifiers"]],
        source_marc=base64.b64decode(snapshot["source_marc"]) if snapshot["source_marc"] else None,
    )


# --- Applying --------------------------------------------------------------------------------


def _apply(decisions: list[Decision], feed: "_Feed", plan: "_CreatePlan | None" = None) -> None:
    creates = [d for d in decisions if d.action == Action.CREATE]
    updates = [d for d in decisions if d.action == Action.UPDATE]
    if creates:
        _records_create(creates, feed, plan)
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
    feed = _Feed()
    _records_create(decisions, feed)
    feed.write()
    return [d.record_id for d in decisions if d.record_id is not None]


class _Feed:
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


def _prepared(source: SourceRecord) -> Prepared:
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
    cells = (
        text(title), text(data.subtitle), text(data.publisher), year, text(data.edition),
        text(data.language), text(data.series), text(data.summary), text(data.control_number),
        text(data.control_number_source), marc, text(sort_title_for(title, data.nonfiling)),
    )  # fmt: skip
    return Prepared(
        record="\t".join(cells),
        names=names,
        credits=credits,
        headings=headings,
        links=links,
        identifiers=[f"{text(k)}\t{text(v)}" for k, v in sorted(set(data.identifiers))],
        title=text(title[:300]),
    )


@dataclass
class _CreatePlan:
    """New records' ids and COPY lines, ready to write."""

    ids: list[int]
    records: list[str]
    credits: list[str]
    links: list[str]
    identifiers: list[str]
    items: "_ItemsPlan | None" = None  # planned ahead, with the barcodes free at the time


def _records_create(
    decisions: list[Decision], feed: _Feed, plan: _CreatePlan | None = None
) -> None:
    """Create many records with COPY: records with their search vectors, credits, subjects,
    identifiers, copies and their change-feed entries."""
    plan = plan or _creates_plan(decisions)
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


def _creates_plan(decisions: list[Decision]) -> _CreatePlan:
    """The records' ids (from the table's sequence), their contributors and subjects (found or
    made), and their COPY lines. Sets each decision's record id."""
    now = timezone.now().isoformat()
    ids = ids_reserve(Record, len(decisions))
    prepared = [_prepared(d.source) for d in decisions]
    names: dict[str, str] = {}
    headings: dict[tuple[str, str], str] = {}
    for p in prepared:
        names.update(p.names)
        headings.update(p.headings)
    contributors = contributors_by_key(names)
    subjects = subjects_by_key(headings)
    head = f"\t1\t{now}\t{now}\t"
    plan = _CreatePlan(ids, [], [], [], [])
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


@dataclass
class _ItemsPlan:
    """Copies' ids and COPY lines, and the decision each belongs to."""

    ids: list[int]
    lines: list[str]
    owners: list[Decision]


def _items_create(decisions: list[Decision]) -> list[int]:
    """Copies of the decided records; a barcode already in the catalog is left out."""
    return _items_copy(_items_plan(decisions))


def _items_write(plan: _ItemsPlan, decisions: list[Decision]) -> list[int]:
    """Copies planned ahead; if a barcode was given to another copy since, planned again."""
    try:
        with transaction.atomic():  # a savepoint, to go back to if a barcode is taken
            return _items_copy(plan)
    except (IntegrityError, DatabaseIntegrityError):
        return _items_create(decisions)


def _items_copy(plan: _ItemsPlan) -> list[int]:
    lines_copy(Item._meta.db_table, ITEM_COLUMNS, plan.lines)
    for item_id, decision in zip(plan.ids, plan.owners, strict=True):
        decision.created_item_ids.append(item_id)
    return plan.ids


def _items_plan(decisions: list[Decision]) -> _ItemsPlan:
    wanted = [(d, item) for d in decisions for item in d.source.items]
    if not wanted:
        return _ItemsPlan([], [], [])
    taken = set(_barcodes_taken({i.barcode for _, i in wanted}))
    locations = _locations({i.location for _, i in wanted if i.location})
    fresh = []
    for decision, item in wanted:
        if item.barcode not in taken:
            taken.add(item.barcode)
            fresh.append((decision, item))
    ids = ids_reserve(Item, len(fresh))
    now = timezone.now().isoformat()
    tail = f"\t{Item.Status.AVAILABLE.value}\t\t\t1\t{now}\t{now}"
    plan = _ItemsPlan(ids, [], [])
    for item_id, (decision, item) in zip(ids, fresh, strict=True):
        plan.owners.append(decision)
        location = cell(locations.get(item.location))
        plan.lines.append(
            f"{item_id}\t{decision.record_id}\t{text(item.barcode)}\t{text(item.call_number)}"
            f"\t{location}{tail}"
        )
    return plan


ITEM_COLUMNS = [
    "id", "record_id", "barcode", "call_number", "location_id", "status", "public_note",
    "staff_note", "version", "created_at", "updated_at",
]  # fmt: skip


def _locations(codes: set[str]) -> dict[str, int]:
    """Location ids by code, creating the missing ones (named after their code)."""
    if not codes:
        return {}
    with bulk_cursor() as cursor:
        cursor.execute(
            "INSERT INTO catalog_location (code, name) SELECT c, c FROM unnest(%s::text[]) AS c "
            "ON CONFLICT DO NOTHING",
            [sorted(codes)],
        )
        cursor.execute("SELECT code, id FROM catalog_location WHERE code = ANY(%s)", [list(codes)])
        return dict(cursor.fetchall())


def _record_update(decision: Decision, feed: _Feed) -> None:
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
        _records_create([decision], feed)
        return
    decision.previous = record_snapshots([record_id]).get(record_id)
    if decision.previous is None:  # deleted since staging
        decision.action = Action.CREATE
        _records_create([decision], feed)
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


def _rows_write(job: ImportJob, decisions: list[Decision], *, applied: bool) -> None:
    lines = []
    for d in decisions:
        source = d.source
        keep_data = not applied and source.data is not None
        title = _prepared(source).title if source.data is not None else ""
        # Rejects keep their bytes for the rejects file; staged rows for the commit.
        keep_raw = d.action == Action.REJECT or keep_data
        committed = "t" if applied and d.action in (Action.CREATE, Action.UPDATE) else "f"
        lines.append(
            f"{job.pk}\t{source.position}\t{d.action}\t{text((d.reason or source.error)[:2000])}"
            f"\t{title}\t{text(source.identifiers)}\t{text(d.match_key[:100])}"
            f"\t{cell(d.match_record_id)}\t{cell(d.match_position)}"
            f"\t{cell(data_to_json(source.data, source.items)) if keep_data else _NULL}"  # type: ignore[arg-type]
            f"\t{cell(source.raw) if keep_raw else _NULL}\t{committed}\t{cell(d.record_id)}"
            f"\t{cell(d.previous)}\t{cell(d.created_item_ids)}"
        )
    lines_copy(ImportRow._meta.db_table, ROW_COLUMNS, lines)


ROW_COLUMNS = [
    "job_id", "position", "action", "reason", "title", "identifiers", "match_key",
    "match_record_id", "match_position", "data", "raw", "committed", "record_id", "previous",
    "created_item_ids",
]  # fmt: skip


def _rows_mark_committed(job: ImportJob, decisions: list[Decision]) -> None:
    done = [d for d in decisions if d.action in (Action.CREATE, Action.UPDATE)]
    for d in done:
        ImportRow.objects.filter(job=job, position=d.source.position).update(
            committed=True,
            record_id=d.record_id,
            previous=d.previous,
            created_item_ids=d.created_item_ids,
            action=d.action,
        )


def _changes_note(job: ImportJob, last_change: int | None) -> None:
    """Keep the feed ids the job's records reached, for revert to find later edits: every
    record a chunk creates or updates has its entry in the chunk's feed."""
    if last_change is not None:
        job.last_change_id = max(job.last_change_id or 0, last_change)
        if job.first_change_id is None:
            job.first_change_id = last_change


# --- Reverting -------------------------------------------------------------------------------


@transaction.atomic
def import_job_revert(*, job_id: int) -> ImportJob:
    """Remove the records a job created and restore those it updated, if nothing touched
    them since."""
    job = _locked(job_id)
    if job.status != Status.COMMITTED or job.dry_run:
        raise Conflict(f"Only a committed import can be reverted; this one is {job.status}.")
    rows = ImportRow.objects.filter(job=job, committed=True)
    record_ids = rows.values("record_id")
    later = Change.objects.filter(
        entity=Change.Entity.RECORD, entity_id__in=record_ids, id__gt=job.last_change_id or 0
    ).order_by("id")
    touched = list(later.values_list("entity_id", flat=True)[:5])
    if touched:
        raise Conflict(
            "Records of this import changed after it (records "
            f"{', '.join(map(str, touched))}); this import can no longer be reverted.",
            code="revert_refused",
        )
    made = rows.filter(action=Action.CREATE).values_list("record_id", flat=True)
    created = [pk for pk in made if pk is not None]
    search_terms_lock()
    for start in range(0, len(created), 5000):
        ids = created[start : start + 5000]
        item_ids = list(Item.objects.filter(record_id__in=ids).values_list("pk", flat=True))
        Item.objects.filter(pk__in=item_ids).delete()
        Record.objects.filter(pk__in=ids).delete()
        changes_log(Change.Entity.ITEM, item_ids, Change.Action.DELETED)
        changes_log(Change.Entity.RECORD, ids, Change.Action.DELETED)
    for row in rows.filter(action=Action.UPDATE).order_by("-position").iterator():
        if row.created_item_ids:
            Item.objects.filter(pk__in=row.created_item_ids).delete()
            changes_log(Change.Entity.ITEM, row.created_item_ids, Change.Action.DELETED)
        if row.previous and row.record_id is not None:
            data = _snapshot_data(row.previous)
            record_update(record_id=row.record_id, data=data)
            Record.objects.filter(pk=row.record_id).update(
                sort_title=row.previous["sort_title"], source_marc=data.source_marc
            )
    job.status = Status.REVERTED
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at", "updated_at"])
    return job


# --- Recovery --------------------------------------------------------------------------------


def import_jobs_resumable() -> tuple[list[int], float | None]:
    """Active jobs nobody holds (their task was lost with a worker or the broker), and the
    seconds until the next held lease expires (None when no job is active)."""
    now = timezone.now()
    active = ImportJob.objects.filter(status__in=ACTIVE)
    free = list(
        active.filter(Q(lease_owner="") | Q(lease_expires_at__lt=now)).values_list("pk", flat=True)
    )
    held = active.exclude(lease_owner="").filter(lease_expires_at__gte=now)
    soonest = held.order_by("lease_expires_at").values_list("lease_expires_at", flat=True).first()
    wait = (soonest - now).total_seconds() if soonest else None
    return free, wait
