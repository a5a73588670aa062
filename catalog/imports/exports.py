"""Export jobs: the records a filter selects, written to storage as CSV, MARC, MARCXML or JSONL."""

import csv
import io
import tempfile
from collections.abc import Generator, Iterator
from typing import IO, Any

import orjson
import pymarc
from django.core.files import File
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from catalog.imports.formats import CSV_COLUMNS, LIST_SEPARATOR
from catalog.imports.models import ExportJob
from catalog.imports.selectors import record_export_list
from catalog.models import Item, Record, RecordContributor, RecordSubject
from common.errors import ApplicationError
from common.tasks import task_enqueue, task_name

EXPORT_JOB_RUN = task_name("worker.export_job_run")

BATCH = 1000
# Spreadsheets run cells starting with these as formulas; a leading quote keeps them text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ROLE_TAGS = {"corporate": "710", "author": "700"}


def csv_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def export_job_create(
    *,
    format: str,
    filters: dict[str, Any],
    started_by: Any = None,
    started_by_label: str = "",
    queue: bool = True,
) -> ExportJob:
    """Record the export and queue it for a worker (`queue=False`: the caller writes it)."""
    if format not in ExportJob.ExportFormat.values:
        raise ApplicationError(
            f"Unknown format {format!r}: use csv, marc, marcxml or jsonl.",
            fields={"format": ["invalid"]},
        )
    record_export_list(filters=filters)  # refuses unknown or malformed filters now, not later
    with transaction.atomic():
        job = ExportJob.objects.create(
            format=format,
            filters=filters,
            started_by=started_by if getattr(started_by, "pk", None) else None,
            started_by_label=started_by_label[:255],
        )
        if queue:
            task_enqueue(EXPORT_JOB_RUN, job.pk)
    return job


# A writer takes records one at a time (send) and finishes the file when closed.
RecordSink = Generator[None, Record, None]


def _batches(records: QuerySet[Record]) -> Iterator[list[Record]]:
    """Records in id order, a batch at a time (keyset pages, so memory stays flat)."""
    last = 0
    prefetch: list[str | Prefetch[Any, Any, Any]] = [
        Prefetch(
            "credits",
            queryset=RecordContributor.objects.select_related("contributor").order_by("position"),
        ),
        Prefetch(
            "subject_links",
            queryset=RecordSubject.objects.select_related("subject").order_by("position"),
        ),
        "identifiers",
        Prefetch("items", queryset=Item.objects.select_related("location").order_by("id")),
    ]
    while True:
        page = records.filter(pk__gt=last).order_by("pk").prefetch_related(None)
        batch = list(page.prefetch_related(*prefetch)[:BATCH])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def export_job_write(*, job_id: int) -> ExportJob:
    """Write the export file (to a temporary file, then to storage); safe to run twice."""
    job = ExportJob.objects.filter(pk=job_id).first()
    if job is None or job.status == ExportJob.Status.DONE:
        return job  # type: ignore[return-value]
    ExportJob.objects.filter(pk=job_id).update(status=ExportJob.Status.RUNNING)
    try:
        records = record_export_list(filters=job.filters)
        count = 0
        with tempfile.TemporaryFile() as out:
            writer = WRITERS[job.format](out)
            next(writer)
            for batch in _batches(records):
                for record in batch:
                    writer.send(record)
                    count += 1
            writer.close()
            out.seek(0)
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            job.file.save(f"export-{job.pk}-{stamp}.{EXTENSIONS[job.format]}", File(out), False)
        job.records = count
        job.status = ExportJob.Status.DONE
    except Exception as error:
        job.status = ExportJob.Status.FAILED
        job.error = f"The export stopped: {error!r}"[:5000]
        job.finished_at = timezone.now()
        job.save()
        raise
    job.finished_at = timezone.now()
    job.save()
    return job


# --- Writers: generators fed one record at a time --------------------------------------------


def record_as_marc(record: Record) -> pymarc.Record:
    """The record as MARC: what came in when it came from MARC, else built from its fields."""
    if record.source_marc:
        raw = bytes(record.source_marc)
        force_utf8 = raw[9:10] == b"a"
        try:
            return pymarc.Record(data=raw, to_unicode=True, force_utf8=force_utf8)
        except Exception:  # noqa: S110 - a damaged source is rebuilt from the fields below
            pass
    marc = pymarc.Record(force_utf8=True)
    if record.control_number:
        marc.add_field(pymarc.Field(tag="001", data=record.control_number))
    if record.control_number_source:
        marc.add_field(pymarc.Field(tag="003", data=record.control_number_source))
    year = str(record.publication_year or "").rjust(4) if record.publication_year else "    "
    fixed = f"{record.created_at:%y%m%d}s{year}    xx            000 0 {record.language or '   '} d"
    marc.add_field(pymarc.Field(tag="008", data=fixed[:40].ljust(40)))
    for identifier in record.identifiers.all():
        tag = {"isbn": "020", "issn": "022", "lccn": "010", "oclc": "035"}[identifier.kind]
        value = f"(OCoLC){identifier.value}" if identifier.kind == "oclc" else identifier.value
        marc.add_field(_data_field(tag, [("a", value)]))
    credits = list(record.credits.all())
    for i, credit in enumerate(credits):
        tag = "110" if credit.role == "corporate" else "100"
        if i > 0 or credit.role not in ("author", "corporate"):
            tag = _ROLE_TAGS.get(credit.role, "700")
        subs = [("a", credit.contributor.name)]
        if tag == "700" and credit.role not in ("author", "contributor"):
            subs.append(("e", credit.role))
        marc.add_field(_data_field(tag, subs, "1 " if tag in ("100", "700") else "2 "))
    title = [("a", record.title)] + ([("b", record.subtitle)] if record.subtitle else [])
    marc.add_field(_data_field("245", title, "10"))
    if record.edition:
        marc.add_field(_data_field("250", [("a", record.edition)]))
    if record.publisher or record.publication_year:
        subs = [("b", record.publisher)] if record.publisher else []
        if record.publication_year:
            subs.append(("c", str(record.publication_year)))
        marc.add_field(_data_field("264", subs, " 1"))
    if record.series:
        marc.add_field(_data_field("490", [("a", record.series)], "0 "))
    if record.summary:
        marc.add_field(_data_field("520", [("a", record.summary)]))
    for link in record.subject_links.all():
        scheme = link.subject.scheme
        ind2 = {"lcsh": "0", "mesh": "2"}.get(scheme, "7")
        subs = [("a", link.subject.heading)] + ([("2", scheme)] if ind2 == "7" else [])
        marc.add_field(_data_field("650", subs, " " + ind2))
    for item in record.items.all():
        subs = [("p", item.barcode)]
        if item.location:
            subs.insert(0, ("b", item.location.code))
        if item.call_number:
            subs.append(("h", item.call_number))
        marc.add_field(_data_field("852", subs))
    return marc


def _data_field(tag: str, subs: list[tuple[str, str]], indicators: str = "  ") -> pymarc.Field:
    return pymarc.Field(
        tag=tag,
        indicators=pymarc.Indicators(indicators[0], indicators[1]),
        subfields=[pymarc.Subfield(code=c, value=v) for c, v in subs],
    )


def record_as_dict(record: Record) -> dict[str, Any]:
    return {
        "id": record.pk,
        "title": record.title,
        "subtitle": record.subtitle,
        "contributors": [
            {"name": c.contributor.name, "role": c.role} for c in record.credits.all()
        ],
        "identifiers": [{"kind": i.kind, "value": i.value} for i in record.identifiers.all()],
        "publisher": record.publisher,
        "publication_year": record.publication_year,
        "edition": record.edition,
        "language": record.language,
        "series": record.series,
        "summary": record.summary,
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
            }
            for i in record.items.all()
        ],
        "updated_at": record.updated_at.isoformat(),
    }


def _csv_writer(out: IO[bytes]) -> RecordSink:
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow(["id", *CSV_COLUMNS])
    try:
        while True:
            record = yield
            ids: dict[str, list[str]] = {}
            for identifier in record.identifiers.all():
                ids.setdefault(identifier.kind, []).append(identifier.value)
            items = list(record.items.all())
            first = items[0] if items else None
            row = {
                "title": record.title,
                "subtitle": record.subtitle,
                "authors": LIST_SEPARATOR.join(c.contributor.name for c in record.credits.all()),
                "isbn": LIST_SEPARATOR.join(ids.get("isbn", [])),
                "issn": LIST_SEPARATOR.join(ids.get("issn", [])),
                "lccn": LIST_SEPARATOR.join(ids.get("lccn", [])),
                "control_number": record.control_number,
                "control_number_source": record.control_number_source,
                "publisher": record.publisher,
                "year": record.publication_year or "",
                "edition": record.edition,
                "language": record.language,
                "series": record.series,
                "summary": record.summary,
                "subjects": LIST_SEPARATOR.join(
                    s.subject.heading for s in record.subject_links.all()
                ),
                "barcode": LIST_SEPARATOR.join(i.barcode for i in items),
                "call_number": first.call_number if first else "",
                "location": first.location.code if first and first.location else "",
            }
            writer.writerow([record.pk, *(csv_cell(row[c]) for c in CSV_COLUMNS)])
    finally:
        text.flush()
        text.detach()


def _marc_writer(out: IO[bytes]) -> RecordSink:
    while True:
        record = yield
        if record.source_marc:
            out.write(bytes(record.source_marc))  # byte for byte what came in
        else:
            out.write(record_as_marc(record).as_marc())


def _marcxml_writer(out: IO[bytes]) -> RecordSink:
    out.write(
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<collection xmlns="http://www.loc.gov/MARC21/slim">\n'
    )
    try:
        while True:
            record = yield
            out.write(pymarc.record_to_xml(record_as_marc(record), namespace=False) + b"\n")
    finally:
        out.write(b"</collection>\n")


def _jsonl_writer(out: IO[bytes]) -> RecordSink:
    while True:
        record = yield
        out.write(orjson.dumps(record_as_dict(record)) + b"\n")


WRITERS = {
    "csv": _csv_writer,
    "marc": _marc_writer,
    "marcxml": _marcxml_writer,
    "jsonl": _jsonl_writer,
}
EXTENSIONS = {"csv": "csv", "marc": "mrc", "marcxml": "xml", "jsonl": "jsonl"}
