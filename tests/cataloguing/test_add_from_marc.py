"""/staff/add/ from a source answering MARCXML: the saved record keeps the source's MARC (its
control number, 008, statement of responsibility, place, indicators), the librarian's edits on
the form written over it, as the API's MARCXML and OAI-PMH serve it."""

import pytest
from django.test import Client
from django_tenants.utils import schema_context
from lxml import etree

from catalog.models import Record
from tests.api.conftest import callers_of
from tests.cataloguing.test_add_page import _fields
from tests.conftest import LIBRARY_HOST
from tests.protocols.xsd import MARC_NS, OAI_NS, marc_valid

LA_PESTE = "9782070360420"
NS = {"m": MARC_NS, "o": OAI_NS}


@pytest.fixture
def national(recorded_server, settings):  # type: ignore[no-untyped-def]
    recorded_server.answer("/sru", "sru_bnf.xml")
    settings.STACKS_LOOKUP_SOURCES = [
        {"name": "bnf", "label": "BnF", "kind": "sru", "url": f"{recorded_server.url}/sru"}
    ]
    return recorded_server


def _source_marc() -> etree._Element:
    path = "tests/data/lookup/sru_bnf.xml"
    return etree.parse(path).find(".//m:record", NS)


def _fields_of(marc: etree._Element) -> list[tuple[str, ...]]:
    """Each field as (tag, indicators, subfields or data), in order; 005 (when the record last
    changed) and 852 (the copies held now) left out."""
    fields: list[tuple[str, ...]] = []
    for field in marc:
        tag = field.get("tag")
        if tag in (None, "005", "852"):
            continue
        if field.tag.endswith("controlfield"):
            fields.append((tag, field.text or ""))
        else:
            subs = "".join(f"${s.get('code')}{s.text}" for s in field)
            fields.append((tag, f"{field.get('ind1')}{field.get('ind2')}", subs))
    return fields


def _saved(librarian, **edits: str) -> Record:  # type: ignore[no-untyped-def]
    page = librarian.get("/staff/add/", {"isbn": "2-07-036042-3"}).content.decode()
    assert "Check the record from BnF" in page
    values = _fields(page)
    assert values["title"] == "La peste"
    values.update(barcode="000001", **edits)
    saved = librarian.post("/staff/add/", values)
    assert saved.status_code == 302, saved.content.decode()
    with schema_context("alpha"):
        return Record.objects.get(identifiers__value=LA_PESTE)


@pytest.fixture
def reader(library):  # type: ignore[no-untyped-def]
    return callers_of("alpha", LIBRARY_HOST)["read_key"]


def _api_marcxml(client, record: Record) -> etree._Element:  # type: ignore[no-untyped-def]
    answer = client.get(f"/api/v1/records/{record.pk}/formats/marcxml/")
    assert answer.status_code == 200
    marc_valid(answer.content)
    return etree.fromstring(answer.content).xpath("//m:record", namespaces=NS)[0]


def test_a_record_from_marcxml_keeps_every_field_of_its_source(librarian, national, reader):
    record = _saved(librarian)
    assert (record.control_number, record.control_number_source) == ("FRBNF123456789", "FrPBN")
    assert record.sort_title.startswith("peste")  # the 245's non-filing "La "
    body = reader.get(f"/api/v1/records/{record.pk}/").json()
    assert (body["control_number"], body["control_number_source"]) == ("FRBNF123456789", "FrPBN")
    source = _fields_of(_source_marc())
    assert _fields_of(_api_marcxml(reader, record)) == source
    harvested = Client(HTTP_HOST=LIBRARY_HOST).get(
        "/oai", {"verb": "GetRecord", "metadataPrefix": "marc21",
                 "identifier": f"oai:alpha.localhost:{record.pk}"},
    )  # fmt: skip
    marc = etree.fromstring(harvested.content).find(".//m:record", NS)
    assert _fields_of(marc) == source
    assert marc.xpath("m:datafield[@tag='852']/m:subfield/text()", namespaces=NS) == ["000001"]


def test_the_librarian_s_edits_are_written_over_the_source(librarian, national, reader):
    record = _saved(librarian, publisher="Éditions Gallimard", edition="Nouvelle éd.")
    assert record.control_number == "FRBNF123456789"
    fields = {field[0]: field for field in _fields_of(_api_marcxml(reader, record))}
    assert fields["001"] == ("001", "FRBNF123456789")
    assert fields["003"] == ("003", "FrPBN")
    assert fields["008"] == ("008", "720101s1972    fr            000 1 fre d")
    assert fields["245"] == ("245", "13", "$aLa peste /$cAlbert Camus")
    # The place and the date kept, the publisher the librarian's.
    assert fields["260"] == ("260", "  ", "$aParis :$bÉditions Gallimard,$c1972")
    assert fields["250"] == ("250", "  ", "$aNouvelle éd.")
    assert fields["300"] == ("300", "  ", "$a279 p. ;$c18 cm")
    assert fields["500"] == ("500", "  ", "$aPrix des Critiques 1947.")
