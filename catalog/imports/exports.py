"""Export jobs: the records a filter selects, written to storage as CSV, MARC, MARCXML or JSONL."""

import csv
import io
import logging
import posixpath
import shutil
import tempfile
from collections.abc import Callable, Generator, Iterator
from contextlib import closing
from typing import IO, Any, NamedTuple

import orjson
import pymarc
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext

from catalog.imports.formats.csv_file import FORMULA_STARTS
from catalog.imports.formats.csv_header import CSV_COLUMNS
from catalog.imports.formats.csv_row import list_join
from catalog.imports.formats.marc_kept import record_as_marc
from catalog.imports.leasing import (
    LeaseLost,
    lease_claim,
    lease_extend,
    lease_heartbeat,
    lease_token,
    leases_held,
)
from catalog.imports.models import ExportJob, export_file_path
from catalog.imports.running import Slice
from catalog.imports.selectors import record_export_list
from catalog.marc import RECORD_PREFETCH, item_holdings, marc_xml
from catalog.models import Location, Record
from catalog.services import record_description
from common.errors import ApplicationError, Conflict, FieldRefusals
from common.language import library_language, quoted
from common.tasks import task_enqueue, task_name

EXPORT_JOB_RUN = task_name("worker.export_job_run")
logger = logging.getLogger(__name__)

BATCH = 1000


def csv_cell(value: Any) -> str:
    """A cell as written: a leading quote keeps a formula-like value text in spreadsheets."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _filters_check(filters: dict[str, Any]) -> None:
    """Refuse unknown or malformed filters now, not when the worker reads them, every one."""
    refusals = FieldRefusals()
    with refusals.field():
        record_export_list(filters=filters)
    # A location the library does not have matches nothing: the caller mistyped it.
    location = str(filters.get("location") or "").strip()
    if location and not Location.objects.filter(code=location).exists():
        message = gettext("No location has the code %(code)s.") % {"code": quoted(location)}
        with refusals.field():
            raise ApplicationError.of_field("location", message, code="unknown_location")
    refusals.raise_any()


def export_job_create(
    *,
    format: str,
    filters: dict[str, Any],
    separator: str = ExportJob.Separator.COMMA,
    started_by: Any = None,
    started_by_label: str = "",
    queue: bool = True,
) -> ExportJob:
    """Record the export and queue it for a worker (`queue=False`: the caller writes it)."""
    if format not in ExportJob.ExportFormat.values:
        message = gettext("Unknown format %(format)s: use csv, marc, marcxml or jsonl.") % {
            "format": quoted(format)
        }
        raise ApplicationError.of_field("format", message)
    if separator not in ExportJob.Separator.values:
        message = gettext(
            "Unknown separator %(separator)s: use a comma (,) or a semicolon (;)."
        ) % {"separator": quoted(separator)}
        raise ApplicationError.of_field("separator", message)
    if format != ExportJob.ExportFormat.CSV and separator != ExportJob.Separator.COMMA:
        # A semicolon asked of a MARC file would be stored and shown back as if it applied.
        message = gettext(
            "The separator applies to CSV exports only: leave it out for a %(format)s export."
        ) % {"format": format}
        raise ApplicationError.of_field("separator", message)
    try:
        _filters_check(filters)
    except ApplicationError as exc:
        # Named by their path in the request (`filters.year_from`), beside `format`.
        fields = {f"filters.{name}": problems for name, problems in exc.fields.items()}
        raise ApplicationError(
            exc.message, code=exc.code, fields=fields, quoted=exc.quoted
        ) from None
    with transaction.atomic():
        # One export of a library in the queue at a time: the next is queued as one ends, so
        # behind it, not behind all of them, come the other libraries' imports and exports.
        ahead = ExportJob.objects.filter(status__in=ExportJob.ACTIVE_STATUSES).exists()
        job = ExportJob.objects.create(
            format=format,
            filters=filters,
            separator=separator,
            started_by=started_by if getattr(started_by, "pk", None) else None,
            started_by_label=started_by_label[:255],
        )
        if queue and not ahead:
            task_enqueue(EXPORT_JOB_RUN, job.pk, jobs=ExportJob.objects.filter(pk=job.pk))
    return job


def export_jobs_resumable() -> list[int]:
    """The export to queue again: none if one is held, else the oldest active one (its task
    lost with a worker or the broker, refused while the library was suspended, or waiting
    behind an export that ended without queueing it)."""
    if leases_held(ExportJob, timezone.now()).exists():
        return []
    active = ExportJob.objects.filter(status__in=ExportJob.ACTIVE_STATUSES)
    return list(active.order_by("pk").values_list("pk", flat=True)[:1])


def _export_next_queue() -> None:
    """Queue the library's next export once this one has ended."""
    for job_id in export_jobs_resumable():
        task_enqueue(EXPORT_JOB_RUN, job_id, jobs=ExportJob.objects.filter(pk=job_id))


# A writer takes records one at a time (send); the caller ends the file (FOOTERS). Only CSV
# uses the column separator.
RecordSink = Generator[None, Record, None]


def _batches(records: QuerySet[Record]) -> Iterator[list[Record]]:
    """Records in id order, a batch at a time (keyset pages, so memory stays flat)."""
    last = 0
    while True:
        page = records.filter(pk__gt=last).order_by("pk").prefetch_related(None)
        batch = list(page.prefetch_related(*RECORD_PREFETCH)[:BATCH])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def export_job_write(*, job_id: int, owner: str = "") -> ExportJob:
    """Write the whole export now, turn after turn (a command's or a test's way); safe to run
    twice. A database error leaves the job as it is, for the same holder to go on with."""
    owner = owner or lease_token()
    while export_job_work(job_id=job_id, owner=owner, others_waiting=lambda: False):
        pass
    return ExportJob.objects.get(pk=job_id)


def export_job_work(
    *,
    job_id: int,
    owner: str,
    others_waiting: Callable[[], bool] | None = None,
    readers_active: Callable[[], bool] | None = None,
) -> bool:
    """One turn of an export on a worker: its records from the checkpoint on, until the turn
    is over (running.Slice: as an import's, it gives the worker up when other work waits,
    so a large export does not hold up other libraries' imports and exports). True when
    there is more to write. Each turn's records go to a file of their own (`parts`), kept
    with the checkpoint; the last turn joins them into the export's file.

    Only the holder of the job's lease writes it; a database error leaves the job as it is,
    for the same holder to try again (or another once the lease has expired)."""
    if not lease_claim(ExportJob, job_id, owner, status=ExportJob.Status.RUNNING):
        return False
    job = ExportJob.objects.get(pk=job_id)
    turn = Slice(others_waiting, readers_active)
    # As an import's: a killed holder is noticed when its heartbeat stops, not a lease later.
    with lease_heartbeat(owner) as beat:
        more = _export_turn(job, owner, turn)
        if more and beat is not None:
            beat.next_turn_follows()
        return more


def _export_turn(job: ExportJob, owner: str, turn: Slice) -> bool:
    job_id = job.pk
    try:
        records = record_export_list(filters=job.filters).filter(pk__gt=job.checkpoint)
        first = not job.parts  # the checkpoint moves only with a part kept
        count = 0
        more = False
        with tempfile.TemporaryFile() as out:
            writer = WRITERS[job.format](out, first, job.separator)
            next(writer)
            # Closed while the file is open, also when writing fails: it writes what it holds.
            with closing(writer):
                for batch in _batches(records):
                    for record in batch:
                        writer.send(record)
                    count += len(batch)
                    lease_extend(ExportJob, job_id, owner)
                    # A short batch is the last: the turn ends the file rather than hand over.
                    if len(batch) == BATCH and turn.over():
                        more = True
                        job.checkpoint = batch[-1].pk
                        break
            if more:
                _export_part_keep(job, owner, out, count)
                return True
            out.write(FOOTERS.get(job.format, b""))
            out.seek(0)
            _export_file_save(job, out)
        job.records += count
        job.status = ExportJob.Status.DONE
    except (OperationalError, InterfaceError, LeaseLost):
        raise
    except Exception as error:
        # The librarian is told what it means for them; the error itself goes to the log.
        logger.error("export %s stopped: %r", job_id, error)
        job.status = ExportJob.Status.FAILED
        with translation.override(library_language()):
            job.error = gettext(
                "The export stopped on an unexpected error and made no file. Start it again; if "
                "it stops again, tell whoever runs Stacks for your library, naming export "
                "%(id)s."
            ) % {"id": job_id}
        job.error_code = "export_failed"
        _export_end(job)
        raise
    _export_end(job)
    return False


def _part_prefix(job: ExportJob) -> str:
    return f"export-{job.pk}-part-"


def _export_part_keep(job: ExportJob, owner: str, out: IO[bytes], count: int) -> None:
    """Keep a turn's file and move the checkpoint past it, in one step as far as the job
    row knows: a turn whose lease was lost meanwhile leaves no file behind."""
    out.seek(0)
    name = default_storage.save(
        export_file_path(job, f"{_part_prefix(job)}{len(job.parts) + 1}"), File(out)
    )
    with transaction.atomic():
        held = ExportJob.objects.select_for_update().filter(pk=job.pk, lease_owner=owner)
        if not held.exists():
            default_storage.delete(name)
            raise LeaseLost(job.pk)
        held.update(
            checkpoint=job.checkpoint, parts=[*job.parts, name], records=job.records + count
        )


def _export_file_save(job: ExportJob, last: IO[bytes]) -> None:
    """The export's file: the turns' files, then the last turn's, as one."""
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    name = f"export-{job.pk}-{stamp}.{EXTENSIONS[job.format]}"
    if not job.parts:
        job.file.save(name, File(last), False)
        return
    with tempfile.TemporaryFile() as whole:
        for part in job.parts:
            with default_storage.open(part, "rb") as stream:
                shutil.copyfileobj(stream, whole)
        shutil.copyfileobj(last, whole)
        whole.seek(0)
        job.file.save(name, File(whole), False)


def _export_end(job: ExportJob) -> None:
    job.finished_at = timezone.now()
    job.lease_owner = ""
    job.lease_expires_at = None
    kept, job.parts = job.parts, []
    with transaction.atomic():
        job.save()
        _export_next_queue()
    _parts_remove(job, kept)


def _parts_remove(job: ExportJob, kept: list[str]) -> None:
    """Remove the turns' files once the export has ended: those it kept, and any of a turn
    killed before it could name its file in the job."""
    folder = posixpath.dirname(export_file_path(job, _part_prefix(job)))
    try:
        _, files = default_storage.listdir(folder)
    except FileNotFoundError:
        files = []
    left = [f"{folder}/{name}" for name in files if name.startswith(_part_prefix(job))]
    for name in {*kept, *left}:
        default_storage.delete(name)


# --- Writers: generators fed one record at a time --------------------------------------------


def record_as_dict(record: Record) -> dict[str, Any]:
    return {
        "id": record.pk,
        **record_description(record),
        "contributors": [
            {"name": c.contributor.name, "role": c.role} for c in record.credits.all()
        ],
        "identifiers": [{"kind": i.kind, "value": i.value} for i in record.identifiers.all()],
        "subjects": [
            {"heading": s.subject.heading, "scheme": s.subject.scheme}
            for s in record.subject_links.all()
        ],
        "control_number": record.control_number,
        "control_number_source": record.control_number_source,
        "items": [
            {
                "barcode": i.barcode,
                "call_number": i.call_number,
                "location": i.location.code if i.location else "",
                "status": i.status,
                "public_note": i.public_note,
                "price": None if i.price is None else str(i.price),
                "acquired_on": None if i.acquired_on is None else i.acquired_on.isoformat(),
            }
            for i in record.items.all()
        ],
        "updated_at": record.updated_at.isoformat(),
    }


def _csv_writer(out: IO[bytes], first: bool, separator: str) -> RecordSink:
    # The byte order mark and the header open the file, not each turn's part of it.
    text = io.TextIOWrapper(out, encoding="utf-8-sig" if first else "utf-8", newline="")
    # A cell holding a list (its values joined by ";") is quoted when ";" separates columns.
    writer = csv.writer(text, delimiter=separator)
    # Excel in French, German or Spanish, which opens ";" files in columns, reads "8.40" as
    # text or a date: its amounts have a decimal comma (the import reads both back).
    point = "," if separator == ExportJob.Separator.SEMICOLON else "."
    if first:
        writer.writerow(["id", *CSV_COLUMNS])
    try:
        while True:
            record = yield
            ids: dict[str, list[str]] = {}
            for identifier in record.identifiers.all():
                ids.setdefault(identifier.kind, []).append(identifier.value)
            items = list(record.items.all())
            credits = list(record.credits.all())
            links = list(record.subject_links.all())
            # Lists side by side (a copy's call number, location, status and price beside its
            # barcode), so every copy of the record comes back as it is.
            row = {
                "title": record.title,
                "subtitle": record.subtitle,
                "authors": list_join(c.contributor.name for c in credits),
                "roles": list_join(c.role for c in credits),
                # An invalid ISBN goes out in the same column and is read back as invalid.
                "isbn": list_join(ids.get("isbn", []) + ids.get("isbn_bad", [])),
                "issn": list_join(ids.get("issn", [])),
                "lccn": list_join(ids.get("lccn", [])),
                "oclc": list_join(ids.get("oclc", [])),
                "control_number": record.control_number,
                "control_number_source": record.control_number_source,
                "publisher": record.publisher,
                "year": record.publication_year or "",
                "edition": record.edition,
                "language": record.language,
                "series": record.series,
                "summary": record.summary,
                "subjects": list_join(s.subject.heading for s in links),
                "subject_schemes": list_join(s.subject.scheme for s in links),
                "barcode": list_join(i.barcode for i in items),
                "call_number": list_join(i.call_number for i in items),
                "location": list_join(i.location.code if i.location else "" for i in items),
                "status": list_join(i.status for i in items),
                "price": list_join(
                    "" if i.price is None else str(i.price).replace(".", point) for i in items
                ),
            }
            writer.writerow([record.pk, *(csv_cell(row[c]) for c in CSV_COLUMNS)])
    finally:
        text.flush()
        text.detach()


def _record_marc(record: Record) -> pymarc.Record:
    """The record as MARC with every copy as the library has it (staff notes included)."""
    return record_as_marc(record, holdings=item_holdings(record.items.all()))


def _marc_writer(out: IO[bytes], first: bool, separator: str) -> RecordSink:
    while True:
        record = yield
        out.write(_record_marc(record).as_marc())


def _marcxml_writer(out: IO[bytes], first: bool, separator: str) -> RecordSink:
    if first:
        out.write(
            b'<?xml version="1.0" encoding="UTF-8"?>\n'
            b'<collection xmlns="http://www.loc.gov/MARC21/slim">\n'
        )
    while True:
        record = yield
        out.write(marc_xml(_record_marc(record), schema_location=False) + b"\n")


def _jsonl_writer(out: IO[bytes], first: bool, separator: str) -> RecordSink:
    while True:
        record = yield
        out.write(orjson.dumps(record_as_dict(record)) + b"\n")


WRITERS = {
    "csv": _csv_writer,
    "marc": _marc_writer,
    "marcxml": _marcxml_writer,
    "jsonl": _jsonl_writer,
}
# What closes a file, written by the export's last turn.
FOOTERS = {"marcxml": b"</collection>\n"}
EXTENSIONS = {"csv": "csv", "marc": "mrc", "marcxml": "xml", "jsonl": "jsonl"}
# Said outright: guessed from the file name, .jsonl (and, on some hosts, .mrc) would be
# application/octet-stream. JSON Lines has no registered type; application/jsonl is the one
# jsonlines.org's community proposes, names the format as its extension does, and is what the
# OpenAPI document has always announced (application/x-ndjson is the older NDJSON spelling).
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "marc": "application/marc",
    "marcxml": "application/marcxml+xml",
    "jsonl": "application/jsonl",
}


class ExportFile(NamedTuple):
    file: IO[bytes]
    name: str
    media_type: str


def export_file_open(job: ExportJob) -> ExportFile:
    """The finished export's file, open, the name it downloads under and its media type, for
    the API and the staff pages alike; an export not done yet is a conflict (409)."""
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Conflict(
            gettext("The export is not done (status: %(status)s); download it once it is done.")
            % {"status": job.get_status_display()}
        )
    name = f"catalog-export-{job.pk}.{EXTENSIONS[job.format]}"
    return ExportFile(job.file.open("rb"), name, MEDIA_TYPES[job.format])
