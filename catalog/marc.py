"""A record as MARC 21: the one writer that exports, the protocols and the API all use.

It builds a pymarc record from the catalog's record (the fields the import maps written from
the record as it is now), the holdings fields of its copies, and MARCXML and MARC-in-JSON of
any MARC record. Which MARC a caller serves (a source kept as it came in, or one built) is
the caller's choice; how MARC is written is decided here only.
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import pymarc
from django.db.models import Prefetch
from lxml import etree

from catalog.models import Item, Record, RecordContributor, RecordSubject

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
_TAG = re.compile(r"[0-9A-Za-z]{3}")
_INDICATOR = re.compile(r"[0-9a-z ]")
# Characters XML 1.0 cannot carry (MARC data sometimes has them): dropped from the XML.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# The fields the import maps (catalog.imports.formats.marc21 reads only these): they are
# written from the record as it is now, and the source's other fields are kept as they came in.
MAPPED_TAGS = frozenset(
    (
        "001", "003", "008", "010", "020", "022", "035", "041", "100", "110", "111", "245",
        "250", "260", "264", "490", "520", "600", "610", "611", "630", "648", "650", "651",
        "655", "700", "710", "711", "830", "852", "952",
    )
)  # fmt: skip


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


def marc_source(record: Record) -> pymarc.Record | None:
    """The MARC record the catalog's record came in as, if it did and it can be read."""
    if not record.source_marc:
        return None
    raw = bytes(record.source_marc)
    try:
        return pymarc.Record(data=raw, to_unicode=True, force_utf8=raw[9:10] == b"a")
    except Exception:  # a damaged source: the record is written from its fields
        return None


def record_as_marc(record: Record, *, keep_source: bool = True) -> pymarc.Record:
    """The record as MARC, as it is now: the fields the import maps written from the record's
    (edited or not), the source's other fields (notes, added entries Stacks does not keep)
    kept as they came in, in tag order, and an 852 for each copy with its status in $9.
    `keep_source=False` writes it from its fields alone. Reads the record's identifiers,
    credits, subject links and items (prefetch them for many records)."""
    source = marc_source(record) if keep_source else None
    marc = pymarc.Record(force_utf8=True)
    # The source's leader (a new record's otherwise), UTF-8, with its length and base address
    # left to the writer: a MARCXML export and its re-export then say the same.
    leader = str(source.leader) if source is not None else _LEADER
    marc.leader = pymarc.Leader(f"     {leader[5:9]}a{leader[10:12]}     {leader[17:24]}")
    if record.control_number:
        marc.add_field(pymarc.Field(tag="001", data=record.control_number))
    if record.control_number_source:
        marc.add_field(pymarc.Field(tag="003", data=record.control_number_source))
    year = str(record.publication_year or "").rjust(4) if record.publication_year else "    "
    fixed = f"{record.created_at:%y%m%d}s{year}    xx            000 0 {record.language or '   '} d"
    kept = source.get("008") if source is not None else None
    if kept is not None and len(kept.data or "") == 40:
        # The source's coded data, with the year and language the record has now.
        old = kept.data or ""
        fixed = old[:7] + year + old[11:35] + (record.language or "   ") + old[38:]
    marc.add_field(pymarc.Field(tag="008", data=fixed[:40].ljust(40)))
    for identifier in record.identifiers.all():
        tag = {"isbn": "020", "issn": "022", "lccn": "010", "oclc": "035"}[identifier.kind]
        value = f"(OCoLC){identifier.value}" if identifier.kind == "oclc" else identifier.value
        marc.add_field(data_field(tag, [("a", value)]))
    credits = list(record.credits.all())
    for i, credit in enumerate(credits):
        tag = "110" if credit.role == "corporate" else "100"
        if i > 0 or credit.role not in ("author", "corporate"):
            tag = _ROLE_TAGS.get(credit.role, "700")
        subs = [("a", credit.contributor.name)]
        if tag == "700" and credit.role != "contributor":
            subs.append(("e", credit.role))
        marc.add_field(data_field(tag, subs, "1 " if tag in ("100", "700") else "2 "))
    title = [("a", record.title)] + ([("b", record.subtitle)] if record.subtitle else [])
    was = source.get("245") if source is not None else None
    indicators = f"{was.indicator1 or '1'}{was.indicator2 or '0'}" if was is not None else "10"
    marc.add_field(data_field("245", title, indicators))
    if record.edition:
        marc.add_field(data_field("250", [("a", record.edition)]))
    if record.publisher or record.publication_year:
        subs = [("b", record.publisher)] if record.publisher else []
        if record.publication_year:
            subs.append(("c", str(record.publication_year)))
        marc.add_field(data_field("264", subs, " 1"))
    if record.series:
        marc.add_field(data_field("490", [("a", record.series)], "0 "))
    if record.summary:
        marc.add_field(data_field("520", [("a", record.summary)]))
    for link in record.subject_links.all():
        scheme = link.subject.scheme
        ind2 = {"lcsh": "0", "mesh": "2"}.get(scheme, "7")
        subs = [("a", link.subject.heading)] + ([("2", scheme)] if ind2 == "7" else [])
        marc.add_field(data_field("650", subs, " " + ind2))
    for item in record.items.all():
        subs = [("p", item.barcode)]
        if item.location:
            subs.insert(0, ("b", item.location.code))
        if item.call_number:
            subs.append(("h", item.call_number))
        subs.append(("9", item.status))
        marc.add_field(data_field("852", subs))
    if source is not None:
        for field in source.get_fields():
            if not _TAG.fullmatch(field.tag):
                continue  # a damaged field no reader takes back
            if field.tag not in MAPPED_TAGS or (
                field.tag == "035" and "ocolc" not in " ".join(_values(field)).lower()
            ):
                marc.add_ordered_field(field)
    return marc


def record_built_marc(record: Record) -> pymarc.Record:
    """The record as MARC built from its fields alone (no source), with a new record's
    leader and its fields in tag order."""
    marc = record_as_marc(record, keep_source=False)
    marc.leader = pymarc.Leader(BUILT_LEADER)
    marc.fields.sort(key=lambda field: field.tag)  # built by kind; MARC lists by tag
    return marc


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
        subfields = [pymarc.Subfield("b", location)] if location else []
        if call_number:
            subfields.append(pymarc.Subfield("h", call_number))
        subfields.append(pymarc.Subfield("p", barcode))
        if note:
            subfields.append(pymarc.Subfield("z", note))
        holdings[record_id].append(
            pymarc.Field(tag="852", indicators=pymarc.Indicators(" ", " "), subfields=subfields)
        )
    return holdings


def holdings_replace(marc: pymarc.Record, fields: list[pymarc.Field]) -> None:
    """The record's holdings fields replaced by `fields`."""
    marc.remove_fields(*HOLDINGS_TAGS)
    for field in fields:
        marc.add_ordered_field(field)


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


def _values(field: pymarc.Field) -> list[str]:
    return [] if field.is_control_field() else [s.value for s in field.subfields]


def data_field(tag: str, subs: list[tuple[str, str]], indicators: str = "  ") -> pymarc.Field:
    return pymarc.Field(
        tag=tag,
        indicators=pymarc.Indicators(indicators[0], indicators[1]),
        subfields=[pymarc.Subfield(code=c, value=v) for c, v in subs],
    )
