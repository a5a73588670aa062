"""A CSV row as a record: its cells read into the record's fields and copies, what it gives
that the import cannot read, and the fields a file has no column for."""

from collections.abc import Iterable

from django.utils.translation import gettext

from catalog.identifiers import InvalidIdentifier, identifier_normalize, isbn_check_digit_wrong
from catalog.imports.formats.source import (
    ITEM_STATUSES,
    ItemData,
    RecordRejected,
    isbn_invalid_said,
    language_code,
    price_in,
    year_in,
)
from catalog.services import SUBJECT_SCHEME_DEFAULT, RecordData
from common.language import quoted

LIST_SEPARATOR = ";"
# A list's value holding the separator (or this escape) is written with it escaped, so that an
# export reads back as it went out; a backslash before anything else is just a backslash.
LIST_ESCAPE = "\\"


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
