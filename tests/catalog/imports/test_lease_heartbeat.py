"""An import's lease and its holder's heartbeat: a holder whose heartbeat has stopped loses
the job at once, one whose heartbeat beats keeps it however long its turn takes."""

import time
from datetime import timedelta

from django.db.models.functions import Now
from django_tenants.utils import schema_context

from catalog.imports.jobs import import_job_work
from catalog.imports.leasing import (
    heartbeat_stale_seconds,
    lease_take,
    lease_token,
    library_heartbeating_mark,
)
from catalog.imports.models import ImportJob, LeaseHeartbeat
from catalog.imports.resuming import import_jobs_resumable
from catalog.models import Record
from tenants.activity import library_schemas_importing
from tests.catalog.imports.helpers import generated_job


def _stamp(owner: str, seconds_left: float) -> None:
    LeaseHeartbeat.objects.update_or_create(
        owner=owner, defaults={"alive_until": Now() + timedelta(seconds=seconds_left)}
    )


def test_a_holder_whose_heartbeat_stopped_loses_the_job_before_its_lease_ends(in_library, settings):
    settings.STACKS_IMPORT_LEASE_SECONDS = 3600
    job = generated_job(10)
    holder, other = lease_token(), lease_token()
    assert lease_take(job.pk, holder)
    _stamp(holder, seconds_left=60)

    assert not lease_take(job.pk, other)
    assert import_jobs_resumable()[0] == []

    _stamp(holder, seconds_left=-1)  # its process was killed a moment ago

    assert import_jobs_resumable()[0] == [job.pk]
    assert lease_take(job.pk, other)
    assert ImportJob.objects.get(pk=job.pk).lease_owner == other
    assert not LeaseHeartbeat.objects.filter(owner=holder).exists()  # no stamp left behind


def test_the_frequent_look_reads_only_libraries_whose_holders_beat_lately(
    library, other_library, settings
):
    """Every worker looks every few seconds for a stopped heartbeat: it must not read every
    library's tables to do so, only those where a holder stamped within the lease period."""
    settings.STACKS_IMPORT_LEASE_SECONDS = 3600
    for schema in (library.schema_name, other_library.schema_name):
        with schema_context(schema):
            holder = lease_token()
            assert lease_take(generated_job(10).pk, holder)
            _stamp(holder, seconds_left=-1)  # killed
    # Both have an import whose holder is gone; neither holder was seen beating.
    assert library_schemas_importing(heartbeat_stopped=True) == []
    library_heartbeating_mark(library.schema_name)
    assert library_schemas_importing(heartbeat_stopped=True) == [library.schema_name]
    # The full round, once a lease period, still finds both.
    assert sorted(library_schemas_importing()) == sorted(
        [library.schema_name, other_library.schema_name]
    )


def test_a_lease_without_a_heartbeat_still_lasts_its_time(in_library, settings):
    # Between two turns of a job nothing stamps: the lease's own time keeps the job queued
    # for its next turn.
    settings.STACKS_IMPORT_LEASE_SECONDS = 3600
    job = generated_job(10)
    assert lease_take(job.pk, lease_token())

    assert not lease_take(job.pk, lease_token())
    assert import_jobs_resumable()[0] == []


def test_a_holder_whose_turn_outlasts_its_heartbeat_and_lease_is_not_taken_over(
    live_library, settings
):
    """A turn that stalls between chunks three times as long as a heartbeat takes to go stale,
    and past the lease's own time, keeps its job: its heartbeat thread stamps on meanwhile."""
    settings.STACKS_IMPORT_HEARTBEAT_SECONDS = 0.2
    settings.STACKS_IMPORT_LEASE_SECONDS = 1
    settings.STACKS_IMPORT_CHUNK_SIZE = 100
    settings.STACKS_IMPORT_SLICE_SECONDS = 0
    stall = 3 * max(heartbeat_stale_seconds(), settings.STACKS_IMPORT_LEASE_SECONDS)
    taken_by_another = []
    free_meanwhile = []

    with schema_context(live_library.library.schema_name):
        job = generated_job(300)
        owner = lease_token()

        def slow_turn() -> bool:
            time.sleep(stall)
            free_meanwhile.append(import_jobs_resumable()[0])
            taken_by_another.append(lease_take(job.pk, lease_token()))
            return False  # nothing else waits: the turn goes on

        more = import_job_work(job_id=job.pk, owner=owner, others_waiting=slow_turn)
        job.refresh_from_db()
        records = Record.objects.count()
        stamps = LeaseHeartbeat.objects.filter(owner=owner).count()

    assert more is False
    assert taken_by_another
    assert not any(taken_by_another)
    assert free_meanwhile
    assert all(free == [] for free in free_meanwhile)
    assert (job.status, job.created, job.total, records) == ("committed", 300, 300, 300)
    assert stamps == 0  # the stamp goes with the turn
