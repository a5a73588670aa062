"""Reads for imports and exports: jobs, staged rows, and the records an export selects."""

import csv
import io
import os
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime

from catalog.imports.models import ExportJob, ImportJob, ImportRow
from catalog.models import Record
from config.errors import ApplicationError

EXPORT_FILTERS = ("q", "language", "year_from", "year_to", "updated_since", "has_items")


def import_job_list() -> QuerySet[ImportJob]:
    return ImportJob.objects.order_by("-id")


def import_row_list(*, job: ImportJob, action: str | None = None) -> QuerySet[ImportRow]:
    rows = ImportRow.objects.filter(job=job).defer("raw", "data", "previous")
    if action:
        rows = rows.filter(action=action)
    return rows.order_by("position")


def export_job_list() -> QuerySet[ExportJob]:
    return ExportJob.objects.order_by("-id")


def record_export_list(*, filters: dict[str, Any]) -> QuerySet[Record]:
    """The records an export writes. The same filter names as the record list; when the
    catalog's own record search lands, this delegates to it."""
    unknown = set(filters) - set(EXPORT_FILTERS)
    if unknown:
        raise ApplicationError(
            f"Unknown filter {', '.join(sorted(unknown))}: use {', '.join(EXPORT_FILTERS)}.",
            fields={name: ["unknown"] for name in unknown},
        )
    records = Record.objects.all()
    if filters.get("q"):
        records = records.filter(title__icontains=str(filters["q"]))
    if filters.get("language"):
        records = records.filter(language=str(filters["language"]).lower())
    for name, lookup in (
        ("year_from", "publication_year__gte"),
        ("year_to", "publication_year__lte"),
    ):
        if filters.get(name) not in (None, ""):
            try:
                records = records.filter(**{lookup: int(filters[name])})
            except (TypeError, ValueError):
                raise ApplicationError(
                    f"{name} must be a year.", fields={name: ["invalid"]}
                ) from None
    if filters.get("updated_since"):
        since: datetime | None = parse_datetime(str(filters["updated_since"]))
        if since is None:
            raise ApplicationError(
                "updated_since must be an ISO 8601 date and time.",
                fields={"updated_since": ["invalid"]},
            )
        records = records.filter(updated_at__gte=since)
    if str(filters.get("has_items", "")).lower() in ("1", "true", "yes"):
        records = records.filter(items__isnull=False).distinct()
    return records.order_by("pk")


def import_rejects_file(*, job: ImportJob) -> tuple[Iterator[bytes], str, str]:
    """The rejected records in the file's own format, to fix and import again:
    (content, file name, content type). CSV rejects carry a `reason` column."""
    rows = (
        ImportRow.objects.filter(job=job, action=ImportRow.Action.REJECT)
        .order_by("position")
        .values_list("position", "reason", "raw")
    )
    stem = os.path.splitext(job.file_name or "import")[0]
    if job.format == "csv":
        return _csv_rejects(job, rows), f"{stem}-rejects.csv", "text/csv; charset=utf-8"
    if job.format == "marcxml":
        return _xml_rejects(rows), f"{stem}-rejects.xml", "application/marcxml+xml"
    return (
        (bytes(raw or b"") for _, _, raw in rows.iterator()),
        f"{stem}-rejects.mrc",
        ("application/marc"),
    )


def _csv_rejects(job: ImportJob, rows: Any) -> Iterator[bytes]:
    with job.file.open("rb") as stream:
        header = next(csv.reader(io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")), [])
    out = io.StringIO()
    csv.writer(out).writerow([*header, "reason", "position"])
    yield b"\xef\xbb\xbf" + out.getvalue().encode()
    for position, reason, raw in rows.iterator():
        values = next(csv.reader([bytes(raw or b"").decode()]), [])
        out = io.StringIO()
        csv.writer(out).writerow([*values, reason, position])
        yield out.getvalue().encode()


def _xml_rejects(rows: Any) -> Iterator[bytes]:
    yield b'<?xml version="1.0" encoding="UTF-8"?>\n<collection xmlns="http://www.loc.gov/MARC21/slim">\n'
    for position, reason, raw in rows.iterator():
        comment = f"<!-- record {position}: {reason.replace('--', '- -')} -->\n".encode()
        yield comment + bytes(raw or b"") + b"\n"
    yield b"</collection>\n"
