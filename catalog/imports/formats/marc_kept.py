"""A record as MARC: the MARC it came in as, wherever that still says what the record says.

Each part of the record (its title, publication, contributors, subjects...) is compared with
what the source's fields of that part map to by the import's own mapping (marc21.marc_map, the
code that made the record): a part the library has not changed keeps the source's fields as
they came in; a changed title or publication is written into the source's 245 or 260/264,
which keep their other subfields and their tag; any other changed part is written anew from
the record (catalog.marc.fields_built). Fields the import does not map are kept as they came
in; the holdings are the caller's.
"""

from datetime import UTC
from typing import Any

import pymarc

from catalog.imports.formats.marc21 import marc_map
from catalog.imports.formats.source import RecordRejected, year_in
from catalog.marc import (
    ELEMENT_OF,
    ELEMENT_TAGS,
    fields_built,
    marc_leader,
    marc_source,
    marc_tag_valid,
    marc_text,
    record_fields_marc,
    record_links,
)
from catalog.models import Record
from catalog.services import RecordData
from catalog.text import name_key

# ISBD punctuation closing a subfield (" :" before a subtitle, " /" before a statement of
# responsibility): a value written in a subfield's place keeps the punctuation it had.
_TRAILING = " /:;,=."
Pairs = list[tuple[str, str]]


def record_as_marc(record: Record, *, holdings: list[pymarc.Field]) -> pymarc.Record:
    """The record as MARC as it is now, with `holdings` in place of the source's 852/952: the
    source's fields, in its order, wherever they still say what the record says, and the parts
    the library changed written from the record (a part written anew goes in by tag). A record
    without a readable source is written from its fields. Reads the record's links
    (catalog.marc.record_links), not its copies."""
    source = marc_source(record)
    if source is None:
        return record_fields_marc(record, holdings=holdings)
    try:
        was: RecordData | None = marc_map(source)[0]
    except RecordRejected:
        was = None
    changed = _changed(record, was)
    title = source.get("245")
    indicators = "10" if title is None else f"{title.indicator1 or '1'}{title.indicator2 or '0'}"
    built = fields_built(record, fixed=source.get("008"), title_indicators=indicators)
    # The source's fields a changed title or publication is written into.
    into: dict[str, pymarc.Field | None] = {
        "title": title if was is not None else None,
        "publication": _publication_field(source) if was is not None else None,
    }
    marc = pymarc.Record(force_utf8=True)
    marc.leader = marc_leader(source)
    for field in source.fields:
        if not marc_tag_valid(field.tag):
            continue  # a damaged field no reader takes back
        element = ELEMENT_OF.get(field.tag)
        if field.tag == "035" and "ocolc" not in " ".join(field.get_subfields("a")).lower():
            element = None  # a system number the import does not read: kept as it came
        if element is None or element not in changed:
            marc.fields.append(field)
        elif was is not None and field is into["title"]:
            marc.fields.append(_title_written(field, record, was))
        elif was is not None and field is into["publication"]:
            marc.fields.append(_publication_written(field, record, was))
        elif into.get(element) is not None:
            marc.fields.append(field)  # another statement (a copyright date, a printer)
    for element in ELEMENT_TAGS:
        if element in changed and into.get(element) is None:
            for field in built.get(element, []):
                marc.add_ordered_field(field)
    if changed - {"holdings"}:
        # 005 is when the record last changed: harvesters compare it to fetch edits again.
        marc.remove_fields("005")
        stamp = f"{record.updated_at.astimezone(UTC):%Y%m%d%H%M%S}.0"
        marc.add_ordered_field(pymarc.Field(tag="005", data=stamp))
    for field in holdings:
        marc.add_ordered_field(field)
    return marc


def _changed(record: Record, was: RecordData | None) -> set[str]:
    """The parts of the record that no longer say what the source's fields map to (all of
    them when the source cannot be mapped); the holdings are always the copies held now."""
    if was is None:
        return set(ELEMENT_TAGS)
    credits, subjects, identifiers = record_links(record)
    now: dict[str, Any] = {
        "control_number": record.control_number,
        "control_number_source": record.control_number_source,
        "fixed": (record.publication_year, record.language),
        "language": record.language,
        "identifiers": sorted(set(identifiers)),
        "contributors": [(name_key(name), role) for name, role in credits],
        "title": (record.title, record.subtitle),
        "edition": record.edition,
        "publication": (record.publisher, record.publication_year),
        "series": _series_key(record.series),
        "summary": record.summary,
        "subjects": [(name_key(heading), scheme) for heading, scheme in subjects],
    }
    # The source's subjects as the import links them: each heading once.
    headings: list[tuple[str, str]] = []
    for heading, scheme in was.subjects:
        key = (name_key(heading), scheme)
        if key[0] and key not in headings:
            headings.append(key)
    then: dict[str, Any] = {
        "control_number": was.control_number,
        "control_number_source": was.control_number_source,
        "fixed": (was.publication_year, was.language),
        "language": was.language,
        "identifiers": sorted(set(was.identifiers)),
        "contributors": [(name_key(n), role) for n, role in was.contributors if name_key(n)],
        "title": (was.title.strip(), was.subtitle),
        "edition": was.edition,
        "publication": (was.publisher, was.publication_year),
        "series": _series_key(was.series),
        "summary": was.summary,
        "subjects": headings,
    }
    return {element for element in now if now[element] != then[element]} | {"holdings"}


def _series_key(series: str) -> str:
    """A series as compared with its source: a record stored before the series' number was
    set apart (" ; ") still says what its 490 says."""
    return " ".join(series.replace(";", " ").split())


def _publication_field(source: pymarc.Record) -> pymarc.Field | None:
    """The 264 or 260 the import read the publisher from (the first of them otherwise)."""
    fields = source.get_fields("264") or source.get_fields("260")
    with_publisher = [f for tag in ("264", "260") for f in source.get_fields(tag) if f.get("b")]
    found = with_publisher or fields
    return found[0] if found else None


def _title_written(field: pymarc.Field, record: Record, was: RecordData) -> pymarc.Field:
    """The source's 245 saying the record's title and subtitle, its other subfields ($c, $h
    ...) kept. A changed title replaces the parts the import read it from ($a, $n, $p)."""
    subs = [(s.code, s.value) for s in field.subfields]
    if record.title != was.title.strip():
        subs = _subfield_set(_subfields_dropped(subs, "np"), "a", record.title, after="", lead="")
    if record.subtitle != was.subtitle:
        subs = _subfield_set(subs, "b", record.subtitle, after="anp", lead=" :")
    return _field_like(field, subs)


def _publication_written(field: pymarc.Field, record: Record, was: RecordData) -> pymarc.Field:
    """The source's 260 or 264 saying the record's publisher and year, its place ($a) and
    its tag kept; a date that still says the record's year is kept as written."""
    subs = [(s.code, s.value) for s in field.subfields]
    if record.publisher != was.publisher:
        subs = _subfield_set(subs, "b", record.publisher, after="a", lead=" :")
    year = record.publication_year
    if year != was.publication_year:
        dates = [value for code, value in subs if code == "c"]
        if year is None:
            subs = _subfields_dropped(subs, "c")
        elif not dates or year_in(dates[0]) != year:
            subs = _subfield_set(subs, "c", str(year), after="ab", lead=",")
    return _field_like(field, subs)


def _punctuation(value: str) -> str:
    return value[len(value.rstrip(_TRAILING)) :]


def _subfields_dropped(subs: Pairs, codes: str) -> Pairs:
    """Subfields without those of `codes`; the one before a dropped subfield takes its
    closing punctuation."""
    kept: Pairs = []
    for code, value in subs:
        if code not in codes:
            kept.append((code, value))
        elif kept:
            before_code, before = kept[-1]
            kept[-1] = (before_code, before.rstrip(_TRAILING) + _punctuation(value))
    return kept


def _subfield_set(subs: Pairs, code: str, value: str, *, after: str, lead: str) -> Pairs:
    """Subfields with `value` as the one `code` (the first kept, with its punctuation; the
    others dropped), or none if `value` is empty. A new one goes after the last of the codes
    `after`, taking the punctuation of the one before it, which gets `lead`."""
    if not value:
        return _subfields_dropped(subs, code)
    found = [i for i, (each, _) in enumerate(subs) if each == code]
    if found:
        first = found[0]
        subs = list(subs)
        subs[first] = (code, value + _punctuation(subs[first][1]))
        return subs[: first + 1] + _subfields_dropped(subs[first + 1 :], code)
    at = max([i + 1 for i, (each, _) in enumerate(subs) if each in after], default=0)
    subs = list(subs)
    closing = ""
    if at > 0:
        before_code, before = subs[at - 1]
        closing = _punctuation(before)
        subs[at - 1] = (before_code, before.rstrip(_TRAILING) + lead)
    return [*subs[:at], (code, value + closing), *subs[at:]]


def _field_like(field: pymarc.Field, subs: Pairs) -> pymarc.Field:
    return pymarc.Field(
        tag=field.tag,
        indicators=pymarc.Indicators(field.indicator1 or " ", field.indicator2 or " "),
        subfields=[pymarc.Subfield(code=code, value=marc_text(value)) for code, value in subs],
    )
