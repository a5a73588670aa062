"""Reading CSV files row by row in the documented columns (each row read as a record by
catalog.imports.formats.csv_row), and the template to fill in."""

import codecs
import csv
import io
import re
from collections.abc import Collection, Iterator
from typing import IO, Any

from django.utils.translation import gettext, ngettext

from catalog.imports.formats.csv_header import (
    CSV_COLUMNS,
    CSV_HEADER_NAMES,
    csv_columns_read,
)
from catalog.imports.formats.csv_row import csv_fields_absent, csv_map, csv_warnings
from catalog.imports.formats.marc import READ_BLOCK
from catalog.imports.formats.source import (
    FileUnreadable,
    RecordRejected,
    SourceRecord,
    identifiers_label,
)
from catalog.imports.models import EXCEL_ENCODING
from catalog.models import identifier_shown
from common.csv_delimiters import csv_delimiter
from common.language import list_joined, quoted

# A CSV row of more characters or more fields than these is rejected with its reason.
MAX_CSV_ROW_CHARS = 100_000
MAX_CSV_FIELDS = 200

# Spreadsheets run cells starting with these as formulas: exports write them after a quote
# (catalog.imports.exports.csv_cell), which reading takes off again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# A character of two to four bytes as UTF-8 writes it: Windows-1252 text almost never holds
# one (it would take "Ã©" typed on purpose), so a file with one is UTF-8 with a damaged line.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def csv_encoding(stream: IO[bytes]) -> str:
    """The encoding to read a CSV in: "utf-8" (with or without BOM) when the file is UTF-8,
    or is UTF-8 but for a damaged line (which the reader then names); else "cp1252". The
    stream is left where it was."""
    start = stream.tell()
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while block := stream.read(READ_BLOCK):
            decoder.decode(block)
        decoder.decode(b"", final=True)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    finally:
        stream.seek(start)
    tail = b""
    while block := stream.read(READ_BLOCK):
        if _UTF8_SEQUENCE.search(tail + block):
            stream.seek(start)
            return "utf-8"
        tail = block[-3:]
    stream.seek(start)
    return EXCEL_ENCODING


class _RowTooLong(Exception):
    pass


_NO_ROWS: list[str] = []


class _Undecodable(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class _TextLines:
    """The file's lines as text, decoded line by line, so that bytes the encoding cannot read
    are reported at the line that holds them (a decoder reading ahead names a later one)."""

    def __init__(self, stream: IO[bytes], encoding: str) -> None:
        self.stream = stream
        self.decoder = codecs.getincrementaldecoder(encoding)()
        self.lines_read = 0
        self.started = False

    def readline(self, limit: int = -1) -> str:
        raw = self.stream.readline(limit)
        try:
            line = self.decoder.decode(raw, final=not raw)
        except UnicodeDecodeError:
            raise _Undecodable(self.lines_read + 1) from None
        if not self.started:
            self.started = True
            line = line.removeprefix("\ufeff")
        self.lines_read += line.count("\n")
        return line


class _CsvLines:
    """The CSV's lines for csv.reader, read MAX_CSV_ROW_CHARS at most at a time: a row (one
    or more lines) past that raises _RowTooLong, and the rest of its line is skipped unread."""

    def __init__(self, text: _TextLines) -> None:
        self.text = text
        self.row_chars = 0
        self.again = ""

    def __iter__(self) -> "_CsvLines":
        return self

    def first(self) -> str:
        """The first line, which the next read gives again: its delimiter is chosen from it
        before csv.reader starts ("" for an empty file)."""
        self.again = next(self, "")
        return self.again

    def __next__(self) -> str:
        if self.again:
            line, self.again = self.again, ""
            self.row_chars += len(line)
            return line
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


def csv_rows_read(
    stream: IO[bytes], columns: Collection[str], encoding: str = ""
) -> Iterator[tuple[int, list[str] | None]]:
    """Each row of a CSV file, its header first, with the line of the file it starts on: read
    in `encoding` (by default, the one csv_encoding finds), split at the delimiter the header
    row tells (`columns` are the names it knows); None for a row over MAX_CSV_ROW_CHARS.
    Every CSV import reads its file through this. FileUnreadable names the line of bytes that
    neither encoding reads, or of a row csv cannot split."""
    encoding = encoding or csv_encoding(stream)
    lines = _CsvLines(_TextLines(stream, encoding))
    reader: Any = None
    try:
        try:
            delimiter = csv_delimiter(lines.first(), columns)
        except _RowTooLong:
            raise _header_too_long() from None
        reader = csv.reader(lines, delimiter=delimiter)
        rows = _csv_rows(reader, lines)
        line = 1
        while True:
            values = next(rows, _NO_ROWS)
            if values is _NO_ROWS:
                return
            yield line, values
            line = lines.text.lines_read + 1
    except _Undecodable as error:
        if encoding == EXCEL_ENCODING:
            raise FileUnreadable(
                gettext(
                    "The CSV file is neither UTF-8 nor Windows-1252 (as Excel saves it) at "
                    "line %(line)s: save it as CSV UTF-8."
                )
                % {"line": error.line}
            ) from None
        raise FileUnreadable(
            gettext("The CSV file is not UTF-8 at line %(line)s: save it as CSV UTF-8.")
            % {"line": error.line}
        ) from None
    except csv.Error as error:
        raise FileUnreadable(
            gettext("The CSV file is malformed at line %(line)s: %(error)s.")
            % {"line": reader.line_num if reader else 1, "error": error}
        ) from None


def csv_records(
    stream: IO[bytes], start_after: int = 0, start_offset: int = 0
) -> Iterator[tuple[SourceRecord, int]]:
    rows = csv_rows_read(stream, CSV_HEADER_NAMES)
    _line, header = next(rows, (1, _NO_ROWS))
    if header is _NO_ROWS:
        return
    if header is None:
        raise _header_too_long()
    columns = csv_columns_read(header)
    if len(columns) > MAX_CSV_FIELDS:
        raise FileUnreadable(
            ngettext(
                "The CSV header has %(count)s column; at most %(limit)s are read. Keep the "
                "template's columns.",
                "The CSV header has %(count)s columns; at most %(limit)s are read. Keep the "
                "template's columns.",
                len(columns),
            )
            % {"count": f"{len(columns):,}", "limit": MAX_CSV_FIELDS}
        )
    if "title" not in columns:
        raise FileUnreadable(
            gettext(
                "The CSV file needs a header row with at least a %(column)s column; "
                "download the template for the full list."
            )
            % {"column": quoted("title")}
        )
    absent = csv_fields_absent(columns)
    position = 0
    for line, values in rows:
        position += 1
        if position <= start_after:
            continue
        if values is None:
            reason = gettext("over %(limit)s characters") % {"limit": f"{MAX_CSV_ROW_CHARS:,}"}
            yield _csv_reject(position, line, reason), stream.tell()
            continue
        if not any(v.strip() for v in values):
            continue
        if len(values) > MAX_CSV_FIELDS:
            reason = ngettext(
                "%(count)s field, over %(limit)s",
                "%(count)s fields, over %(limit)s",
                len(values),
            ) % {
                "count": f"{len(values):,}",
                "limit": MAX_CSV_FIELDS,
            }
            yield _csv_reject(position, line, reason, values[:MAX_CSV_FIELDS]), stream.tell()
            continue
        row = dict(zip(columns, map(_formula_unquoted, values), strict=False))
        source = SourceRecord(position=position, raw=_csv_line(values), line=line, absent=absent)
        source.title = (row.get("title") or "").strip()[:300]
        try:
            source.data, source.items = csv_map(row)
            source.identifiers = identifiers_label(source.data)
            source.warnings = csv_warnings(row)
        except RecordRejected as error:
            source.error = str(error)
            source.identifiers = list_joined(
                identifier_shown(name, row[name].strip())
                for name in ("isbn", "issn", "lccn", "control_number")
                if (row.get(name) or "").strip()
            )[:500]
        yield source, stream.tell()


def _header_too_long() -> FileUnreadable:
    return FileUnreadable(
        gettext("The CSV header row is over %(limit)s characters; keep the template's columns.")
        % {"limit": f"{MAX_CSV_ROW_CHARS:,}"}
    )


def _csv_reject(
    position: int, line: int, reason: str, values: list[str] | None = None
) -> SourceRecord:
    return SourceRecord(
        position=position,
        line=line,
        raw=_csv_line(values or []),
        error=gettext("The row has %(reason)s: split it, or check its quotes.")
        % {"reason": reason},
    )


def _csv_line(values: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerow(values)
    return out.getvalue().encode()


def _formula_unquoted(value: str) -> str:
    return value[1:] if value[:1] == "'" and value[1:2] in FORMULA_STARTS else value


def csv_template() -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerow(
        [
            "The left hand of darkness",
            "a novel",
            "Le Guin, Ursula K.; Jameson, Fredric",
            "author; contributor",
            "9780441478125",
            "",
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
            "lcsh; local",
            "31234000012345; 31234000012346",
            "PS3562.E42 L4\\; c.1; PS3562.E42 L4\\; c.2",
            "MAIN; EAST",
            "available; on_loan",
            "18.99; 18.99",
        ]
    )
    return out.getvalue()
