"""Reading CSV files row by row in the documented columns, and the template to fill in."""

import codecs
import csv
import io
import re
from collections.abc import Collection, Iterable, Iterator
from typing import IO, Any

from django.utils.translation import gettext, ngettext

from catalog.identifiers import InvalidIdentifier, identifier_normalize, isbn_check_digit_wrong
from catalog.imports.formats.csv_header import (
    CSV_COLUMNS,
    CSV_HEADER_NAMES,
    csv_columns_read,
)
from catalog.imports.formats.marc import READ_BLOCK
from catalog.imports.formats.source import (
    ITEM_STATUSES,
    FileUnreadable,
    ItemData,
    RecordRejected,
    SourceRecord,
    identifiers_label,
    isbn_invalid_said,
    language_code,
    price_in,
    year_in,
)
from catalog.imports.models import EXCEL_ENCODING
from catalog.models import identifier_shown
from catalog.services import SUBJECT_SCHEME_DEFAULT, RecordData
from common.csv_delimiters import csv_delimiter
from common.language import list_joined, quoted

LIST_SEPARATOR = ";"
# A list's value holding the separator (or this escape) is written with it escaped, so that an
# export reads back as it went out; a backslash before anything else is just a backslash.
LIST_ESCAPE = "\\"
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


# The column each of a record's fields is read from (an identifier by its kind: an ISBN with a
# wrong check digit comes from the isbn column too), and its contributors' roles and its
# headings' schemes, which are read beside their names.
_FIELD_COLUMNS: dict[str, str | None] = {
    "title": "title", "subtitle": "subtitle", "publisher": "publisher",
    "publication_year": "year", "edition": "edition", "language": "language",
    "series": "series", "summary": "summary", "control_number": "control_number",
    "control_number_source": "control_number_source", "contributors": "authors",
    "subjects": "subjects", "isbn": "isbn", "isbn_bad": "isbn", "issn": "issn", "lccn": "lccn",
    "oclc": "oclc", "contributor_roles": "roles", "subject_schemes": "subject_schemes",
    "nonfiling": None,  # no column says how many of a title's characters sorting skips
}  # fmt: skip


def csv_fields_absent(columns: Iterable[str]) -> frozenset[str]:
    """The record's fields (identifier kinds, roles and schemes) a file with `columns` has no
    column for."""
    given = set(columns)
    return frozenset(name for name, column in _FIELD_COLUMNS.items() if column not in given)


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


def list_join(values: Iterable[str]) -> str:
    """A list as one cell: its values between separators, each with its own separators and
    escapes escaped."""
    return LIST_SEPARATOR.join(
        value.replace(LIST_ESCAPE, LIST_ESCAPE * 2).replace(
            LIST_SEPARATOR, LIST_ESCAPE + LIST_SEPARATOR
        )
        for value in values
    )


def _list_parts(value: str) -> list[str]:
    """A list cell's values: split at each separator not escaped, the escapes taken off."""
    parts: list[str] = []
    part: list[str] = []
    chars = iter(value)
    for char in chars:
        if char == LIST_SEPARATOR:
            parts.append("".join(part))
            part = []
        elif char == LIST_ESCAPE:
            following = next(chars, "")
            part.append(
                following if following in (LIST_SEPARATOR, LIST_ESCAPE) else char + following
            )
        else:
            part.append(char)
    parts.append("".join(part))
    return parts


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in _list_parts(value or "") if part.strip()]


def _aligned(value: str | None, count: int) -> list[str]:
    """A list column read beside another (a copy's call number beside its barcode): one value
    is every one's, else the n-th value is the n-th one's."""
    parts = [part.strip() for part in _list_parts(value or "")]
    if len(parts) == 1:
        return parts * count
    return (parts + [""] * count)[:count]


def csv_map(row: dict[str, str]) -> tuple[RecordData, list[ItemData]]:
    title = (row.get("title") or "").strip()
    if not title:
        raise RecordRejected(
            gettext("No title: the %(column)s column is empty.") % {"column": quoted("title")}
        )
    year = year_in(row.get("year", ""))
    identifiers = []
    for kind in ("isbn", "issn", "lccn", "oclc"):
        for value in _split(row.get(kind)):
            try:
                identifiers.append((kind, identifier_normalize(kind, value)))
            except InvalidIdentifier as error:
                # A wrong check digit is kept as an invalid ISBN, as MARC's are (csv_warnings).
                wrong = isbn_check_digit_wrong(value) if kind == "isbn" else None
                if wrong:
                    identifiers.append(("isbn_bad", wrong))
                    continue
                raise RecordRejected(
                    gettext("Column %(column)s: %(error)s")
                    % {"column": kind, "error": error.message}
                ) from None
    authors = _split(row.get("authors"))
    roles = [role or "author" for role in _aligned(row.get("roles"), len(authors))]
    headings = _split(row.get("subjects"))
    schemes = [
        scheme or SUBJECT_SCHEME_DEFAULT
        for scheme in _aligned(row.get("subject_schemes"), len(headings))
    ]
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
        contributors=list(zip(authors, roles, strict=True)),
        subjects=list(zip(headings, schemes, strict=True)),
        identifiers=identifiers,
    )
    barcodes = _split(row.get("barcode"))
    count = len(barcodes)
    statuses = _aligned(row.get("status"), count)
    for status in statuses:
        if status and status not in ITEM_STATUSES:
            raise RecordRejected(
                gettext(
                    "Column status: \u201c%(status)s\u201d is not a copy status; use one of "
                    "%(statuses)s (or leave it empty for available)."
                )
                % {"status": status[:40], "statuses": ", ".join(sorted(ITEM_STATUSES))}
            )
    items = [
        ItemData(barcode[:64], call_number[:200], location[:32], status, _price(price))
        for barcode, call_number, location, status, price in zip(
            barcodes,
            _aligned(row.get("call_number"), count),
            _aligned(row.get("location"), count),
            statuses,
            _aligned(row.get("price"), count),
            strict=True,
        )
    ]
    return data, items


def _price(given: str) -> str:
    price = price_in(given)
    if price is None:
        raise RecordRejected(
            gettext(
                "Column price: %(price)s is not an amount; write it in digits, such as 12.50 "
                "or 12,50 \u20ac (or leave it empty for no price)."
            )
            % {"price": quoted(given[:40])}
        )
    return price


def csv_warnings(row: dict[str, str]) -> list[str]:
    """What a row gives that the import cannot read, and so leaves out of the record."""
    warnings = [isbn_invalid_said(v) for v in _split(row.get("isbn")) if isbn_check_digit_wrong(v)]
    year = (row.get("year") or "").strip()
    if year and year_in(year) is None:
        warnings.append(
            gettext(
                "The year \u201c%(year)s\u201d cannot be read as a year (write it in digits, "
                "e.g. 1998): the record is imported without a year."
            )
            % {"year": year[:40]}
        )
    language = (row.get("language") or "").strip()
    if language and not language_code(language):
        warnings.append(
            gettext(
                "The language \u201c%(language)s\u201d is not a three-letter MARC code (e.g. "
                "eng, fre): the record is imported without a language."
            )
            % {"language": language[:40]}
        )
    return warnings


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
