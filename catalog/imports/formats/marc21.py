"""The catalog's reading of a MARC 21 bibliographic record, from pymarc or the direct reader."""

import re
from collections.abc import Iterable

import pymarc
from django.utils.translation import gettext

from catalog.identifiers import InvalidIdentifier, identifier_normalize, isbn_check_digit_wrong
from catalog.imports.formats.source import (
    ITEM_STATUSES,
    ItemData,
    RecordRejected,
    isbn_invalid_said,
    language_code,
    year_in,
)
from catalog.marc import MAPPED_TAGS
from catalog.services import SUBJECT_SCHEME_DEFAULT, RecordData
from catalog.text import closing_punctuation_stripped, series_joined
from common.numbers import whole_number

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTRIBUTOR_TAGS = ("100", "110", "111", "700", "710", "711")
_CORPORATE_TAGS = ("110", "111", "710", "711")
_PERSON_TAGS = ("100", "700")
_SUBJECT_TAGS = ("600", "610", "611", "630", "648", "650", "651", "655")
_SUBJECT_SCHEMES = {"0": "lcsh", "1": "lcac", "2": "mesh", "3": "nal", "5": "cash", "6": "rvm"}
_TITLE_CODES = ("a", "n", "p")
_NAME_CODES = ("a", "b", "c", "q", "d")
_PERSON_NAME_CODES = ("a", "b", "c", "q")
_RELATOR_CODES = ("e", "4")
_HEADING_CODES = ("a", "b", "c", "d", "t")
_DIVISION_CODES = ("v", "x", "y", "z")
_CALL_NUMBER_CODES = ("h", "i")
_RELATORS = (
    ("author", "author"),
    ("aut", "author"),
    ("edit", "editor"),
    ("ill", "illustrator"),
    ("trans", "translator"),
    ("trl", "translator"),
    ("edt", "editor"),
)

Subfields = list[tuple[str, str]]
# The parts of a MARC field the mapping reads: its tag, a control field's data (None for a data
# field), a data field's second indicator, and its subfields, whose values hold no control
# characters (a broken MARC-8 escape, say, is no text). A plain tuple: a record has ten fields
# or more, and a tuple is made without the call an object's __init__ costs.
MarcField = tuple[str, str | None, str, Subfields]


class MarcFields:
    """The mapped fields of a record, by tag and in the record's order."""

    __slots__ = ("by_tag", "ordered")

    def __init__(
        self, ordered: list[MarcField], by_tag: dict[str, list[MarcField]] | None = None
    ) -> None:
        """`by_tag`, when the reader has grouped `ordered` by tag already, is taken as is."""
        self.ordered = ordered
        if by_tag is None:
            by_tag = {}
            for found in ordered:
                same = by_tag.get(found[0])
                if same is None:
                    by_tag[found[0]] = [found]
                else:
                    same.append(found)
        self.by_tag = by_tag

    @classmethod
    def of_record(cls, record: pymarc.Record) -> "MarcFields":
        return cls(
            [
                (found.tag, found.data, found.indicator2, subfields_cleaned(found.subfields))
                for found in record.fields
                if found.tag in MAPPED_TAGS
            ]
        )

    def get(self, tag: str) -> MarcField | None:
        found = self.by_tag.get(tag)
        return found[0] if found else None

    def data(self, tag: str) -> str:
        """The data of the first control field of this tag, "" when there is none."""
        found = self.by_tag.get(tag)
        return (found[0][1] or "") if found else ""

    def get_fields(self, *tags: str) -> list[MarcField]:
        """The fields of these tags, in the record's order (subjects keep their order)."""
        present = [self.by_tag[tag] for tag in tags if tag in self.by_tag]
        if len(present) == 1:
            return present[0]
        if not present:
            return []
        wanted = frozenset(tags)
        return [f for f in self.ordered if f[0] in wanted]


def subfields_cleaned(subfields: Iterable[tuple[str, str]]) -> Subfields:
    """Subfields with each control character of their values read as a space, as every write
    of a record reads them: a vertical tab Word pastes for a line break stands between two
    words, and left out it would glue them together."""
    return [(code, _CONTROL.sub(" ", value)) for code, value in subfields]


def _clean(value: str | None, limit: int) -> str:
    """A value without ISBD's closing punctuation (" /", " :", "."), the full stop of an
    initial or an abbreviation kept ("Tolkien, J. R. R.", "etc.")."""
    return closing_punctuation_stripped((value or "").strip()).strip()[:limit]


def _heading_part(value: str) -> str:
    return closing_punctuation_stripped(value.strip(), " ").strip()


def contributor_name(tag: str, codes: Subfields) -> str:
    """A contributor's name without ISBD's closing comma or full stop ("Wall, Larry."), an
    initial's or an abbreviation's kept ("Brown, Martin C.", "Jr."), and a person's dates
    ($d) set apart in brackets: "Hunter, Dan (1966-)", not "Hunter, Dan, 1966-". A body's
    or a meeting's $d (a meeting's date, in its own brackets) stays where it is written."""
    if tag not in _PERSON_TAGS:
        return _clean(" ".join([v for c, v in codes if c in _NAME_CODES]), 500)
    name = _clean(" ".join([v for c, v in codes if c in _PERSON_NAME_CODES]), 500)
    dates = _clean(" ".join([v for c, v in codes if c == "d"]), 500)
    return (f"{name} ({dates})" if name and dates else name or dates)[:500]


def _first(record: MarcFields, tags: tuple[str, ...], code: str) -> str:
    """The first `code` subfield of the first field of these tags that has one."""
    for tag in tags:
        for _, _, _, subfields in record.by_tag.get(tag, ()):
            for each, value in subfields:
                if each == code:
                    return value
    return ""


def _value(subfields: Subfields, code: str) -> str:
    for each, value in subfields:
        if each == code:
            return value
    return ""


def _role(tag: str, subfields: Subfields) -> str:
    if tag in _CORPORATE_TAGS:
        return "corporate"
    if tag == "100":
        return "author"
    relator = " ".join([v for c, v in subfields if c in _RELATOR_CODES]).lower()
    for needle, role in _RELATORS:
        if needle in relator:
            return role
    return "contributor"


def marc_map(
    record: "pymarc.Record | MarcFields", warnings: list[str] | None = None
) -> tuple[RecordData, list[ItemData]]:
    """The catalog's reading of a MARC 21 bibliographic record; RecordRejected if unusable.
    What it reads otherwise than written (an ISBN kept as invalid) goes to `warnings`."""
    if not isinstance(record, MarcFields):
        record = MarcFields.of_record(record)
    fields = record.by_tag
    title_field = record.get("245")
    if title_field is None:
        raise RecordRejected(gettext("No title: field 245 $a is missing or empty."))
    _, _, title_indicator2, codes = title_field
    title = _clean(" ".join([v for c, v in codes if c in _TITLE_CODES]), 1000)
    if not title:
        raise RecordRejected(gettext("No title: field 245 $a is missing or empty."))
    nonfiling = whole_number(title_indicator2 or "", 1) or 0
    subtitle = _clean(" ".join([v for c, v in codes if c == "b"]), 1000)

    contributors = []
    for tag, _, _, codes in record.get_fields(*CONTRIBUTOR_TAGS):
        name = contributor_name(tag, codes)
        if name:
            contributors.append((name, _role(tag, codes)))

    identifiers: list[tuple[str, str]] = []
    for tag, kind in (("020", "isbn"), ("022", "issn"), ("010", "lccn")):
        for _, _, _, codes in fields.get(tag, ()):
            for code, value in codes:
                # Only a $z, or an $a that is no valid ISBN, is looked at for a wrong check digit.
                if code == "z" and tag == "020" and (wrong := isbn_check_digit_wrong(value)):
                    identifiers.append(("isbn_bad", wrong))
                if code != "a":
                    continue
                try:
                    identifiers.append((kind, identifier_normalize(kind, value)))
                except InvalidIdentifier:
                    if tag == "020" and (wrong := isbn_check_digit_wrong(value)):
                        identifiers.append(("isbn_bad", wrong))
                        if warnings is not None:
                            warnings.append(isbn_invalid_said(value))
                    # Otherwise kept in the source MARC only; only valid numbers are matched on.
    for _, _, _, codes in fields.get("035", ()):
        for code, value in codes:
            if code == "a" and "ocolc" in value.lower():
                try:
                    identifiers.append(("oclc", identifier_normalize("oclc", value)))
                except InvalidIdentifier:
                    continue

    fixed_data = record.data("008")
    publication = fields.get("264") or fields.get("260") or ()
    publisher = _clean(_first(record, ("264", "260"), "b"), 500)
    year = year_in(
        " ".join([v for _, _, _, codes in publication for c, v in codes if c == "c"])
    ) or year_in(fixed_data[7:11])

    subjects = []
    for _, _, indicator2, codes in record.get_fields(*_SUBJECT_TAGS):
        # ISBD closes each part with a full stop ("Amitié."), which goes; one that ends an
        # abbreviation ("Romans, nouvelles, etc.") is the heading's own.
        parts = [_heading_part(v) for c, v in codes if c in _HEADING_CODES]
        divisions = [_heading_part(v) for c, v in codes if c in _DIVISION_CODES]
        heading = " -- ".join([" ".join([p for p in parts if p]), *divisions]).strip(" -")
        if not heading:
            continue
        scheme = _SUBJECT_SCHEMES.get(indicator2 or "", SUBJECT_SCHEME_DEFAULT)
        if indicator2 == "7":
            scheme = ([v for c, v in codes if c == "2"] or [SUBJECT_SCHEME_DEFAULT])[0][:32]
        subjects.append((heading[:500], scheme))

    series = ""
    series_fields = fields.get("490") or fields.get("830")
    if series_fields:
        codes = series_fields[0][3]
        series = series_joined(
            _clean(" ".join([v for c, v in codes if c == "a"]), 500),
            _clean(" ".join([v for c, v in codes if c == "v"]), 500),
        )[:500]

    data = RecordData(
        title=title,
        subtitle=subtitle,
        publisher=publisher,
        publication_year=year,
        edition=_clean(_first(record, ("250",), "a"), 200),
        language=language_code(fixed_data[35:38]) or language_code(_first(record, ("041",), "a")),
        series=series,
        summary=" ".join(
            [v.strip() for _, _, _, codes in fields.get("520", ()) for c, v in codes if c == "a"]
        ),
        control_number=record.data("001").strip()[:64],
        control_number_source=record.data("003").strip()[:64],
        contributors=contributors,
        subjects=subjects,
        identifiers=list(dict.fromkeys(identifiers)),
        nonfiling=nonfiling,
    )
    return data, marc_items(record)


def marc_items(record: "pymarc.Record | MarcFields") -> list[ItemData]:
    """Copies from holdings: MARC 852 ($p barcode, $b location, $h/$i call number, $z public
    note, $x staff note; $9 the copy's status, as Stacks exports it) and Koha's 952 ($p
    barcode)."""
    if not isinstance(record, MarcFields):
        record = MarcFields.of_record(record)
    items = []
    for _, _, _, codes in record.by_tag.get("852", ()):
        barcode = _value(codes, "p").strip()
        if barcode:
            call_number = " ".join([v for c, v in codes if c in _CALL_NUMBER_CODES]).strip()
            location = _value(codes, "b").strip()
            status = _value(codes, "9").strip()
            item = ItemData(barcode[:64], call_number[:200], location[:32])
            item.status = status if status in ITEM_STATUSES else ""
            item.public_note = " ".join([v.strip() for c, v in codes if c == "z"])[:1000]
            item.staff_note = " ".join([v.strip() for c, v in codes if c == "x"])[:1000]
            items.append(item)
    for _, _, _, codes in record.by_tag.get("952", ()):
        barcode = _value(codes, "p").strip()
        if barcode:
            call_number = _value(codes, "o").strip()
            location = ([v for c, v in codes if c == "a"] or [_value(codes, "b")])[0].strip()
            items.append(ItemData(barcode[:64], call_number[:200], location[:32]))
    return items
