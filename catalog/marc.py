"""A record as MARC 21: how the catalog writes MARC, for exports, the protocols and the API.

It builds MARC fields from the catalog's record, element by element (the fields the import
maps, written from the record as it is now), the holdings fields of its copies, and MARCXML
and MARC-in-JSON of any MARC record. Which of a source's fields still say what the record
says is decided beside the import's mapping (catalog.imports.formats.marc_kept); how each
field is written is decided here only.
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import pymarc
from django.db.models import Prefetch
from lxml import etree

from catalog.models import Item, Record, RecordContributor, RecordSubject
from catalog.text import series_parts

MARC_NS = "http://www.loc.gov/MARC21/slim"
MARC_SCHEMA = "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
# The tags of holdings a source record may carry: a public record replaces them with the
# copies held now.
HOLDINGS_TAGS = ("852", "952")
# A leader for records built from their fields: new, language material, monograph, UTF-8.
BUILT_LEADER = "00000nam a2200000 i 4500"
_LEADER = "     nam a22        4500"
_ROLE_TAGS = {"corporate": "710", "author": "700"}
# Where each kind of identifier is written: an ISBN with a wrong check digit in 020 $z, MARC
# 21's place for an invalid ISBN (which the import reads back as one).
_IDENTIFIER_PLACES = {
    "isbn": ("020", "a"), "isbn_bad": ("020", "z"), "issn": ("022", "a"), "lccn": ("010", "a"),
    "oclc": ("035", "a"),
}  # fmt: skip
_TAG = re.compile(r"[0-9A-Za-z]{3}")
_INDICATOR = re.compile(r"[0-9a-z ]")
# Characters XML 1.0 cannot carry (MARC data sometimes has them): dropped from the XML.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# MARC's own delimiters (end of record, of field, and subfield): inside a value written from
# the catalog (an old row may hold one) they would end it there, so they are written as spaces.
_DELIMITERS = str.maketrans("\x1d\x1e\x1f", "   ")
# The fields the import maps (catalog.imports.formats.marc21 reads only these), by the part of
# the record they say: each part is written from the record as it is now, or kept as it came
# in while the record still says it; the source's other fields are kept as they came in.
ELEMENT_TAGS: dict[str, tuple[str, ...]] = {
    "control_number": ("001",),
    "control_number_source": ("003",),
    "fixed": ("008",),
    "identifiers": ("010", "020", "022", "035"),
    "language": ("041",),
    "contributors": ("100", "110", "111", "700", "710", "711"),
    "title": ("245",),
    "edition": ("250",),
    "publication": ("260", "264"),
    "series": ("490", "830"),
    "summary": ("520",),
    "subjects": ("600", "610", "611", "630", "648", "650", "651", "655"),
    "holdings": HOLDINGS_TAGS,
}
ELEMENT_OF = {tag: element for element, tags in ELEMENT_TAGS.items() for tag in tags}
MAPPED_TAGS = frozenset(ELEMENT_OF)


# What record_as_marc reads of each record, to prefetch for many.
RECORD_PREFETCH: list[Any] = [
    Prefetch(
        "credits",
        queryset=RecordContributor.objects.select_related("contributor").order_by("position"),
    ),
    Prefetch(
        "subject_links",
        queryset=RecordSubject.objects.select_related("subject").order_by("position"),
    ),
    "identifiers",
    Prefetch("items", queryset=Item.objects.select_related("location").order_by("id")),
]

Pairs = list[tuple[str, str]]


def marc_source(record: Record) -> pymarc.Record | None:
    """The MARC record the catalog's record came in as, if it did and it can be read."""
    if not record.source_marc:
        return None
    raw = bytes(record.source_marc)
    try:
        return pymarc.Record(
            data=raw, to_unicode=True, force_utf8=raw[9:10] == b"a", hide_utf8_warnings=True
        )
    except Exception:  # a damaged source: the record is written from its fields
        return None


def record_links(record: Record) -> tuple[Pairs, Pairs, Pairs]:
    """The record's contributors (name, role), subjects (heading, scheme) and identifiers
    (kind, value), in order: from the links record_links_attach gives, or else from the
    prefetched relations (RECORD_PREFETCH)."""
    if hasattr(record, "credit_list"):
        return (
            [(c.contributor_name, c.role) for c in record.credit_list],
            [(s.subject_heading, s.subject_scheme) for s in record.subject_link_list],
            [(i.kind, i.value) for i in record.identifier_list],
        )
    return (
        [(c.contributor.name, c.role) for c in record.credits.all()],
        [(s.subject.heading, s.subject.scheme) for s in record.subject_links.all()],
        [(i.kind, i.value) for i in record.identifiers.all()],
    )


def marc_leader(source: pymarc.Record | None) -> pymarc.Leader:
    """The source's leader (a new record's otherwise), UTF-8, with its length and base address
    left to the writer: a MARCXML export and its re-export then say the same."""
    leader = str(source.leader) if source is not None else _LEADER
    return pymarc.Leader(f"     {leader[5:9]}a{leader[10:12]}     {leader[17:24]}")


def fields_built(
    record: Record, *, fixed: pymarc.Field | None = None, title_indicators: str = "10"
) -> dict[str, list[pymarc.Field]]:
    """The fields the import maps, written from the record as it is now, by element (in the
    order a record built from its fields lists them). `fixed` is a source's 008, whose coded
    data is kept with the year and language the record has now."""
    credits, subjects, identifiers = record_links(record)
    built: dict[str, list[pymarc.Field]] = defaultdict(list)
    if record.control_number:
        built["control_number"].append(
            pymarc.Field(tag="001", data=marc_text(record.control_number))
        )
    if record.control_number_source:
        built["control_number_source"].append(
            pymarc.Field(tag="003", data=marc_text(record.control_number_source))
        )
    year = str(record.publication_year or "").rjust(4) if record.publication_year else "    "
    data = f"{record.created_at:%y%m%d}s{year}    xx            000 0 {record.language or '   '} d"
    if fixed is not None and len(fixed.data or "") == 40:
        old = fixed.data or ""
        data = old[:7] + year + old[11:35] + (record.language or "   ") + old[38:]
    built["fixed"].append(pymarc.Field(tag="008", data=marc_text(data[:40].ljust(40))))
    for kind, value in identifiers:
        tag, code = _IDENTIFIER_PLACES[kind]
        value = f"(OCoLC){value}" if kind == "oclc" else value
        built["identifiers"].append(data_field(tag, [(code, value)]))
    for i, (name, role) in enumerate(credits):
        tag = "110" if role == "corporate" else "100"
        if i > 0 or role not in ("author", "corporate"):
            tag = _ROLE_TAGS.get(role, "700")
        subs = [("a", name)]
        if tag == "700" and role != "contributor":
            subs.append(("e", role))
        indicators = "1 " if tag in ("100", "700") else "2 "
        built["contributors"].append(data_field(tag, subs, indicators))
    title = [("a", record.title)] + ([("b", record.subtitle)] if record.subtitle else [])
    built["title"].append(data_field("245", title, title_indicators))
    if record.edition:
        built["edition"].append(data_field("250", [("a", record.edition)]))
    if record.publisher or record.publication_year:
        subs = [("b", record.publisher)] if record.publisher else []
        if record.publication_year:
            subs.append(("c", str(record.publication_year)))
        built["publication"].append(data_field("264", subs, " 1"))
    if record.series:
        series, number = series_parts(record.series)
        subs = [("a", f"{series} ;"), ("v", number)] if number else [("a", series)]
        built["series"].append(data_field("490", subs, "0 "))
    if record.summary:
        built["summary"].append(data_field("520", [("a", record.summary)]))
    for heading, scheme in subjects:
        ind2 = {"lcsh": "0", "mesh": "2"}.get(scheme, "7")
        subs = [("a", heading)] + ([("2", scheme)] if ind2 == "7" else [])
        built["subjects"].append(data_field("650", subs, " " + ind2))
    return built


def record_fields_marc(record: Record, *, holdings: list[pymarc.Field]) -> pymarc.Record:
    """The record as MARC written from its fields alone, with these holdings fields."""
    marc = pymarc.Record(force_utf8=True)
    marc.leader = marc_leader(None)
    for fields in fields_built(record).values():
        marc.add_field(*fields)
    marc.add_field(*holdings)
    return marc


def record_built_marc(record: Record, *, holdings: list[pymarc.Field]) -> pymarc.Record:
    """The record as MARC built from its fields alone (no source), with a new record's
    leader and its fields in tag order."""
    marc = record_fields_marc(record, holdings=holdings)
    marc.leader = pymarc.Leader(BUILT_LEADER)
    marc.fields.sort(key=lambda field: field.tag)  # built by kind; MARC lists by tag
    return marc


def item_holdings(items: Iterable[Item]) -> list[pymarc.Field]:
    """The copies as an export writes them, one 852 each: $b location, $p barcode, $h call
    number, $z public note, $x staff (nonpublic) note, $9 status. Price has no place in
    MARC's 852 and is left out."""
    fields = []
    for item in items:
        subs = [("p", item.barcode)]
        if item.location:
            subs.insert(0, ("b", item.location.code))
        if item.call_number:
            subs.append(("h", item.call_number))
        if item.public_note:
            subs.append(("z", item.public_note))
        if item.staff_note:
            subs.append(("x", item.staff_note))
        subs.append(("9", item.status))
        fields.append(data_field("852", subs))
    return fields


def marc_tag_valid(tag: str) -> bool:
    """Whether a field's tag is one a reader takes back (a damaged source has others)."""
    return bool(_TAG.fullmatch(tag))


def public_holdings(record_ids: Iterable[int]) -> dict[int, list[pymarc.Field]]:
    """The copies each record holds now as 852 fields ($b location, $h call number, $p barcode,
    $z public note; nothing staff-only), read in one query."""
    holdings: dict[int, list[pymarc.Field]] = defaultdict(list)
    copies = (
        Item.objects.filter(record_id__in=list(record_ids))
        .order_by("record_id", "id")
        .values_list("record_id", "location__code", "call_number", "barcode", "public_note")
    )
    for record_id, location, call_number, barcode, note in copies:
        subs = [("b", location)] if location else []
        if call_number:
            subs.append(("h", call_number))
        subs.append(("p", barcode))
        if note:
            subs.append(("z", note))
        holdings[record_id].append(data_field("852", subs))
    return holdings


def xml_text(value: str) -> str:
    """Text without the characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("", value)


def marc_element(marc: pymarc.Record, *, schema_location: bool = True) -> etree._Element:
    """A MARCXML <record> of a MARC record (MARC21slim), without what XML cannot carry: the
    control characters a damaged source has, subfield codes made of them, indicators MARC
    does not allow (written blank)."""
    nsmap = {None: MARC_NS, "xsi": XSI_NS} if schema_location else {None: MARC_NS}
    element = etree.Element(f"{{{MARC_NS}}}record", nsmap=nsmap)  # type: ignore[dict-item]
    if schema_location:
        element.set(f"{{{XSI_NS}}}schemaLocation", f"{MARC_NS} {MARC_SCHEMA}")
    # Lengths and addresses are computed when written as ISO 2709; here they are left blank
    # if the leader does not carry them as digits.
    leader_element = etree.SubElement(element, f"{{{MARC_NS}}}leader")
    leader_element.text = xml_text(str(marc.leader).ljust(24)[:24])
    for field in marc.fields:
        if field.is_control_field():
            control = etree.SubElement(element, f"{{{MARC_NS}}}controlfield", tag=field.tag)
            control.text = xml_text(field.data or "")
            continue
        data = etree.SubElement(
            element, f"{{{MARC_NS}}}datafield", tag=field.tag,
            ind1=_indicator(field.indicator1), ind2=_indicator(field.indicator2),
        )  # fmt: skip
        for subfield in field.subfields:
            if _NOT_XML.search(subfield.code):
                continue
            sub = etree.SubElement(data, f"{{{MARC_NS}}}subfield", code=subfield.code)
            sub.text = xml_text(subfield.value or "")
    return element


def marc_xml(
    marc: pymarc.Record, *, schema_location: bool = True, declaration: bool = False
) -> bytes:
    """A MARCXML <record> as UTF-8 bytes (a document of its own with `declaration`)."""
    element = marc_element(marc, schema_location=schema_location)
    return etree.tostring(element, encoding="UTF-8", xml_declaration=declaration)


def marc_json(marc: pymarc.Record) -> dict[str, Any]:
    """MARC-in-JSON (leader, then fields as {tag: data} or {tag: {ind1, ind2, subfields}})."""
    return marc.as_dict()


def _indicator(value: str | None) -> str:
    value = (value or " ")[:1]
    return value if _INDICATOR.fullmatch(value) else " "


def marc_text(value: str) -> str:
    """A value as a MARC field holds it: without MARC's delimiters."""
    return value.translate(_DELIMITERS)


def data_field(tag: str, subs: list[tuple[str, str]], indicators: str = "  ") -> pymarc.Field:
    """A data field of values the catalog holds, none of them cut short by a delimiter."""
    return pymarc.Field(
        tag=tag,
        indicators=pymarc.Indicators(indicators[0], indicators[1]),
        subfields=[pymarc.Subfield(code=c, value=marc_text(v)) for c, v in subs],
    )
