"""A record as a file holds it, what the readers make of it, and the errors they report."""

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import get_language, gettext, gettext_lazy

from catalog.models import MAX_YEAR, Item, identifier_shown
from catalog.services import RecordData
from common.errors import ApplicationError
from common.language import list_joined

_YEAR = re.compile(r"(1[0-9]{3}|20[0-9]{2})")
_LANGUAGE_CODE = re.compile(r"[a-z]{3}")
# What is written around an amount and means nothing to it: currencies and spaces.
_CURRENCY = re.compile(r"[€$£¥]|\b(?:EUR|USD|GBP|CHF|CAD)\b", re.IGNORECASE)
_GROUPED = re.compile(r"[0-9]{1,3}(?:([.,'\u2019])[0-9]{3})?(?:\1[0-9]{3})*|[0-9]+")
# Item.price: ten digits, two after the point.
MAX_PRICE_DIGITS = 8


class FileUnreadable(ApplicationError):
    """The file as a whole cannot be read further (not a single bad record)."""

    code = "file_unreadable"


class RecordRejected(Exception):
    """One record cannot be imported; the message says what to fix."""


STRUCTURE_DAMAGED = gettext_lazy(
    "The record's structure is damaged (its directory does not match its fields): "
    "export it again from the system it came from."
)


# The copy statuses a file may give (the catalog's Item.Status values).
ITEM_STATUSES = frozenset(Item.Status.values)


@dataclass
class ItemData:
    barcode: str
    call_number: str = ""
    location: str = ""
    status: str = ""  # one of ITEM_STATUSES; none given means available
    price: str = ""  # a price_in amount ("12.50"); none given means no price
    public_note: str = ""
    staff_note: str = ""


@dataclass
class SourceRecord:
    """One record as it stands in the file: its position, its bytes, and what it says."""

    position: int
    raw: bytes
    # A CSV row's line in the file, where the row starts (the header is line 1; a cell with a
    # line break in it takes more than one line); None for a MARC record.
    line: int | None = None
    data: RecordData | None = None
    items: list[ItemData] = field(default_factory=list)
    error: str = ""
    identifiers: str = ""
    title: str = ""  # as the file writes it, for a rejected record's row
    warnings: list[str] = field(default_factory=list)  # what is read otherwise than written
    # The record's fields (identifier kinds, "contributor_roles", "subject_schemes") the file
    # has no column for, a CSV's: an update leaves them as the record has them
    # (catalog.imports.merging.absent_fields_kept).
    absent: frozenset[str] = frozenset()
    # Worked out on the reader thread, so the writer does not wait for them: the keys it
    # matches on, and the record's COPY text (catalog.imports.plans.Prepared).
    keys: list[str] = field(default_factory=list)
    prepared: Any = None

    def fields_warned(self, message: "str | Promise", fields: list[str]) -> None:
        """Warn on the row with `message` (with `%(fields)s`; lazily translated, so a record
        with nothing to say costs no lookup) naming `fields`, when there are any."""
        if fields:
            self.warnings.append(str(message) % {"fields": ", ".join(fields)})


def data_to_json(data: RecordData, items: list[ItemData]) -> dict[str, Any]:
    payload = asdict(data)
    payload.pop("source_marc", None)
    payload["items"] = [asdict(item) for item in items]
    return payload


def data_from_json(payload: dict[str, Any]) -> tuple[RecordData, list[ItemData]]:
    payload = dict(payload)
    items = [ItemData(**item) for item in payload.pop("items", [])]
    for key in ("contributors", "subjects", "identifiers"):
        payload[key] = [tuple(pair) for pair in payload.get(key, [])]
    return RecordData(**payload), items


def identifiers_label(data: RecordData, language: str | None = None) -> str:
    # Read for every record of an import: the language is asked once, not once a part (once a
    # file when the reader passes it).
    language = language or get_language() or ""
    parts = [identifier_shown(kind, value, language) for kind, value in data.identifiers[:4]]
    if data.control_number:
        parts.insert(0, f"001 {data.control_number}")
    return list_joined(parts, language)[:500]


def isbn_invalid_said(value: str) -> str:
    """The row's warning for an ISBN kept as invalid (its check digit is wrong)."""
    return gettext("ISBN %(isbn)s has a wrong check digit: kept as an invalid ISBN.") % {
        "isbn": value.strip().split(" ")[0]
    }


def year_in(text: str | None) -> int | None:
    """The first plausible year in a date as files write it ("c1969.", "[2001?]")."""
    match = _YEAR.search(text or "")
    if not match:
        return None
    year = int(match.group(1))
    return year if 0 <= year <= MAX_YEAR else None


def language_code(code: str | None) -> str:
    """A three-letter MARC language code, or nothing."""
    code = (code or "").strip().lower()
    return code if _LANGUAGE_CODE.fullmatch(code) else ""


def price_in(text: str) -> str | None:
    """An amount as librarians write it ("12,50 €", "$1,234.50", "1 234,5", "8") as Item.price
    stores it ("12.50"), "" when none is given, None when it is not an amount ("douze", "-3"):
    the last "," or "." before one or two digits starts the cents, others group thousands."""
    plain = "".join(_CURRENCY.sub("", text).split())
    if not plain:
        return ""
    cents = re.search(r"[.,]([0-9]{1,2})$", plain)
    whole = plain[: cents.start()] if cents else plain
    if not _GROUPED.fullmatch(whole):
        return None
    digits = re.sub(r"[^0-9]", "", whole).lstrip("0") or "0"
    if len(digits) > MAX_PRICE_DIGITS:
        return None
    return f"{digits}.{(cents.group(1) if cents else '').ljust(2, '0')}"
