"""Leasing: one worker at a time holds an import job, and loses it if it stops renewing."""

import os
import socket
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from catalog.imports.accounting import peak_memory_keep
from catalog.imports.models import ImportJob
from common.sql import bulk_cursor


class LeaseLost(Exception):
    """Another worker took the job over (ours expired); stop without writing."""


def lease_token() -> str:
    """A lease holder's name; a job's chain of tasks passes it on from slice to slice."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def leases_held(now: datetime) -> QuerySet[ImportJob]:
    """The library's active jobs whose holder's lease is still running."""
    return ImportJob.objects.filter(
        status__in=ImportJob.ACTIVE_STATUSES, lease_expires_at__gte=now
    ).exclude(lease_owner="")


def lease_take(job_id: int, owner: str) -> bool:
    """Take (or keep) an active job's lease unless another holder's is still running, or
    another job of the library holds one: an import decides what to create from what the
    catalog holds, so two at once would both create the same records. The library's lock
    makes the look and the take one step for jobs taken at the same moment."""
    now = timezone.now()
    expires = now + timedelta(seconds=settings.STACKS_IMPORT_LEASE_SECONDS)
    free = Q(lease_owner="") | Q(lease_expires_at__lt=now) | Q(lease_owner=owner)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext('import_lease'), hashtext(current_schema()))"
            )
        if leases_held(now).exclude(pk=job_id).exists():
            return False
        taken = (
            ImportJob.objects.filter(pk=job_id, status__in=ImportJob.ACTIVE_STATUSES)
            .filter(free)
            .update(lease_owner=owner, lease_expires_at=expires)
        )
    return taken == 1


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
    job.lease_expires_at = timezone.now() + timedelta(seconds=settings.STACKS_IMPORT_LEASE_SECONDS)
    peak_memory_keep(job)
    return job


def lease_release(job_id: int, owner: str) -> None:
    """Give the lease up, once the job has no work left for its holder."""
    ImportJob.objects.filter(pk=job_id, lease_owner=owner).update(
        lease_owner="", lease_expires_at=None
    )
