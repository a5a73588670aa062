"""Reading CSV files row by row in the documented columns, and the template to fill in."""

import csv
import io
from collections.abc import Iterator
from typing import IO, Any

from catalog.identifiers import InvalidIdentifier, identifier_normalize
from catalog.imports.formats.marc import READ_BLOCK
from catalog.imports.formats.source import (
    FileUnreadable,
    ItemData,
    RecordRejected,
    SourceRecord,
    identifiers_label,
    language_code,
    year_in,
)
from catalog.services import RecordData

LIST_SEPARATOR = ";"
# A CSV row of more characters or more fields than these is rejected with its reason.
MAX_CSV_ROW_CHARS = 100_000
MAX_CSV_FIELDS = 200

# The documented CSV columns, in the order of the downloadable template.
CSV_COLUMNS = [
    "title",
    "subtitle",
    "authors",
    "isbn",
    "issn",
    "lccn",
    "control_number",
    "control_number_source",
    "publisher",
    "year",
    "edition",
    "language",
    "series",
    "summary",
    "subjects",
    "barcode",
    "call_number",
    "location",
]


class _RowTooLong(Exception):
    pass


_NO_ROWS: list[str] = []


class _CsvLines:
    """The CSV's lines for csv.reader, read MAX_CSV_ROW_CHARS at most at a time: a row (one
    or more lines) past that raises _RowTooLong, and the rest of its line is skipped unread."""

    def __init__(self, text: IO[str]) -> None:
        self.text = text
        self.row_chars = 0

    def __iter__(self) -> "_CsvLines":
        return self

    def __next__(self) -> str:
        line = self.text.readline(MAX_CSV_ROW_CHARS + 1)
        if not line:
            raise StopIteration
        self.row_chars += len(line)
        if self.row_chars > MAX_CSV_ROW_CHARS:
            while line and not line.endswith(("\n", "\r")):
                line = self.text.readline(READ_BLOCK)
            self.row_chars = 0
            raise _RowTooLong
        return line


def _csv_rows(reader: Any, lines: _CsvLines) -> Iterator[list[str] | None]:
    """Each row's values, or None for a row over MAX_CSV_ROW_CHARS."""
    while True:
        lines.row_chars = 0
        try:
            values = next(reader)
        except StopIteration:
            return
        except _RowTooLong:
            yield None
            continue
        yield values


def csv_records(
    stream: IO[bytes], start_after: int = 0, start_offset: int = 0
) -> Iterator[tuple[SourceRecord, int]]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    lines = _CsvLines(text)
    reader = csv.reader(lines)
    try:
        rows = _csv_rows(reader, lines)
        header = next(rows, _NO_ROWS)
        if header is _NO_ROWS:
            return
        if header is None:
            raise FileUnreadable(
                f"The CSV header row is over {MAX_CSV_ROW_CHARS:,} characters; keep the "
                "template's columns."
            )
        columns = [name.strip().lower() for name in header]
        if len(columns) > MAX_CSV_FIELDS:
            raise FileUnreadable(
                f"The CSV header has {len(columns):,} columns; at most {MAX_CSV_FIELDS} are "
                "read. Keep the template's columns."
            )
        if "title" not in columns:
            raise FileUnreadable(
                "The CSV file needs a header row with at least a 'title' column; "
                "download the template for the full list."
            )
        for position, values in enumerate(rows, start=1):
            if position <= start_after:
                continue
            if values is None:
                yield _csv_reject(position, f"over {MAX_CSV_ROW_CHARS:,} characters"), stream.tell()
                continue
            if not any(v.strip() for v in values):
                continue
            if len(values) > MAX_CSV_FIELDS:
                reason = f"{len(values):,} fields, over {MAX_CSV_FIELDS}"
                yield _csv_reject(position, reason, values[:MAX_CSV_FIELDS]), stream.tell()
                continue
            row = dict(zip(columns, values, strict=False))
            source = SourceRecord(position=position, raw=_csv_line(values))
            try:
                source.data, source.items = csv_map(row)
                source.identifiers = identifiers_label(source.data)
            except RecordRejected as error:
                source.error = str(error)
                source.identifiers = row.get("isbn", "") or row.get("control_number", "")
            yield source, stream.tell()
    except UnicodeDecodeError:
        raise FileUnreadable(
            f"The CSV file is not UTF-8 after line {reader.line_num}: save it as CSV UTF-8."
        ) from None
    except csv.Error as error:
        raise FileUnreadable(
            f"The CSV file is malformed at line {reader.line_num}: {error}."
        ) from None
    finally:
        text.detach()


def _csv_reject(position: int, reason: str, values: list[str] | None = None) -> SourceRecord:
    return SourceRecord(
        position=position,
        raw=_csv_line(values or []),
        error=f"The row has {reason}: split it, or check its quotes.",
    )


def _csv_line(values: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerow(values)
    return out.getvalue().encode()


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(LIST_SEPARATOR) if part.strip()]


def csv_map(row: dict[str, str]) -> tuple[RecordData, list[ItemData]]:
    title = (row.get("title") or "").strip()
    if not title:
        raise RecordRejected("No title: the 'title' column is empty.")
    year = year_in(row.get("year", ""))
    identifiers = []
    for kind in ("isbn", "issn", "lccn"):
        for value in _split(row.get(kind)):
            try:
                identifiers.append((kind, identifier_normalize(kind, value)))
            except InvalidIdentifier as error:
                raise RecordRejected(f"Column {kind}: {error.message}") from None
    data = RecordData(
        title=title[:1000],
        subtitle=(row.get("subtitle") or "").strip()[:1000],
        publisher=(row.get("publisher") or "").strip()[:500],
        publication_year=year,
        edition=(row.get("edition") or "").strip()[:200],
        language=language_code(row.get("language", "")),
        series=(row.get("series") or "").strip()[:500],
        summary=(row.get("summary") or "").strip(),
        control_number=(row.get("control_number") or "").strip()[:64],
        control_number_source=(row.get("control_number_source") or "").strip()[:64],
        contributors=[(name, "author") for name in _split(row.get("authors"))],
        subjects=[(heading, "local") for heading in _split(row.get("subjects"))],
        identifiers=identifiers,
    )
    items = [
        ItemData(
            barcode=barcode[:64],
            call_number=(row.get("call_number") or "").strip()[:200],
            location=(row.get("location") or "").strip()[:32],
        )
        for barcode in _split(row.get("barcode"))
    ]
    return data, items


def csv_template() -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerow(
        [
            "The left hand of darkness",
            "a novel",
            "Le Guin, Ursula K.; Jameson, Fredric",
            "9780441478125",
            "",
            "",
            "",
            "",
            "Ace Books",
            "1969",
            "1st ed.",
            "eng",
            "Hainish cycle",
            "A human envoy visits a planet whose people have no fixed sex.",
            "Science fiction; Gender identity",
            "31234000012345",
            "PS3562.E42 L4",
            "MAIN",
        ]
    )
    return out.getvalue()
