"""Resuming imports: the active jobs nobody holds, and how long to wait for a held lease."""

from datetime import datetime

from django.utils import timezone

from catalog.imports.leasing import heartbeat_stale_seconds, lease_free, leases_held
from catalog.imports.models import ImportJob

# How often a job looks again while another import of its library runs.
OTHER_JOB_WAIT_SECONDS = 5.0


def import_job_lease_wait(job_id: int) -> float | None:
    """While the job is active, the seconds until its lease may be free to take (0 when it
    is): when its own is held, until it expires, but no longer than a heartbeat takes to go
    stale, since a holder may die at any moment; when another job of the library holds one,
    a few seconds, since that job lets its lease go as soon as it ends. None once the job has
    nothing left to do."""
    job = ImportJob.objects.filter(pk=job_id, status__in=ImportJob.ACTIVE_STATUSES).first()
    if job is None:
        return None
    now = timezone.now()
    held = leases_held(ImportJob, now)
    if held.filter(pk=job_id).exists():
        return _held_for(job.lease_expires_at, now, heartbeat_stale_seconds())
    other = list(held.values_list("lease_expires_at", flat=True)[:1])
    if not other:
        return 0.0
    return _held_for(other[0], now, OTHER_JOB_WAIT_SECONDS)


def _held_for(expires: datetime | None, now: datetime, most: float) -> float:
    """Seconds to wait, at most `most`, before looking again at a held lease: one whose time
    has run out is held by its holder's heartbeat, which may stop at any moment."""
    left = (expires - now).total_seconds() if expires is not None else 0.0
    return min(left, most) if left > 0 else most


def import_jobs_resumable() -> tuple[list[int], float | None]:
    """Active jobs nobody holds (their task was lost with a worker or the broker, or their
    holder's heartbeat stopped), and the seconds until a held lease may be free (None when
    no job is active)."""
    now = timezone.now()
    active = ImportJob.objects.filter(status__in=ImportJob.ACTIVE_STATUSES)
    free = list(active.filter(lease_free(now)).values_list("pk", flat=True))
    held = leases_held(ImportJob, now)
    soonest = held.order_by("lease_expires_at").values_list("lease_expires_at", flat=True)[:1]
    wait = _held_for(soonest[0], now, heartbeat_stale_seconds()) if soonest else None
    return free, wait
