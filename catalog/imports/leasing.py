"""Leasing: one worker at a time holds an import or export job, and loses it if it stops
renewing, or, for an import, as soon as its holder's heartbeat stops."""

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Now
from django.utils import timezone
from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper

from catalog.imports.accounting import peak_memory_keep
from catalog.imports.models import ExportJob, ImportJob, LeaseHeartbeat
from common.cache import ReusedClientRedisCache
from common.sql import bulk_cursor

logger = logging.getLogger(__name__)

# A holder that misses this many stamps in a row is gone: one late stamp (a busy machine) is
# no death.
HEARTBEATS_MISSED = 3
# The libraries whose import holders stamped a heartbeat lately, in the shared cache: the
# watchers' frequent look for a stopped heartbeat reads only their tables.
_HEARTBEAT_LIBRARIES = "import-heartbeats"


class LeaseLost(Exception):
    """Another worker took the job over (ours expired); stop without writing."""


def lease_token() -> str:
    """A lease holder's name; a job's chain of tasks passes it on from slice to slice."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


Job = TypeVar("Job", ImportJob, ExportJob)


def heartbeat_stale_seconds() -> float:
    """How long after its last heartbeat a lease's holder counts as gone."""
    return settings.STACKS_IMPORT_HEARTBEAT_SECONDS * HEARTBEATS_MISSED


def _shared() -> ReusedClientRedisCache:
    return cast(ReusedClientRedisCache, caches["default"])


def library_heartbeating_mark(schema: str) -> None:
    """Note that an import holder of the library `schema` stamped its heartbeat just now."""
    keep = settings.STACKS_IMPORT_LEASE_SECONDS
    _shared().shared_mark(_HEARTBEAT_LIBRARIES, schema, keep_seconds=keep)


def libraries_heartbeating() -> frozenset[str]:
    """The schemas of the libraries whose import holders stamped a heartbeat within the last
    lease period: a heartbeat can have stopped since the watchers' last full round only there.
    None while Redis is away: the full round, once a lease period, still finds them."""
    return _shared().shared_marked_since(_HEARTBEAT_LIBRARIES, settings.STACKS_IMPORT_LEASE_SECONDS)


def _heartbeats(*, beating: bool) -> Exists:
    """Whether the job's holder stamps a heartbeat still (`beating`) or stamped one and then
    stopped. Stamps and this look both use the database's clock, so the workers' clocks need
    not agree to the second."""
    stamps = LeaseHeartbeat.objects.filter(owner=OuterRef("lease_owner"))
    return Exists(
        stamps.filter(alive_until__gte=Now()) if beating else stamps.filter(alive_until__lt=Now())
    )


def lease_free(now: datetime) -> Q:
    """Jobs nobody holds: no holder, a holder whose heartbeat has stopped, or one with no
    heartbeat (between turns, or an export's) whose lease has run out. A beating heartbeat
    keeps the lease however long a chunk takes."""
    return (
        Q(lease_owner="")
        | Q(_heartbeats(beating=False))
        | (Q(lease_expires_at__lt=now) & ~Q(_heartbeats(beating=True)))
    )


def leases_held(model: type[Job], now: datetime) -> QuerySet[Job]:
    """The library's active jobs of `model` whose holder's lease is still running."""
    return model.objects.filter(status__in=model.ACTIVE_STATUSES).exclude(lease_free(now))


def _lease_expiry(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.STACKS_IMPORT_LEASE_SECONDS)


def lease_claim(model: type[ImportJob | ExportJob], job_id: int, owner: str, **also: Any) -> bool:
    """Take (or keep) an active job's lease unless another holder's is still running, setting
    `also` on the job with it."""
    now = timezone.now()
    free = lease_free(now) | Q(lease_owner=owner)
    taken = (
        model.objects.filter(pk=job_id, status__in=model.ACTIVE_STATUSES)
        .filter(free)
        .update(
            lease_owner=owner, lease_expires_at=_lease_expiry(now), queue_missed_at=None, **also
        )
    )
    if taken:
        # The stamps of killed holders, once no job names them any longer.
        LeaseHeartbeat.objects.filter(alive_until__lt=Now()).exclude(
            owner__in=ImportJob.objects.values("lease_owner")
        ).exclude(owner__in=ExportJob.objects.values("lease_owner")).delete()
    return taken == 1


def lease_extend(model: type[ImportJob | ExportJob], job_id: int, owner: str) -> None:
    """Keep a job's lease running a while longer; refuse if it is no longer ours."""
    expires = _lease_expiry(timezone.now())
    if not model.objects.filter(pk=job_id, lease_owner=owner).update(lease_expires_at=expires):
        raise LeaseLost(job_id)


def lease_take(job_id: int, owner: str) -> bool:
    """Take (or keep) an import's lease unless another holder's is still running, or
    another import of the library holds one: an import decides what to create from what the
    catalog holds, so two at once would both create the same records. The library's lock
    makes the look and the take one step for jobs taken at the same moment."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext('import_lease'), hashtext(current_schema()))"
            )
        if leases_held(ImportJob, timezone.now()).exclude(pk=job_id).exists():
            return False
        return lease_claim(ImportJob, job_id, owner)


def lease_renew(job_id: int, owner: str) -> ImportJob:
    """Lock the job row for this chunk's transaction; refuse if the lease is no longer ours.

    The chunk's commit does not wait for its WAL to reach the disk: a database crash can lose
    at most the last chunks committed, and since each chunk moves the job's checkpoint in the
    same transaction, those chunks and their checkpoint are lost together and the next holder
    of the lease redoes them from the checkpoint that survived. Nothing is lost or doubled;
    waiting for every chunk's flush only made the import slower.

    Its foreign keys are checked as each COPY ends rather than all at the commit: the same
    checks, without queuing tens of thousands of deferred ones that each read their row
    again. Only when the chunk is the whole transaction: inside a caller's, the setting would
    outlive the chunk.
    """
    settings_sql = "SET LOCAL synchronous_commit = off"
    if len(connection.atomic_blocks) == 1:
        settings_sql += "; SET CONSTRAINTS ALL IMMEDIATE"
    with bulk_cursor() as cursor:
        cursor.execute(settings_sql)
    job = ImportJob.objects.select_for_update().get(pk=job_id)
    if job.lease_owner != owner or job.status not in ImportJob.ACTIVE_STATUSES:
        raise LeaseLost(job_id)
    job.lease_expires_at = _lease_expiry(timezone.now())
    peak_memory_keep(job)
    return job


def lease_release(job_id: int, owner: str) -> None:
    """Give an import's lease up, once the job has no work left for its holder."""
    ImportJob.objects.filter(pk=job_id, lease_owner=owner).update(
        lease_owner="", lease_expires_at=None
    )


class Heartbeat:
    """The stamps of one holder's heartbeat, from a thread of the process that works its turn.

    The stamps stop with the turn, unless the turn ends with more to do: the next turn is
    queued with the same holder, and the stamps go on until it starts (here or on another
    worker, which stamps them itself) or the lease runs out. A worker killed between two
    turns (its next turn taken from the broker and lost with it) is then noticed when its
    stamps stop, as one killed mid-turn is, not a lease later; one that lives on, however
    slow, keeps its job."""

    def __init__(self, owner: str, tenant: Any) -> None:
        self.owner = owner
        self.tenant = tenant
        self.until: float | None = None  # when the stamps stop, once the turn is over
        self.handed_over = False  # the holder's next turn stamps in this process now
        self.wake = threading.Event()
        self.thread = threading.Thread(target=self._stamp, name="lease-heartbeat", daemon=True)

    def next_turn_follows(self) -> None:
        """The turn ends with more to do: stamp on until the next one starts, for at most a
        lease period."""
        self.until = time.monotonic() + settings.STACKS_IMPORT_LEASE_SECONDS

    def _end(self) -> None:
        if self.until is None:
            self.until = time.monotonic()
        self.wake.set()
        if self.until <= time.monotonic():
            self.thread.join()
            return
        with _lingering_lock:
            _lingering[self.owner] = self

    def _hand_over(self) -> None:
        self.handed_over = True
        self.wake.set()
        self.thread.join()

    def _stamp(self) -> None:
        table = connection.ops.quote_name(LeaseHeartbeat._meta.db_table)
        stamp = (
            f"INSERT INTO {table} (owner, alive_until) "  # noqa: S608 - the model's table
            "VALUES (%s, statement_timestamp() + %s * interval '1 second') "
            "ON CONFLICT (owner) DO UPDATE SET alive_until = EXCLUDED.alive_until"
        )
        cast(TenantDatabaseWrapper, connection).set_tenant(self.tenant)
        try:
            while not self.handed_over:
                if self.until is not None and time.monotonic() >= self.until:
                    LeaseHeartbeat.objects.filter(owner=self.owner).delete()
                    break
                try:
                    with connection.cursor() as cursor:
                        cursor.execute(stamp, [self.owner, heartbeat_stale_seconds()])
                    library_heartbeating_mark(self.tenant.schema_name)
                except Exception:
                    # The turn itself meets the same outage and is tried again; the next
                    # stamp may get through.
                    logger.warning("could not stamp the heartbeat of %s", self.owner, exc_info=True)
                    connection.close()
                period = settings.STACKS_IMPORT_HEARTBEAT_SECONDS
                if self.until is not None:
                    period = max(min(period, self.until - time.monotonic()), 0)
                self.wake.wait(period)
                self.wake.clear()
        except Exception:
            # Left behind, the stamp stops and reads as a holder gone, which it soon is.
            logger.warning("could not remove the heartbeat of %s", self.owner, exc_info=True)
        finally:
            with _lingering_lock:
                if _lingering.get(self.owner) is self:
                    del _lingering[self.owner]
            connection.close()


# The heartbeats of this process's holders whose next turn is queued, by holder.
_lingering: dict[str, Heartbeat] = {}
_lingering_lock = threading.Lock()


@contextmanager
def lease_heartbeat(owner: str) -> Iterator[Heartbeat | None]:
    """Stamp the holder's heartbeat every STACKS_IMPORT_HEARTBEAT_SECONDS while the block
    runs, from a thread with a database connection of its own: a long chunk, a slow COPY or a
    slow database hold up neither the stamp nor, so, the lease; a killed process stops it,
    and its import is taken over within a few seconds. The stamp goes with the block, unless
    the block says its next turn is queued (`Heartbeat.next_turn_follows`).

    Inside a caller's transaction (a test's) there is no second connection to stamp from,
    and the lease's time alone counts, as before heartbeats."""
    if connection.in_atomic_block:
        yield None
        return
    with _lingering_lock:
        before = _lingering.pop(owner, None)
    if before is not None:
        before._hand_over()
    beat = Heartbeat(owner, cast(TenantDatabaseWrapper, connection).tenant)
    beat.thread.start()
    try:
        yield beat
    finally:
        beat._end()
