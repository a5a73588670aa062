"""The front door of imports: create, commit, cancel, revert and run import jobs.

Progress is read by catalog.imports.selectors; the jobs to resume are found by
catalog.imports.resuming.

One job's way: import_job_create stores the file and queues the job; import_job_work runs
its turns (catalog.imports.running), each reading ahead (ahead, formats), deciding
(deciding), writing (plans, writing) and counting (accounting) one chunk per transaction
under the job's lease (leasing).
"""

import logging
import os
from collections.abc import Callable
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from catalog.imports.accounting import peak_memory_note, statistics_after
from catalog.imports.formats.csv_columns import csv_header
from catalog.imports.formats.csv_file import csv_encoding
from catalog.imports.formats.marc import marc_file_unimarc
from catalog.imports.formats.source import FileUnreadable
from catalog.imports.leasing import LeaseLost, lease_heartbeat, lease_release, lease_take
from catalog.imports.models import Format, ImportJob, ImportRow
from catalog.imports.outdated import (
    CatalogMovedOn,
    catalog_moved_on_check,
    feed_position,
    records_changed_since_preview,
)
from catalog.imports.running import Slice, collector_eased, commit_slice, stage_slice
from catalog.imports.snapshots import snapshot_data
from catalog.models import Change, Item, Location, Record
from catalog.services import (
    changes_log,
    datestamps_move,
    delete_reasons,
    record_update,
    search_terms_lock,
)
from common.errors import ApplicationError, Conflict, first_or_not_found
from common.language import library_language, list_joined, quoted
from common.tasks import task_enqueue, task_name

IMPORT_JOB_RUN = task_name("worker.import_job_run")
logger = logging.getLogger(__name__)

Status = ImportJob.Status
Action = ImportRow.Action
_EXTENSIONS = {
    ".mrc": Format.MARC,
    ".marc": Format.MARC,
    ".dat": Format.MARC,
    ".iso": Format.MARC,
    ".xml": Format.MARCXML,
    ".csv": Format.CSV,
}


class UploadTooLarge(ApplicationError):
    status_code = 413
    code = "upload_too_large"


# --- Creating and controlling jobs -----------------------------------------------------------


def import_upload_check(*, size: int) -> None:
    """Refuse an upload over STACKS_IMPORT_MAX_UPLOAD_BYTES: the API and the staff page ask
    before storing a file (the API from its declared length, before reading any of it)."""
    limit = settings.STACKS_IMPORT_MAX_UPLOAD_BYTES
    if size > limit:
        raise UploadTooLarge(
            gettext(
                "The file is too large: %(size)s bytes, and this library accepts files up to "
                "%(limit)s bytes. Split it into smaller files, or import it with the "
                "import_catalog command."
            )
            % {"size": f"{size:,}", "limit": f"{limit:,}"}
        )


def import_format_guess(file_name: str) -> str:
    """The format a file name's extension stands for; ApplicationError when it says none."""
    extension = os.path.splitext(file_name.lower())[1]
    if extension not in _EXTENSIONS:
        message = gettext(
            "Cannot tell the format of %(name)s: give format marc, marcxml or csv."
        ) % {"name": quoted(file_name)}
        raise ApplicationError.of_field("format", message)
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
    create_locations: bool = False,
    overlay: str = ImportJob.Overlay.REPLACE,
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
        ("overlay", overlay, ImportJob.Overlay.values),
    )
    for name, value, allowed in choices:
        if value not in allowed:
            message = gettext("Unknown %(name)s %(value)s: use one of %(allowed)s.") % {
                "name": name,
                "value": quoted(value),
                "allowed": ", ".join(allowed),
            }
            raise ApplicationError.of_field(name, message)
    with transaction.atomic():
        job = ImportJob(
            format=fmt,
            file_name=os.path.basename(file_name)[:255],
            match_on=match_on,
            on_match=on_match,
            on_no_match=on_no_match,
            dry_run=dry_run,
            one_shot=one_shot,
            create_locations=create_locations,
            overlay=overlay,
            started_by=started_by if getattr(started_by, "pk", None) else None,
            started_by_label=started_by_label[:255],
        )
        job.file.save(job.file_name or f"import.{fmt}", File(file), save=False)
        job.file_size = job.file.size
        if fmt == Format.CSV:
            with job.file.open("rb") as stream:
                job.encoding = csv_encoding(stream)
                job.unread_columns, job.columns_read_as = csv_header(stream, job.encoding)
        elif fmt == Format.MARC:
            with job.file.open("rb") as stream:
                job.read_as = "unimarc" if marc_file_unimarc(stream) else ""
        job.save()
        _queue(job.pk)
    return job


def _queue(job_id: int) -> None:
    task_enqueue(IMPORT_JOB_RUN, job_id, jobs=ImportJob.objects.filter(pk=job_id))


@transaction.atomic
def import_job_commit(*, job_id: int) -> ImportJob:
    """Commit what a staged job previewed (on a worker)."""
    job = _locked(job_id)
    if job.status != Status.STAGED:
        raise Conflict(
            gettext("Only a staged import can be committed (this one: %(status)s).")
            % {"status": job.get_status_display()}
        )
    if job.dry_run:
        raise Conflict(gettext("This import was a dry run: upload the file again to import it."))
    job.nothing_to_commit_check()
    catalog_moved_on_check(job)
    job.status = Status.COMMITTING
    job.phase_started_at = timezone.now()
    job.save(update_fields=["status", "phase_started_at", "updated_at"])
    _queue(job.pk)
    return job


def import_job_outdated(job: ImportJob) -> list[int]:
    """The records, by id, that changed since the staged preview was made in a way that could
    turn its decisions, so that its commit would be refused; none when it can be committed
    (or is not a staged preview that could be). One query, which reads the job's rows that
    name the changed records or give their keys: asked for one job at a time, on its page and
    the API's detail, never for a list of jobs."""
    if job.status != ImportJob.Status.STAGED or job.dry_run:
        return []
    return records_changed_since_preview(job)


def import_job_refused_outdated(job: ImportJob) -> bool:
    """Whether the job's commit was refused on the worker because records its preview rests
    on changed meanwhile: it may be previewed again."""
    return job.status == Status.FAILED and job.error_code == CatalogMovedOn.code


# What a job's new preview starts from: its counts, checkpoints and times as at its upload.
_PREVIEW_FRESH = {
    "total": 0, "created": 0, "updated": 0, "unchanged": 0, "rejected": 0,
    "staged_through": 0, "committed_through": 0, "bytes_read": 0,
    "lease_owner": "", "lease_expires_at": None, "decided_after_change_id": None,
    "first_change_id": None, "last_change_id": None, "worker_peak_rss_kb": None,
    "phase_started_at": None, "staged_at": None, "committed_at": None, "finished_at": None,
    "error": "", "error_code": "",
}  # fmt: skip


@transaction.atomic
def import_job_preview_again(*, job_id: int) -> ImportJob:
    """Preview a staged job again from the file it was uploaded with, against the catalog as
    it is now (a preview the catalog moved on from cannot be committed); a job whose commit
    was refused for that reason too. Its old rows go; nothing was written from them."""
    job = _locked(job_id)
    if job.status != Status.STAGED and not import_job_refused_outdated(job):
        raise Conflict(
            gettext("Only a staged import can be previewed again (this one: %(status)s).")
            % {"status": job.get_status_display()}
        )
    if ImportRow.objects.filter(job=job, committed=True).exists():
        raise Conflict(gettext("This import wrote records already: it cannot be previewed again."))
    if not job.file or not job.file.storage.exists(job.file.name):
        raise Conflict(
            gettext(
                "The file of this import is no longer kept, so it cannot be previewed again: "
                "upload the file again."
            ),
            code="import_file_gone",
        )
    ImportRow.objects.filter(job=job).delete()
    for name, value in _PREVIEW_FRESH.items():
        setattr(job, name, value)
    job.status = Status.QUEUED
    job.save()
    _queue(job.pk)
    return job


@transaction.atomic
def import_job_cancel(*, job_id: int) -> ImportJob:
    """Stop a job before it commits; what it staged stays to be looked at."""
    job = _locked(job_id)
    if job.status not in (Status.QUEUED, Status.STAGING, Status.STAGED):
        raise Conflict(
            gettext("This import can no longer be cancelled (status: %(status)s).")
            % {"status": job.get_status_display()}
        )
    job.status = Status.CANCELLED
    job.finished_at = timezone.now()
    job.lease_owner = ""
    job.save(update_fields=["status", "finished_at", "lease_owner", "updated_at"])
    return job


def _locked(job_id: int) -> ImportJob:
    job = first_or_not_found(
        ImportJob.objects.select_for_update().filter(pk=job_id), gettext("No such import.")
    )
    return job


def import_job_work(
    *,
    job_id: int,
    owner: str,
    others_waiting: Callable[[], bool] | None = None,
    readers_active: Callable[[], bool] | None = None,
) -> bool:
    """Advance a job for one time slice. True when work remains: the caller queues the next
    slice with the same `owner`, and the lease stays held in between so that recovery does
    not start a second chain of tasks for the job. While `readers_active` says people are
    being served, the job pauses between chunks (running.Slice).

    Each chunk is one transaction that also moves the job's checkpoint, so a worker killed at
    any moment leaves either the whole chunk or none of it; the next holder of the lease
    starts after the checkpoint and never writes a record twice.

    What it stores for people to read (each row's reason, the job's error) is in the library's
    language.
    """
    with translation.override(library_language()):
        return _work(job_id, owner, others_waiting, readers_active)


def _work(
    job_id: int,
    owner: str,
    others_waiting: Callable[[], bool] | None,
    readers_active: Callable[[], bool] | None,
) -> bool:
    if not lease_take(job_id, owner):
        return False
    turn = Slice(others_waiting, readers_active)
    try:
        job = ImportJob.objects.get(pk=job_id)
        applies_while_reading = job.one_shot and not job.dry_run
        if job.status == Status.QUEUED:
            # A one-shot job writes as it reads: it is committing from the start.
            job.status = Status.COMMITTING if applies_while_reading else Status.STAGING
            # A preview's commit is checked against what the catalog gained or lost after this.
            position = None if applies_while_reading else feed_position()
            ImportJob.objects.filter(pk=job_id).update(
                status=job.status, phase_started_at=timezone.now(),
                decided_after_change_id=position,
            )  # fmt: skip
        with lease_heartbeat(owner) as beat, collector_eased():
            if job.status == Status.STAGING or applies_while_reading:
                more = stage_slice(job, owner, turn)
            elif job.status == Status.COMMITTING:
                more = commit_slice(job, owner, turn)
            else:
                more = False
            if more and beat is not None:
                beat.next_turn_follows()
    except LeaseLost:
        return False
    except (OperationalError, InterfaceError):
        # The database went away (or a lock wait ran out): the checkpoint holds, and the
        # caller tries the same turn again; failing the job would need the database anyway.
        raise
    except (FileUnreadable, CatalogMovedOn) as error:
        _fail(job_id, owner, error.message, error.code)
        return False
    except Exception as error:
        # The librarian is told what it means for them; the error itself goes to the log.
        logger.error("import %s stopped: %r", job_id, error)
        message = gettext(
            "The import stopped on an unexpected error. Try the file again; if it stops again, "
            "tell whoever runs Stacks for your library, naming import %(id)s."
        )
        _fail(job_id, owner, message % {"id": job_id}, "import_failed")
        raise
    finally:
        peak_memory_note(job_id)
    if not more:
        lease_release(job_id, owner)
        statistics_after(job_id)
    return more


def _fail(job_id: int, owner: str, message: str, code: str) -> None:
    """Mark the job failed, if this owner still holds it."""
    ImportJob.objects.filter(pk=job_id, lease_owner=owner).update(
        status=Status.FAILED, error=message[:5000], error_code=code, finished_at=timezone.now()
    )


# How many records and copies a refused revert names; the counts say how many there are.
_REVERT_NAMED = 5


def _revert_changed_reason(record_ids: set[int]) -> str:
    """The sentence naming the records of an import changed since, with how many they are and
    their titles, or "" for none."""
    if not record_ids:
        return ""
    ids = sorted(record_ids)[:_REVERT_NAMED]
    titles = dict(Record.objects.filter(pk__in=ids).values_list("pk", "title"))
    named = [
        gettext("%(title)s (record %(number)s)") % {"title": quoted(titles[pk]), "number": pk}
        if pk in titles
        else gettext("Record %(number)s, removed since") % {"number": pk}
        for pk in ids
    ]
    return ngettext(
        "%(count)s record of this import changed after it (%(records)s).",
        "%(count)s records of this import changed after it (%(records)s).",
        len(record_ids),
    ) % {"count": len(record_ids), "records": list_joined(named)}


def _revert_refusal(reasons: list[str]) -> None:
    """Refuse a revert for every reason found, so that one look says all there is to do."""
    if reasons:
        raise Conflict(
            gettext("This import can no longer be reverted: %(reason)s")
            % {"reason": " ".join(reasons)},
            code="revert_refused",
        )


@transaction.atomic
def import_job_revert(*, job_id: int) -> ImportJob:
    """Remove the records a job created and restore those it updated, if nothing touched
    them since. A one-shot job that failed after writing some chunks is undone the same way:
    what it wrote is in its committed rows."""
    job = _locked(job_id)
    partly_written = (
        job.status == Status.FAILED and ImportRow.objects.filter(job=job, committed=True).exists()
    )
    if (job.status != Status.COMMITTED and not partly_written) or job.dry_run:
        raise Conflict(
            gettext(
                "Only an import that wrote records can be reverted; this one wrote none "
                "(status: %(status)s)."
            )
            % {"status": job.get_status_display()}
        )
    rows = ImportRow.objects.filter(job=job, committed=True)
    record_ids = rows.values("record_id")
    later = Change.objects.filter(
        entity=Change.Entity.RECORD, entity_id__in=record_ids, id__gt=job.last_change_id or 0
    )
    touched = set(later.values_list("entity_id", flat=True))
    # The copies a revert removes: those of the records it made, and those it added to others.
    added = [pk for ids in rows.values_list("created_item_ids", flat=True) for pk in ids or ()]
    removed = Item.objects.filter(
        Q(record_id__in=rows.filter(action=Action.CREATE).values("record_id")) | Q(pk__in=added)
    )
    # A copy of this import's that waits on the hold shelf was promised to a patron (only a
    # hold trapped after the import puts one there): removing it would leave their hold on
    # nothing.
    held = removed.filter(status=Item.Status.ON_HOLD_SHELF).order_by("barcode")
    count = held.count()
    held_reason = []
    if count:
        held_reason.append(
            ngettext(
                "%(count)s copy this import added waits on the hold shelf for a patron "
                "(%(barcodes)s): lend it or cancel its hold before reverting the import.",
                "%(count)s copies this import added wait on the hold shelf for patrons "
                "(%(barcodes)s): lend them or cancel their holds before reverting the import.",
                count,
            )
            % {
                "count": count,
                "barcodes": ", ".join(held.values_list("barcode", flat=True)[:_REVERT_NAMED]),
            }
        )
    # A copy lent since (on loan now, or back with its loan kept for the statistics) has a
    # history of its own that deleting it would erase; nor may a record it made that patrons
    # have asked for since go. Every reason is said at once.
    kept = delete_reasons(removed)
    if not count and not kept:
        # Any other change to its copies since (a move, an edit, a status set by hand) would
        # be lost with them.
        changed = Change.objects.filter(
            entity=Change.Entity.ITEM,
            entity_id__in=removed.values("pk"),
            id__gt=job.last_change_id or 0,
        )
        touched.update(
            Item.objects.filter(pk__in=changed.values("entity_id")).values_list(
                "record_id", flat=True
            )
        )
    records_made = Record.objects.filter(
        pk__in=rows.filter(action=Action.CREATE).values("record_id")
    )
    reasons = [_revert_changed_reason(touched), *held_reason, *kept]
    _revert_refusal([reason for reason in reasons if reason] + delete_reasons(records_made))
    made = rows.filter(action=Action.CREATE).values_list("record_id", flat=True)
    created = [pk for pk in made if pk is not None]
    search_terms_lock()
    for start in range(0, len(created), 5000):
        ids = created[start : start + 5000]
        # Locked before their links are gathered, as record_delete does.
        list(Record.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
        item_ids = list(Item.objects.filter(record_id__in=ids).values_list("pk", flat=True))
        Item.objects.filter(pk__in=item_ids).delete()
        Record.objects.filter(pk__in=ids).delete()
        changes_log(Change.Entity.ITEM, item_ids, Change.Action.DELETED)
        changes_log(Change.Entity.RECORD, ids, Change.Action.DELETED)
    for row in rows.filter(action=Action.UPDATE).order_by("-position").iterator():
        if row.created_item_ids:
            Item.objects.filter(pk__in=row.created_item_ids).delete()
            changes_log(Change.Entity.ITEM, row.created_item_ids, Change.Action.DELETED)
            if row.record_id is not None:
                datestamps_move([row.record_id])
        if row.previous and row.record_id is not None:
            data = snapshot_data(row.previous)
            record_update(record_id=row.record_id, data=data)
            Record.objects.filter(pk=row.record_id).update(
                sort_title=row.previous["sort_title"], source_marc=data.source_marc
            )
    _locations_created_remove(job)
    job.status = Status.REVERTED
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at", "updated_at"])
    return job


def _locations_created_remove(job: ImportJob) -> None:
    """The locations the import created, once no copy is kept there (a librarian may have
    moved copies to them since)."""
    ids = list(job.locations_made.values_list("location_id", flat=True))
    Location.objects.filter(pk__in=ids).exclude(
        pk__in=Item.objects.filter(location_id__in=ids).values("location_id")
    ).delete()
