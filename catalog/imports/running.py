"""Running a job's turn on the worker: its time slice, and its stage and commit loops."""

import gc
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import closing, contextmanager
from typing import cast

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper

from catalog.imports.accounting import (
    changes_note,
    decisions_count,
    statistics_refresh,
)
from catalog.imports.ahead import Planned, Written, chunks_planned, chunks_read, read_ahead
from catalog.imports.deciding import Action, Decision, chunk_decide
from catalog.imports.leasing import LeaseLost, lease_renew
from catalog.imports.models import ImportJob, ImportRow
from catalog.imports.outdated import catalog_moved_on_check
from catalog.imports.writing import Feed, decisions_apply, rows_mark_committed, rows_write
from common.sql import one_cursor

# How often a pausing import looks whether the readers are still there.
_GIVE_WAY_STEP_SECONDS = 0.1


class Slice:
    """A job's turn on the worker: up every STACKS_IMPORT_SLICE_SECONDS if other work waits
    for the worker (`others_waiting`; without it, always), else it runs on; but never longer
    than a quarter of the broker's visibility timeout, past which the broker would hand the
    task, still unacknowledged, to another worker.

    The reader thread reads ahead only while the turn lasts (`reading_goes_on`): past the
    deadline, it waits for the writer to say whether the turn goes on, and the writer writes
    every chunk read before it ends the turn, so no chunk is read twice.

    While people are being served (`readers_active`), the job gives way after each chunk:
    it pauses STACKS_IMPORT_GIVE_WAY times as long as its work since the last pause took, and
    its reader thread waits too (`moving` is clear meanwhile). Sharing the processors and the
    disk, an import slows every search on the machine; priority alone does not keep it off
    them, pauses do. While nobody reads, it never pauses."""

    def __init__(
        self,
        others_waiting: Callable[[], bool] | None,
        readers_active: Callable[[], bool] | None = None,
    ) -> None:
        self.others_waiting = others_waiting
        self.readers_active = readers_active
        self.moving = threading.Event()
        self.moving.set()
        now = time.monotonic()
        self.deadline = now + settings.STACKS_IMPORT_SLICE_SECONDS
        visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
        self.longest = now + visibility / 4
        self.working_since = now
        # Set by the writer's thread, read by the reader's: the turn's end, once decided, and
        # how many times the writer found the deadline passed.
        self.ended = False
        self.verdicts = 0

    def give_way(self) -> None:
        """Pause while readers are served, up to STACKS_IMPORT_GIVE_WAY times as long as the
        work since the last pause took (never so long that the job's lease could run out).
        The pause ends as soon as nobody reads: the budget is no debt to pay off alone."""
        worked = time.monotonic() - self.working_since
        factor = settings.STACKS_IMPORT_GIVE_WAY
        if factor > 0 and self.readers_active is not None:
            until = time.monotonic() + min(
                worked * factor, settings.STACKS_IMPORT_LEASE_SECONDS / 4
            )
            self.moving.clear()
            try:
                while time.monotonic() < until and self.readers_active():
                    time.sleep(min(_GIVE_WAY_STEP_SECONDS, max(until - time.monotonic(), 0)))
            finally:
                self.moving.set()
        self.working_since = time.monotonic()

    def over(self) -> bool:
        """Whether the job gives the worker up now (checked after each chunk, once it has
        given way to any readers)."""
        self.give_way()
        now = time.monotonic()
        if now <= self.deadline:
            return False
        if now > self.longest or self.others_waiting is None or self.others_waiting():
            self.ended = True
        else:
            self.deadline = now + settings.STACKS_IMPORT_SLICE_SECONDS
        self.verdicts += 1
        return self.ended

    def reading_goes_on(self, written: Written, handed: int) -> bool:
        """Whether the reader thread, having handed `handed` chunks to the writer, reads
        another: before the deadline, yes; past it, once the writer has said whether the turn
        goes on (or has written all it was handed, whose last verdict then holds)."""
        seen = self.verdicts  # before the deadline: the writer moves it, then counts
        if time.monotonic() <= self.deadline:
            return True
        written.wait_until(lambda: self.verdicts > seen or written.count >= handed)
        return not self.ended


@contextmanager
def collector_eased() -> Iterator[None]:
    """The interpreter tuned while a job runs, then put back.

    Fewer cyclic garbage collections: the chunks are freed by reference counting, but each
    makes some hundred thousand container objects, and every pass of the collector walks them
    and everything the worker holds. The worker's own objects are set aside (frozen)
    meanwhile. And a shorter switch interval, so the writer, back from the database, does not
    wait long for the reader thread to let go of the interpreter."""
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


def stage_slice(job: ImportJob, owner: str, turn: Slice) -> bool:
    """Stage the job's next chunks (and write them too, in one-shot mode) until the turn is
    over or the file is read; True when work remains. Each chunk is one transaction that
    also moves the job's checkpoint."""
    apply_now = job.one_shot and not job.dry_run
    stop = threading.Event()
    written = Written(stop, turn.moving)
    # Planning ahead needs a second connection, which sees only what is committed: inside a
    # transaction of the caller's (a test's, say) the chunks are decided here instead.
    ahead = not connection.in_atomic_block
    planned = (
        chunks_planned(job, cast(TenantDatabaseWrapper, connection).tenant, written)
        if ahead
        else chunks_read(job)
    )
    checkpoint = job.staged_through
    for number, step in enumerate(read_ahead(_within(turn, written, planned), stop=stop), 1):
        chunk, read = step.chunk, step.read
        with transaction.atomic(), one_cursor():
            locked = lease_renew(job.pk, owner)
            if locked.staged_through != checkpoint:
                # Another run of this slice's task (a redelivered message) got here first.
                raise LeaseLost(job.pk)
            decisions = (
                step.decisions if step.decisions is not None else chunk_decide(locked, chunk)
            )
            feed = Feed()
            if apply_now:
                decisions_apply(decisions, feed, step.plan)
            rows_write(locked, decisions, applied=apply_now)
            last_change = feed.write()
            locked.staged_through = checkpoint = chunk[-1].position
            locked.bytes_read = read
            if apply_now:
                locked.committed_through = locked.staged_through
                changes_note(locked, last_change)
            decisions_count(locked, decisions)
            locked.save()
        if not ahead:
            made = sum(1 for d in decisions if d.action == Action.CREATE)
            statistics_refresh(locked.created, made)
        # Once the turn is over, the chunks already read are still written (the reader
        # reads no more): reading them again next turn would cost more.
        if turn.ended:
            turn.give_way()
        else:
            turn.over()
        written.advance(number)
    if turn.ended:
        return True
    with transaction.atomic():
        locked = lease_renew(job.pk, owner)
        locked.total = locked.created + locked.updated + locked.unchanged + locked.rejected
        locked.staged_at = timezone.now()
        if locked.one_shot and not locked.dry_run:
            locked.status = ImportJob.Status.COMMITTED
            locked.committed_at = locked.finished_at = locked.staged_at
        else:
            locked.status = ImportJob.Status.STAGED
        locked.save()
    return False


def _within(
    turn: Slice, written: Written, planned: Generator[Planned, None, None]
) -> Iterator[Planned]:
    """The chunks of `planned` that the turn has time for, on the reader thread; `planned` is
    closed there too, so the reader's connection is closed by the thread that opened it."""
    with closing(planned):
        for number, step in enumerate(planned, start=1):
            yield step
            if not turn.reading_goes_on(written, number):
                return


def commit_slice(job: ImportJob, owner: str, turn: Slice) -> bool:
    """Write a staged job's rows, chunk by chunk, until the turn is over or all are
    committed; True when work remains."""
    size = settings.STACKS_IMPORT_CHUNK_SIZE
    while True:
        with transaction.atomic(), one_cursor():
            locked = lease_renew(job.pk, owner)
            if locked.committed_through == 0:
                # Another import may have been committed between the request and this turn.
                catalog_moved_on_check(locked)
            rows = list(
                ImportRow.objects.filter(job=locked, position__gt=locked.committed_through)
                .order_by("position")
                .defer("previous")[:size]
            )
            if not rows:
                locked.status = ImportJob.Status.COMMITTED
                locked.committed_at = locked.finished_at = timezone.now()
                locked.save()
                return False
            decisions = [Decision.from_row(row, locked.format) for row in rows]
            feed = Feed()
            decisions_apply(decisions, feed)
            rows_mark_committed(locked, decisions)
            last_change = feed.write()
            locked.committed_through = rows[-1].position
            changes_note(locked, last_change)
            locked.save()
        if turn.over():
            return True
