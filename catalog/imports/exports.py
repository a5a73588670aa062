"""Export jobs: the records a filter selects, written to storage as CSV, MARC, MARCXML or JSONL."""

import csv
import io
import re
import tempfile
from collections.abc import Generator, Iterator
from typing import IO, Any

import orjson
import pymarc
from django.core.files import File
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from catalog.imports.formats.csv_file import CSV_COLUMNS, FORMULA_STARTS, LIST_SEPARATOR
from catalog.imports.models import ExportJob
from catalog.imports.selectors import record_export_list
from catalog.models import Item, Record, RecordContributor, RecordSubject
from common.errors import ApplicationError
from common.tasks import task_enqueue, task_name

EXPORT_JOB_RUN = task_name("worker.export_job_run")

BATCH = 1000
_ROLE_TAGS = {"corporate": "710", "author": "700"}
_LEADER = "     nam a22        4500"
_TAG = re.compile(r"[0-9A-Za-z]{3}")
_INDICATOR = re.compile(r"[0-9a-z ]")
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# The fields the import maps (catalog.imports.formats.marc21): a MARC export writes them from
# the record as it is now, and keeps the source's other fields as they came in.
_MAPPED_TAGS = frozenset(
    {"001", "003", "008", "010", "020", "022", "035", "041", "100", "110", "111", "245", "250",
     "260", "264", "490", "520", "600", "610", "611", "630", "648", "650", "651", "655",
     "700", "710", "711", "830", "852", "952"}
)  # fmt: skip


def csv_cell(value: Any) -> str:
    """A cell as written: a leading quote keeps a formula-like value text in spreadsheets."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


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


def _source(record: Record) -> pymarc.Record | None:
    """The MARC record the catalog's record came in as, if it did and it can be read."""
    if not record.source_marc:
        return None
    raw = bytes(record.source_marc)
    try:
        return pymarc.Record(data=raw, to_unicode=True, force_utf8=raw[9:10] == b"a")
    except Exception:  # a damaged source: the record is written from its fields
        return None


def record_as_marc(record: Record) -> pymarc.Record:
    """The record as MARC, as it is now: the fields the import maps written from the record's
    (edited or not), the source's other fields (notes, added entries Stacks does not keep)
    kept as they came in, in tag order."""
    source = _source(record)
    marc = pymarc.Record(force_utf8=True)
    # The source's leader (a new record's otherwise), UTF-8, with its length and base address
    # left to the writer: a MARCXML export and its re-export then say the same.
    leader = str(source.leader) if source is not None else _LEADER
    marc.leader = pymarc.Leader(f"     {leader[5:9]}a{leader[10:12]}     {leader[17:24]}")
    if record.control_number:
        marc.add_field(pymarc.Field(tag="001", data=record.control_number))
    if record.control_number_source:
        marc.add_field(pymarc.Field(tag="003", data=record.control_number_source))
    year = str(record.publication_year or "").rjust(4) if record.publication_year else "    "
    fixed = f"{record.created_at:%y%m%d}s{year}    xx            000 0 {record.language or '   '} d"
    kept = source.get("008") if source is not None else None
    if kept is not None and len(kept.data or "") == 40:
        # The source's coded data, with the year and language the record has now.
        old = kept.data or ""
        fixed = old[:7] + year + old[11:35] + (record.language or "   ") + old[38:]
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
        if tag == "700" and credit.role != "contributor":
            subs.append(("e", credit.role))
        marc.add_field(_data_field(tag, subs, "1 " if tag in ("100", "700") else "2 "))
    title = [("a", record.title)] + ([("b", record.subtitle)] if record.subtitle else [])
    was = source.get("245") if source is not None else None
    indicators = f"{was.indicator1 or '1'}{was.indicator2 or '0'}" if was is not None else "10"
    marc.add_field(_data_field("245", title, indicators))
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
        subs.append(("9", item.status))
        marc.add_field(_data_field("852", subs))
    if source is not None:
        for field in source.get_fields():
            if not _TAG.fullmatch(field.tag):
                continue  # a damaged field no reader takes back
            if field.tag not in _MAPPED_TAGS or (
                field.tag == "035" and "ocolc" not in " ".join(_values(field)).lower()
            ):
                marc.add_ordered_field(field)
    return marc


def _xml_safe(record: pymarc.Record) -> pymarc.Record:
    """The record without the control characters XML 1.0 cannot carry (a damaged source's
    escapes, say): the file stays readable, by Stacks and by others."""
    for field in record.get_fields():
        if field.is_control_field():
            field.data = _NOT_XML.sub("", field.data or "")
            continue
        field.subfields = [
            pymarc.Subfield(code=s.code, value=_NOT_XML.sub("", s.value))
            for s in field.subfields
            if not _NOT_XML.search(s.code)
        ]
        field.indicators = pymarc.Indicators(
            *(i if _INDICATOR.fullmatch(i or "") else " " for i in field.indicators or "  ")
        )
    return record


def _values(field: pymarc.Field) -> list[str]:
    return [] if field.is_control_field() else [s.value for s in field.subfields]


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
                "public_note": i.public_note,
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
            credits = list(record.credits.all())
            links = list(record.subject_links.all())
            # Lists side by side (a copy's call number, location and status beside its
            # barcode), so every copy of the record comes back as it is.
            row = {
                "title": record.title,
                "subtitle": record.subtitle,
                "authors": LIST_SEPARATOR.join(c.contributor.name for c in credits),
                "roles": LIST_SEPARATOR.join(c.role for c in credits),
                "isbn": LIST_SEPARATOR.join(ids.get("isbn", [])),
                "issn": LIST_SEPARATOR.join(ids.get("issn", [])),
                "lccn": LIST_SEPARATOR.join(ids.get("lccn", [])),
                "oclc": LIST_SEPARATOR.join(ids.get("oclc", [])),
                "control_number": record.control_number,
                "control_number_source": record.control_number_source,
                "publisher": record.publisher,
                "year": record.publication_year or "",
                "edition": record.edition,
                "language": record.language,
                "series": record.series,
                "summary": record.summary,
                "subjects": LIST_SEPARATOR.join(s.subject.heading for s in links),
                "subject_schemes": LIST_SEPARATOR.join(s.subject.scheme for s in links),
                "barcode": LIST_SEPARATOR.join(i.barcode for i in items),
                "call_number": LIST_SEPARATOR.join(i.call_number for i in items),
                "location": LIST_SEPARATOR.join(
                    i.location.code if i.location else "" for i in items
                ),
                "status": LIST_SEPARATOR.join(i.status for i in items),
            }
            writer.writerow([record.pk, *(csv_cell(row[c]) for c in CSV_COLUMNS)])
    finally:
        text.flush()
        text.detach()


def _marc_writer(out: IO[bytes]) -> RecordSink:
    while True:
        record = yield
        out.write(record_as_marc(record).as_marc())


def _marcxml_writer(out: IO[bytes]) -> RecordSink:
    out.write(
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<collection xmlns="http://www.loc.gov/MARC21/slim">\n'
    )
    try:
        while True:
            record = yield
            marc = _xml_safe(record_as_marc(record))
            out.write(pymarc.record_to_xml(marc, namespace=False) + b"\n")
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
