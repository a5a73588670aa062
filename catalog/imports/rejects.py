"""An import's rejected records, in the file's own format, to fix and import again."""

import csv
import io
import os
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext

from catalog.imports.models import ImportJob, ImportRow
from common.csv_delimiters import csv_delimiter
from common.errors import ApplicationError
from common.spreadsheet_csv import spreadsheet_csv


def import_rejects_file(*, job: ImportJob) -> tuple[Iterator[bytes], str, str]:
    """The rejected records in the file's own format, to fix and import again:
    (content, file name, content type). CSV rejects carry a `reason` column."""
    rows = (
        ImportRow.objects.filter(job=job, action=ImportRow.Action.REJECT)
        .order_by("position")
        .values_list("position", "line", "reason", "raw")
    )
    stem = os.path.splitext(job.file_name or "import")[0]
    if job.format == "csv":
        # The header is read now, not inside the streamed body: a file it cannot be read from
        # is refused with its reason before any of the answer is sent.
        header, delimiter = _csv_header(job)
        content, charset = spreadsheet_csv(_csv_rejects(header, delimiter, rows), job.encoding)
        return content, f"{stem}-rejects.csv", f"text/csv; charset={charset}"
    if job.format == "marcxml":
        return _xml_rejects(rows), f"{stem}-rejects.xml", "application/marcxml+xml"
    return (
        (bytes(raw or b"") for _, _, _, raw in rows.iterator()),
        f"{stem}-rejects.mrc",
        ("application/marc"),
    )


def _csv_header(job: ImportJob) -> tuple[list[str], str]:
    """The file's column names and the delimiter between them."""
    unreadable = ApplicationError(
        gettext(
            "The rejects cannot be listed in the file's own columns: its first line is not a "
            "CSV header in UTF-8. Download the import's rows from the API instead."
        ),
        code="rejects_unreadable",
    )
    try:
        with job.file.open("rb") as stream:
            first = stream.readline(MAX_HEADER_BYTES + 1)
        if len(first) > MAX_HEADER_BYTES:
            raise unreadable
        line = first.decode("utf-8-sig" if job.encoding in ("", "utf-8") else job.encoding)
        # Every catalog CSV has a title column, by the template's name or another language's
        # (the job keeps the names it read so): the delimiter that splits them out is the file's.
        read = {"title", *(name.lower() for name, _ in job.columns_read_as)}
        delimiter = csv_delimiter(line, read)
        return next(csv.reader([line], delimiter=delimiter), []), delimiter
    except (UnicodeDecodeError, csv.Error):
        raise unreadable from None


# A header longer than this is not one a librarian's spreadsheet wrote.
MAX_HEADER_BYTES = 100_000


def _csv_rejects(header: list[str], delimiter: str, rows: Any) -> Iterator[str]:
    """The rejected rows in the file's own columns and delimiter (staged rows keep a row's
    values in a line of their own, comma-separated), each with its line in the file as the
    preview names it."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerow([*header, "reason", "line"])
    yield out.getvalue()
    for _, line_number, reason, raw in rows.iterator():
        line = bytes(raw or b"").decode("utf-8", errors="replace")
        try:
            values = next(csv.reader([line]), [])
        except csv.Error:  # a row past the csv module's field limit: kept whole, in one cell
            values = [line]
        out = io.StringIO()
        csv.writer(out, delimiter=delimiter).writerow([*values, reason, line_number])
        yield out.getvalue()


def _xml_rejects(rows: Any) -> Iterator[bytes]:
    yield b'<?xml version="1.0" encoding="UTF-8"?>\n<collection xmlns="http://www.loc.gov/MARC21/slim">\n'
    for position, _, reason, raw in rows.iterator():
        comment = f"<!-- record {position}: {reason.replace('--', '- -')} -->\n".encode()
        yield comment + bytes(raw or b"") + b"\n"
    yield b"</collection>\n"
