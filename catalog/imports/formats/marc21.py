"""The catalog's reading of a MARC 21 bibliographic record, from pymarc or the direct reader."""

import re

import pymarc
from django.utils.translation import gettext

from catalog.identifiers import InvalidIdentifier, identifier_normalize
from catalog.imports.formats.source import (
    ITEM_STATUSES,
    ItemData,
    RecordRejected,
    language_code,
    year_in,
)
from catalog.services import RecordData

_TRAILING = " /:;,=."
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SUBJECT_TAGS = ("600", "610", "611", "630", "648", "650", "651", "655")
_SUBJECT_SCHEMES = {"0": "lcsh", "1": "lcac", "2": "mesh", "3": "nal", "5": "cash", "6": "rvm"}
_RELATORS = (
    ("author", "author"),
    ("aut", "author"),
    ("edit", "editor"),
    ("ill", "illustrator"),
    ("trans", "translator"),
    ("trl", "translator"),
    ("edt", "editor"),
)


def _clean(value: str | None, limit: int) -> str:
    return (value or "").strip().rstrip(_TRAILING).strip()[:limit]


def _sub(field: pymarc.Field, *codes: str) -> list[str]:
    # Control characters (a broken MARC-8 escape, say) are no text: they are left out.
    return [_CONTROL.sub("", value) for code, value in field.subfields if code in codes]


def _first(record: pymarc.Record, tags: tuple[str, ...], *codes: str) -> str:
    for tag in tags:
        for found in record.get_fields(tag):
            values = _sub(found, *codes)
            if values:
                return values[0]
    return ""


def _role(found: pymarc.Field) -> str:
    if found.tag in ("110", "111", "710", "711"):
        return "corporate"
    if found.tag in ("100",):
        return "author"
    relator = " ".join(_sub(found, "e", "4")).lower()
    for needle, role in _RELATORS:
        if needle in relator:
            return role
    return "contributor"


def marc_map(record: pymarc.Record) -> tuple[RecordData, list[ItemData]]:
    """The catalog's reading of a MARC 21 bibliographic record; RecordRejected if unusable."""
    title_field = record.get("245")
    title = _clean(" ".join(_sub(title_field, "a", "n", "p")), 1000) if title_field else ""
    if not title:
        raise RecordRejected(gettext("No title: field 245 $a is missing or empty."))
    nonfiling = 0
    if title_field is not None and title_field.indicator2 and title_field.indicator2.isdigit():
        nonfiling = int(title_field.indicator2)
    subtitle = _clean(" ".join(_sub(title_field, "b")), 1000) if title_field else ""

    contributors = []
    for found in record.get_fields("100", "110", "111", "700", "710", "711"):
        name = " ".join(_sub(found, "a", "b", "c", "q", "d")).strip().rstrip(",").strip()
        if name:
            contributors.append((name[:500], _role(found)))

    identifiers: list[tuple[str, str]] = []
    for tag, kind, codes in (
        ("020", "isbn", ("a",)),
        ("022", "issn", ("a",)),
        ("010", "lccn", ("a",)),
    ):
        for found in record.get_fields(tag):
            for value in _sub(found, *codes):
                try:
                    identifiers.append((kind, identifier_normalize(kind, value)))
                except InvalidIdentifier:
                    continue  # kept in the source MARC; only valid numbers are matched on
    for found in record.get_fields("035"):
        for value in _sub(found, "a"):
            if "ocolc" in value.lower():
                try:
                    identifiers.append(("oclc", identifier_normalize("oclc", value)))
                except InvalidIdentifier:
                    continue

    control = record.get("001")
    source = record.get("003")
    fixed = record.get("008")
    fixed_data = (fixed.data or "") if fixed is not None else ""
    publication = record.get_fields("264") or record.get_fields("260")
    publisher = _clean(_first(record, ("264", "260"), "b"), 500)
    year = year_in(" ".join(v for f in publication for v in _sub(f, "c"))) or year_in(
        fixed_data[7:11]
    )

    subjects = []
    for found in record.get_fields(*_SUBJECT_TAGS):
        parts = [p.strip().rstrip(".").strip() for p in _sub(found, "a", "b", "c", "d", "t")]
        divisions = [p.strip().rstrip(".").strip() for p in _sub(found, "v", "x", "y", "z")]
        heading = " -- ".join([" ".join(p for p in parts if p), *divisions]).strip(" -")
        if not heading:
            continue
        scheme = _SUBJECT_SCHEMES.get(found.indicator2 or "", "local")
        if found.indicator2 == "7":
            scheme = (_sub(found, "2") or ["local"])[0][:32]
        subjects.append((heading[:500], scheme))

    series_fields = record.get_fields("490") or record.get_fields("830")
    series = _clean(" ".join(_sub(series_fields[0], "a", "v")), 500) if series_fields else ""

    data = RecordData(
        title=title,
        subtitle=subtitle,
        publisher=publisher,
        publication_year=year,
        edition=_clean(_first(record, ("250",), "a"), 200),
        language=language_code(fixed_data[35:38]) or language_code(_first(record, ("041",), "a")),
        series=series,
        summary=" ".join(v.strip() for f in record.get_fields("520") for v in _sub(f, "a")),
        control_number=((control.data or "").strip()[:64] if control is not None else ""),
        control_number_source=((source.data or "").strip()[:64] if source is not None else ""),
        contributors=contributors,
        subjects=subjects,
        identifiers=list(dict.fromkeys(identifiers)),
        nonfiling=nonfiling,
    )
    return data, marc_items(record)


def marc_items(record: pymarc.Record) -> list[ItemData]:
    """Copies from holdings: MARC 852 ($p barcode; $9 the copy's status, as Stacks exports
    it) and Koha's 952 ($p barcode)."""
    items = []
    for found in record.get_fields("852"):
        barcode = (_sub(found, "p") or [""])[0].strip()
        if barcode:
            call_number = " ".join(_sub(found, "h", "i")).strip()
            location = (_sub(found, "b") or [""])[0].strip()
            status = (_sub(found, "9") or [""])[0].strip()
            item = ItemData(barcode[:64], call_number[:200], location[:32])
            item.status = status if status in ITEM_STATUSES else ""
            items.append(item)
    for found in record.get_fields("952"):
        barcode = (_sub(found, "p") or [""])[0].strip()
        if barcode:
            call_number = (_sub(found, "o") or [""])[0].strip()
            location = (_sub(found, "a") or _sub(found, "b") or [""])[0].strip()
            items.append(ItemData(barcode[:64], call_number[:200], location[:32]))
    return items
