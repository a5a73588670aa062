"""Running ahead of the writer: chunks read, decided and planned on a reader thread.

The reader thread has a database connection of its own, so a chunk is decided and its rows
laid out while the writer commits the chunk before.
"""

import math
import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, replace
from queue import Full, Queue
from typing import Any, cast

from django.conf import settings
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy
from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper

from catalog.imports.accounting import statistics_refresh
from catalog.imports.deciding import (
    Action,
    CopiesFound,
    Decision,
    chunk_barcodes,
    chunk_decide,
    copies_found,
    match_keys,
)
from catalog.imports.formats import READERS, SEEKABLE
from catalog.imports.formats.source import SourceRecord
from catalog.imports.leasing import LeaseLost
from catalog.imports.models import ImportJob
from catalog.imports.plans import CreatePlan, creates_plan, items_plan, record_prepared
from catalog.languages import MARC_FOR_TERMINOLOGY
from catalog.services import item_text_changes, record_data_cleaned, record_language_refusal
from common.errors import ApplicationError
from common.sql import lock_waits_retried


def _sources(job: ImportJob) -> Iterator[tuple[SourceRecord, int]]:
    """The job's records from its checkpoint on, with the bytes read through each."""
    reader = READERS[job.format]
    with job.file.open("rb") as stream:
        offset = job.bytes_read if job.format in SEEKABLE else 0
        yield from reader(stream, start_after=job.staged_through, start_offset=offset)


def chunk_size(*, done: int, records_left: float | None) -> int:
    """How many records the next chunk holds, `done` records into this run of the job, with
    about `records_left` still in the file (None when not yet known).

    The reader and the writer work on consecutive chunks at once, except while the first
    chunk is read (the writer has nothing yet) and while the last is written (the reader is
    done): on a small import, those two full chunks were a good share of its time. So a
    chunk holds no more than the chunks before it (the first ones are small and the writer
    starts early), and no more than half of what is left (the last ones are small again);
    between them, STACKS_IMPORT_CHUNK_SIZE."""
    size = settings.STACKS_IMPORT_CHUNK_SIZE
    smallest = max(size // 4, 1)
    wanted = min(size, max(smallest, done))
    if records_left is not None:
        wanted = min(wanted, max(smallest, math.ceil(records_left / 2)))
    return wanted


def _chunks(job: ImportJob) -> Iterator[tuple[list[SourceRecord], int, set[str]]]:
    """Chunks of records (as many as `chunk_size` says), with the bytes read through each and
    the keys and barcodes each holds; a record repeating a key of its chunk starts the next
    chunk, so it is matched against the earlier one once that is written."""
    chunk: list[SourceRecord] = []
    seen: set[str] = set()
    read = 0
    size = chunk_size(done=0, records_left=None)
    done = 0
    first_read: int | None = None  # bytes read through this run's first record
    for source, read_after in _sources(job):
        if source.data is not None:
            _controls_cleaned(source)
            _language_checked(source)
            source.keys = match_keys(source.data, job.match_on)
            record_prepared(source)
        keys = set(source.keys)
        barcodes = {f"item:{i.barcode.upper()}" for i in source.items}  # alike in any case
        if chunk and (len(chunk) >= size or keys & seen or barcodes & seen):
            yield chunk, read, seen
            done += len(chunk)
            # What is left, estimated from the bytes the records read so far took each.
            left = None
            if first_read is not None and done > 1 and read > first_read:
                left = max(job.file_size - read, 0) * (done - 1) / (read - first_read)
            size = chunk_size(done=done, records_left=left)
            chunk, seen = [], set()
        if first_read is None:
            first_read = read_after
        chunk.append(source)
        seen |= keys | barcodes
        read = read_after
    if chunk:
        yield chunk, read, seen


_CONTROLS_READ = gettext_lazy(
    "Control characters (a line break pasted from Word, say) in %(fields)s were read as spaces."
)


def _controls_cleaned(source: SourceRecord) -> None:
    """The record's text and its copies' as the catalog's services store them, saying which
    fields they changed (whatever the format, so every reader's records are cleaned alike)."""
    assert source.data is not None  # noqa: S101 - only records read are cleaned
    source.data, changed = record_data_cleaned(source.data)
    source.fields_warned(_CONTROLS_READ, changed)
    for position, item in enumerate(source.items):
        changes = item_text_changes(
            call_number=item.call_number, public_note=item.public_note, staff_note=item.staff_note
        )
        if changes:
            source.items[position] = replace(item, **changes)
            source.warnings.append(
                gettext(
                    "Control characters (a tab or a line break pasted from Word, say) in "
                    "%(fields)s of copy %(barcode)s were read as spaces."
                )
                % {"fields": ", ".join(changes), "barcode": item.barcode}
            )


def _language_checked(source: SourceRecord) -> None:
    """The record's language as the catalog's services take it: an ISO 639-2/T code (fra) as
    MARC writes its language (fre); any other code not in MARC's list left out, for a record
    without a language is still found and lent, and a code no one can read is worth less than
    the record. The row says which, with the code as the file gave it."""
    assert source.data is not None  # noqa: S101 - only records read are checked
    language = source.data.language
    if language in MARC_FOR_TERMINOLOGY:
        marc = MARC_FOR_TERMINOLOGY[language]
        source.data = replace(source.data, language=marc)
        source.warnings.append(
            gettext(
                "The language \u201c%(language)s\u201d is an ISO 639-2/T code: it is read as "
                "\u201c%(marc)s\u201d, as MARC writes this language."
            )
            % {"language": language, "marc": marc}
        )
    elif refused := record_language_refusal(language):
        source.data = replace(source.data, language="")
        source.warnings.append(
            gettext("%(reason)s The record is imported without a language.") % {"reason": refused}
        )


@dataclass
class Planned:
    """A chunk read, and (when planned ahead) decided with its new records' rows ready."""

    chunk: list[SourceRecord]
    read: int
    decisions: list[Decision] | None = None
    plan: CreatePlan | None = None


class Written:
    """How many chunks the writing thread has committed, for the planning thread to wait on;
    and whether the writer is moving (`moving` clear while it gives way to readers)."""

    def __init__(self, stop: threading.Event, moving: threading.Event | None = None) -> None:
        self.count = 0
        self.stop = stop
        self.changed = threading.Condition()
        self.moving = moving

    def advance(self, count: int) -> None:
        with self.changed:
            self.count = count
            self.changed.notify_all()

    def go_on(self) -> None:
        """Wait while the writer gives way, so that the job as a whole pauses."""
        if self.moving is None:
            return
        while not self.moving.wait(0.1):
            if self.stop.is_set():
                raise LeaseLost("the import's writer stopped")

    def wait(self, count: int) -> None:
        self.wait_until(lambda: self.count >= count)

    def wait_until(self, done: Callable[[], bool]) -> None:
        """Wait until `done` says so, looked at each time the writer advances."""
        with self.changed:
            while not done():
                if self.stop.is_set():
                    raise LeaseLost("the import's writer stopped")
                self.changed.wait(0.1)


def chunks_read(job: ImportJob) -> Generator[Planned, None, None]:
    """The job's chunks as read, left to the writer to decide (inside a caller's transaction,
    where a second connection would not see what the writer wrote)."""
    for chunk, read, _ in _chunks(job):
        yield Planned(chunk, read)


def chunks_planned(job: ImportJob, tenant: Any, written: Written) -> Generator[Planned, None, None]:
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
            written.go_on()
            for earlier, their_keys, _ in pending:
                if their_keys & keys:
                    written.wait(earlier)
            while True:
                # Chunks committed while this one is decided may not all be seen by it: the
                # clash test counts only those committed before it started.
                committed = written.count
                copies = copies_found(chunk_barcodes(chunk))
                decisions = chunk_decide(job, chunk, copies)
                matched = {d.match_record_id for d in decisions if d.match_record_id is not None}
                clash = [n for n, _, theirs in pending if n > committed and theirs & matched]
                if not clash:
                    break
                written.wait(max(clash))
            creates = [d for d in decisions if d.action == Action.CREATE]
            plan = plan_ahead(creates, written.stop, copies) if apply_now and creates else None
            if plan is not None:
                planned_creates += len(creates)
                # The lookups' statistics, refreshed here rather than by the writer.
                statistics_refresh(planned_creates, len(creates))
            pending = [p for p in pending if p[0] > written.count]
            pending.append((number, keys, matched))
            yield Planned(chunk, read, decisions, plan)
    finally:
        connection.close()


def plan_ahead(
    creates: list[Decision], stop: threading.Event, copies: CopiesFound | None = None
) -> CreatePlan:
    """Plan new records and their copies (creates_plan, items_plan) in a transaction of the
    reader's that gives up any lock wait and starts again. Its contributors, subjects and
    locations may be the ones the writer's open chunk is inserting (an update's new heading,
    say) while the writer waits for one the plan inserted: the plan, not the chunk, steps
    back. Its commit is not flushed on its own: the chunk that uses what it made commits
    after it in the WAL, so a crash that loses the plan loses that chunk too. The copies are
    planned with `copies`, what deciding the chunk found of their barcodes a moment before."""

    def plan() -> CreatePlan:
        made = creates_plan(creates)
        made.items = items_plan(creates, copies)
        return made

    planned = lock_waits_retried(
        plan,
        attempts=100,
        pause=lambda attempt: 0.02 * attempt,  # the writer's chunk commits meanwhile
        give_up=stop.is_set,
        local_settings=["synchronous_commit = off"],
    )
    if planned is None:
        raise ApplicationError(
            gettext("The import could not plan a chunk: its rows stayed locked.")
        )
    return planned


def read_ahead(
    chunks: Iterator[Any], depth: int = 2, stop: threading.Event | None = None
) -> Iterator[Any]:
    """The items of `chunks`, produced on a thread of their own while the caller works on the
    one before: the parser runs while the database works, and memory holds at most `depth`
    items more. The iterator is closed on that thread, so what it holds is released where it
    was taken; closing this generator (or setting `stop`) stops that thread."""
    queue: Queue[Any] = Queue(maxsize=depth)
    stop = stop or threading.Event()
    done = object()
    # What the reader writes for people (reasons, warnings) is in the caller's language.
    language = translation.get_language()

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
            with translation.override(language):
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
