"""The columns a CSV's header names that the import does not read, each with the template's
column it probably meant, and those it reads by another name, for the preview to say both."""

import csv
import difflib
from typing import IO, NamedTuple

from catalog.imports.formats.csv_file import MAX_CSV_FIELDS, MAX_CSV_ROW_CHARS
from catalog.imports.formats.csv_header import (
    CSV_COLUMNS,
    CSV_COLUMNS_READ_AS,
    CSV_FILE_COLUMNS,
    CSV_HEADER_NAMES,
    csv_column_spelt,
    csv_columns_read,
)
from common.csv_delimiters import csv_delimiter

# How long a column's name the job keeps to say it was not read.
_COLUMN_NAME_KEPT = 100


class CsvHeader(NamedTuple):
    """What the import makes of a CSV's header: the columns it does not read, each with the
    template's column it probably meant ("Author": authors) or ""; and the columns it reads
    by another name, each with the template's column it reads them as ("Titre": title)."""

    unread: list[tuple[str, str]]
    read_as: list[tuple[str, str]]


def csv_header(stream: IO[bytes], encoding: str = "utf-8") -> CsvHeader:
    """The file's columns not read, and read as a template column of another name. A header
    that cannot be read gives none (the reader says why)."""
    first = stream.readline(MAX_CSV_ROW_CHARS + 1)
    try:
        line = first.decode(encoding).removeprefix("\ufeff")
        # A header all in French or German still splits into its columns, to be named.
        delimiter = csv_delimiter(line, CSV_HEADER_NAMES | _COLUMNS_NEAR.keys())
        header = next(csv.reader([line], delimiter=delimiter), [])
    except (UnicodeDecodeError, csv.Error):
        return CsvHeader([], [])
    names = [name.strip() for name in header[:MAX_CSV_FIELDS]]
    unread: dict[str, str] = {}
    read_as: dict[str, str] = {}
    for name, column in zip(names, csv_columns_read(names), strict=True):
        if column not in CSV_FILE_COLUMNS:
            unread.setdefault(name[:_COLUMN_NAME_KEPT], _column_meant(name))
        elif csv_column_spelt(name) != column:
            read_as.setdefault(name[:_COLUMN_NAME_KEPT], column)
    unread.pop("", None)
    return CsvHeader(list(unread.items()), list(read_as.items()))


# Names that may mean a template column or something else ("Collection": a series, or a
# collection of the library), so they are not read, only named with the column they may mean.
_COLUMNS_NEAR = {
    "collection": "series", "colección": "series", "statut": "status", "estado": "status",
}  # fmt: skip
_NEAR = {csv_column_spelt(name): column for name, column in _COLUMNS_NEAR.items()}


def _column_meant(name: str) -> str:
    spelt = csv_column_spelt(name)
    # A name read as a column when the file has that column already (a second title) meant it.
    meant = _NEAR.get(spelt) or CSV_COLUMNS_READ_AS.get(spelt)
    if meant:
        return meant
    close = difflib.get_close_matches(spelt, CSV_COLUMNS, n=1, cutoff=0.7)
    return close[0] if close else ""
