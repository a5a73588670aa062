"""An export written in turns (giving the worker up whenever other work waits) is the same file,
byte for byte, as one written at once, even when another worker takes it over half way."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from catalog.imports import exports
from catalog.imports.exports import export_job_create, export_job_work, export_job_write
from catalog.imports.leasing import lease_token
from catalog.imports.models import ExportJob, export_file_path
from tests.catalog.imports.helpers import MARC_DIR, job_import

FORMATS = ("csv", "marc", "marcxml", "jsonl")


@pytest.fixture
def catalog(in_library):  # type: ignore[no-untyped-def]
    job_import(MARC_DIR / "marc.dat", one_shot=True)  # 20 records, with copies


def _bytes(job: ExportJob) -> bytes:
    with job.file.open("rb") as stream:
        return stream.read()


def _part_files(job: ExportJob) -> list[str]:
    folder = export_file_path(job, "x").rsplit("/", 1)[0]
    try:
        _, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return []
    return [name for name in files if name.startswith(f"export-{job.pk}-part-")]


@pytest.fixture
def short_turns(monkeypatch, settings):  # type: ignore[no-untyped-def]
    """Turns of three records: every batch ends a turn when other work waits."""
    monkeypatch.setattr(exports, "BATCH", 3)
    settings.STACKS_IMPORT_SLICE_SECONDS = 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_export_in_turns_is_the_file_written_at_once(catalog, short_turns, fmt):
    whole = export_job_write(job_id=export_job_create(format=fmt, filters={}, queue=False).pk)
    job = export_job_create(format=fmt, filters={}, queue=False)
    owner = lease_token()
    turns = 1
    while export_job_work(job_id=job.pk, owner=owner, others_waiting=lambda: True):
        turns += 1
        between = ExportJob.objects.get(pk=job.pk)
        assert between.status == "running"
        assert between.records == 3 * (turns - 1)  # what the turns so far wrote
    job.refresh_from_db()

    assert turns == 7  # 20 records, three a turn, the last two with the file's end
    assert (job.status, job.records) == ("done", whole.records) == ("done", 20)
    assert _bytes(job) == _bytes(whole)
    assert job.parts == []
    assert _part_files(job) == []


def test_an_export_nobody_waits_for_is_written_in_one_turn(catalog, short_turns):
    job = export_job_create(format="marcxml", filters={}, queue=False)
    assert not export_job_work(job_id=job.pk, owner=lease_token(), others_waiting=lambda: False)
    job.refresh_from_db()
    assert (job.status, job.records, job.parts) == ("done", 20, [])


def test_an_export_taken_over_half_way_is_whole(catalog, short_turns):
    whole = export_job_write(job_id=export_job_create(format="marcxml", filters={}, queue=False).pk)
    job = export_job_create(format="marcxml", filters={}, queue=False)
    first = lease_token()
    assert export_job_work(job_id=job.pk, owner=first, others_waiting=lambda: True)
    assert export_job_work(job_id=job.pk, owner=first, others_waiting=lambda: True)
    # The first worker dies: its lease runs out, having left a file of a turn it never named.
    stray = default_storage.save(
        export_file_path(job, f"export-{job.pk}-part-3"), ContentFile(b"<record>half</record>")
    )
    ExportJob.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - timedelta(1))

    second = lease_token()
    while export_job_work(job_id=job.pk, owner=second, others_waiting=lambda: False):
        pass
    job.refresh_from_db()

    assert (job.status, job.records) == ("done", 20)
    assert _bytes(job) == _bytes(whole)
    assert not default_storage.exists(stray)
    assert _part_files(job) == []


def test_a_turn_whose_lease_was_taken_keeps_nothing(catalog, short_turns):
    job = export_job_create(format="jsonl", filters={}, queue=False)
    first = lease_token()
    assert export_job_work(job_id=job.pk, owner=first, others_waiting=lambda: True)

    def taken_meanwhile() -> bool:  # another worker took the lease while this turn wrote
        ExportJob.objects.filter(pk=job.pk).update(lease_owner="another-worker")
        return True

    with pytest.raises(exports.LeaseLost):
        export_job_work(job_id=job.pk, owner=first, others_waiting=taken_meanwhile)
    job.refresh_from_db()
    assert (job.records, len(job.parts), job.checkpoint > 0) == (3, 1, True)  # the first turn's
    assert len(_part_files(job)) == 1  # the second turn's file went with its lease

    # Nor does a turn start while another holds the lease.
    assert not export_job_work(job_id=job.pk, owner=first, others_waiting=lambda: True)
    assert ExportJob.objects.get(pk=job.pk).records == 3
