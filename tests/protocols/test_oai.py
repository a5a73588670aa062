"""OAI-PMH 2.0 at /oai: every verb and error, each response checked against OAI-PMH.xsd."""

import time
from datetime import UTC, datetime

import pytest
from django.test import Client
from django_tenants.utils import schema_context
from lxml import etree
from sickle import Sickle

from catalog.models import Record
from catalog.protocols import oai as oai_module
from catalog.services import ItemData as ItemInput
from catalog.services import (
    RecordData,
    contributor_update,
    item_delete,
    item_update,
    location_update,
    record_create,
    record_delete,
    record_update,
)
from staff.services import api_key_create
from tenants.administration import library_settings_update
from tests.conftest import LIBRARY_HOST
from tests.protocols.conftest import PRICE, STAFF_NOTE
from tests.protocols.xsd import DC_NS, MARC_NS, OAI_NS, marc_valid, oai_valid
from tests.tenants.admin_helpers import signed_in

NS = {"o": OAI_NS, "m": MARC_NS, "dc": DC_NS}
PREFIX = "oai:alpha.localhost:"


def oai_get(client: Client, **params: str) -> etree._Element:
    """The response to an OAI-PMH request, checked against the official schema."""
    response = client.get("/oai", params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    oai_valid(response.content)
    return etree.fromstring(response.content)


def error_code(tree: etree._Element) -> str | None:
    found = tree.find("o:error", NS)
    return None if found is None else found.get("code")


def harvest(client: Client, verb: str, **params: str) -> list[etree._Element]:
    """Every record (or header) of a list, following resumption tokens to the end."""
    tree = oai_get(client, verb=verb, **params)
    if error_code(tree) == "noRecordsMatch":
        return []
    assert error_code(tree) is None, etree.tostring(tree)
    found = []
    while True:
        part = tree.find(f"o:{verb}", NS)
        found += part.findall("o:record" if verb == "ListRecords" else "o:header", NS)
        token = part.find("o:resumptionToken", NS)
        if token is None or not token.text:
            return found
        tree = oai_get(client, verb=verb, resumptionToken=token.text)


def identifiers(elements: list[etree._Element]) -> list[str]:
    return [e.findtext(".//o:identifier", namespaces=NS) for e in elements]


def test_identify(web, shelf):
    tree = oai_get(web, verb="Identify")
    identify = tree.find("o:Identify", NS)
    assert identify.findtext("o:repositoryName", namespaces=NS) == "Alpha Library"
    assert identify.findtext("o:baseURL", namespaces=NS) == f"http://{LIBRARY_HOST}/oai"
    assert identify.findtext("o:deletedRecord", namespaces=NS) == "persistent"
    assert identify.findtext("o:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    earliest = identify.findtext("o:earliestDatestamp", namespaces=NS)
    stamps = harvest(web, "ListIdentifiers", metadataPrefix="oai_dc")
    assert all(earliest <= h.findtext("o:datestamp", namespaces=NS) for h in stamps)


def test_identify_gives_the_library_s_contact_address_once_set(
    web, library, django_capture_on_commit_callbacks
):
    def admin_email() -> str:
        identify = oai_get(web, verb="Identify").find("o:Identify", NS)
        return identify.findtext("o:adminEmail", namespaces=NS)

    assert admin_email() == "noreply@stacks.example"
    with schema_context("alpha"), django_capture_on_commit_callbacks(execute=True):
        library_settings_update(library=library, actor="test", contact_email="bib@univ.example")
    assert admin_email() == "bib@univ.example"


def test_list_metadata_formats_and_sets(web, shelf):
    tree = oai_get(web, verb="ListMetadataFormats")
    prefixes = tree.xpath("//o:metadataPrefix/text()", namespaces=NS)
    assert prefixes == ["oai_dc", "marc21"]
    one = oai_get(web, verb="ListMetadataFormats", identifier=f"{PREFIX}{shelf['moon'].pk}")
    assert one.xpath("//o:metadataPrefix/text()", namespaces=NS) == ["oai_dc", "marc21"]
    missing = oai_get(web, verb="ListMetadataFormats", identifier=f"{PREFIX}999999")
    assert error_code(missing) == "idDoesNotExist"
    sets = oai_get(web, verb="ListSets")
    specs = sets.xpath("//o:setSpec/text()", namespaces=NS)
    names = sets.xpath("//o:setName/text()", namespaces=NS)
    # Location codes with characters a setSpec cannot hold are escaped, reversibly.
    assert specs == ["location:EAST~202", "location:MAIN"]
    assert names == ["East Branch, second floor", "Main Library"]
    assert oai_module.set_code("location:EAST~202") == "EAST 2"


def test_list_records_in_marc21_are_the_catalog_now_with_holdings(web, shelf):
    records = harvest(web, "ListRecords", metadataPrefix="marc21")
    ids = sorted(r.pk for r in shelf.values())
    assert identifiers(records) == [f"{PREFIX}{pk}" for pk in ids]
    by_id = {r.findtext(".//o:identifier", namespaces=NS): r for r in records}
    for record in records:
        marc = record.find("o:metadata/m:record", NS)
        marc_valid(etree.tostring(marc))
    # A record that came as MARC comes back as it came (its 040 and 005 are kept) ...
    source = by_id[f"{PREFIX}{shelf['marc0'].pk}"].find("o:metadata/m:record", NS)
    assert source.xpath("m:datafield[@tag='040']", namespaces=NS)
    # The control number as the file wrote it (the catalog keeps it trimmed, and says the same).
    assert source.xpath("m:controlfield[@tag='001']/text()", namespaces=NS) == ["fol05731351 "]
    # ... with its copies as 852, nothing staff-only in any record.
    holdings = source.xpath("m:datafield[@tag='852']/m:subfield", namespaces=NS)
    assert [(s.get("code"), s.text) for s in holdings] == [
        ("b", "EAST 2"), ("h", "QA 76"), ("p", "B-200"),
    ]  # fmt: skip
    moon = by_id[f"{PREFIX}{shelf['moon'].pk}"]
    text = etree.tostring(moon, encoding="unicode")
    assert "Signed by the author" in text
    assert PRICE not in text
    assert STAFF_NOTE not in text
    specs = [r.findtext("o:header/o:setSpec", namespaces=NS) for r in records]
    assert [spec for spec in specs if spec] == ["location:EAST~202", "location:MAIN"]


def test_an_edited_record_is_served_as_edited_not_as_it_came(web, shelf):
    record = shelf["marc1"]
    with schema_context("alpha"):
        record_update(
            record_id=record.pk,
            data=RecordData(
                title="A title of our own", contributors=[("Staff, Cataloguer", "author")]
            ),
        )
    tree = oai_get(
        web, verb="GetRecord", metadataPrefix="marc21", identifier=f"{PREFIX}{record.pk}"
    )
    marc = tree.find(".//m:record", NS)
    marc_valid(etree.tostring(marc))
    # The new title in the record's own 245, before the $c it keeps (hence the ISBD " /").
    assert marc.xpath("m:datafield[@tag='245']/m:subfield[@code='a']/text()", namespaces=NS) == [
        "A title of our own /"
    ]
    assert marc.xpath("m:datafield[@tag='245']/m:subfield[@code='c']", namespaces=NS)
    assert marc.xpath("m:datafield[@tag='100']/m:subfield/text()", namespaces=NS) == [
        "Staff, Cataloguer"
    ]
    # An untouched one still comes as it came.
    other = oai_get(
        web, verb="GetRecord", metadataPrefix="marc21", identifier=f"{PREFIX}{shelf['marc2'].pk}"
    )
    assert other.xpath("//m:datafield[@tag='040']", namespaces=NS)


def test_oai_dc(web, shelf):
    tree = oai_get(
        web, verb="GetRecord", metadataPrefix="oai_dc", identifier=f"{PREFIX}{shelf['moon'].pk}"
    )
    dc = tree.find(".//o:metadata", NS)[0]
    values = [(etree.QName(e).localname, e.text) for e in dc]
    assert ("title", "Gardens of the moon : a tale of the Malazan book of the fallen") in values
    assert ("creator", "Erikson, Steven") in values
    assert ("contributor", "Ross, Neil") in values
    assert ("subject", "Fantasy fiction") in values
    assert ("identifier", "urn:isbn:9780553819571") in values
    assert ("identifier", f"http://{LIBRARY_HOST}/records/{shelf['moon'].pk}/") in values
    assert ("date", "1999") in values


def test_resumption_pages_lose_nothing_while_records_change(web, shelf, monkeypatch):
    monkeypatch.setattr(oai_module, "RECORDS_PER_PAGE", 3)
    ids = sorted(r.pk for r in shelf.values())
    first = oai_get(web, verb="ListRecords", metadataPrefix="oai_dc")
    page = first.find("o:ListRecords", NS)
    seen = identifiers(page.findall("o:record", NS))
    assert len(seen) == 3
    assert page.find("o:resumptionToken", NS).get("cursor") == "0"
    token = page.findtext("o:resumptionToken", namespaces=NS)
    # Between pages: a record already sent is edited, one not yet sent too, and one is added.
    with schema_context("alpha"):
        record_update(record_id=ids[0], data=RecordData(title="Edited after its page"))
        record_update(record_id=ids[5], data=RecordData(title="Edited before its page"))
        added = record_create(data=RecordData(title="Added during the harvest"))
    while token:
        tree = oai_get(web, verb="ListRecords", resumptionToken=token)
        page = tree.find("o:ListRecords", NS)
        assert page.find("o:resumptionToken", NS).get("cursor") == str(len(seen))
        seen += identifiers(page.findall("o:record", NS))
        token = page.findtext("o:resumptionToken", namespaces=NS)
        if token is not None:
            # The last page carries an empty token: the list is complete.
            assert page.find("o:resumptionToken", NS) is not None
    assert seen == [f"{PREFIX}{pk}" for pk in [*ids, added.pk]]


def test_deleted_records_are_tombstones_from_their_deletion_on(web, shelf):
    record = shelf["gates"]
    time.sleep(1.1)  # datestamps are whole seconds
    since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert harvest(web, "ListIdentifiers", metadataPrefix="marc21", **{"from": since}) == []
    with schema_context("alpha"):
        record_delete(record_id=record.pk)
    headers = harvest(web, "ListIdentifiers", metadataPrefix="marc21", **{"from": since})
    assert identifiers(headers) == [f"{PREFIX}{record.pk}"]
    assert headers[0].get("status") == "deleted"
    # A deleted record's GetRecord is its header alone; the whole list shows it too.
    tree = oai_get(
        web, verb="GetRecord", metadataPrefix="oai_dc", identifier=f"{PREFIX}{record.pk}"
    )
    assert tree.find(".//o:header", NS).get("status") == "deleted"
    assert tree.find(".//o:metadata", NS) is None
    records = harvest(web, "ListRecords", metadataPrefix="oai_dc")
    deleted = [r for r in records if r.find("o:header", NS).get("status") == "deleted"]
    assert identifiers(deleted) == [f"{PREFIX}{record.pk}"]
    # until before the deletion: the record as it was listed then is not a tombstone.
    before = harvest(web, "ListIdentifiers", metadataPrefix="oai_dc", until="2000-01-01")
    assert before == []


def test_from_and_until_select_by_last_change(web, shelf):
    time.sleep(1.1)
    before = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    time.sleep(1.1)
    since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with schema_context("alpha"):
        record_update(record_id=shelf["mistress"].pk, data=RecordData(title="Harsh mistress"))
    changed = harvest(web, "ListIdentifiers", metadataPrefix="oai_dc", **{"from": since})
    assert identifiers(changed) == [f"{PREFIX}{shelf['mistress'].pk}"]
    until = harvest(web, "ListIdentifiers", metadataPrefix="oai_dc", until=before)
    assert f"{PREFIX}{shelf['mistress'].pk}" not in identifiers(until)
    assert len(until) == len(shelf) - 1
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    assert len(harvest(web, "ListIdentifiers", metadataPrefix="oai_dc", until=today)) == len(shelf)


@pytest.mark.parametrize("until", ["9999-12-31", "9999-12-31T23:59:59Z"])
def test_an_until_at_the_end_of_the_calendar_bounds_nothing(web, shelf, until):
    # A harvester asking for "everything up to the end of time" gets every record, not a 500.
    for verb in ("ListIdentifiers", "ListRecords"):
        assert len(harvest(web, verb, metadataPrefix="oai_dc", until=until)) == len(shelf)


def test_a_copys_change_moves_its_records_datestamp(web, shelf):
    time.sleep(1.1)
    before = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    time.sleep(1.1)
    since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    record = shelf["marc0"]
    with schema_context("alpha"):
        item = record.items.get()
        item_update(
            item_id=item.pk,
            data=ItemInput(barcode="B-200", call_number="QA 76.73", location_id=item.location_id),
        )
    changed = harvest(web, "ListRecords", metadataPrefix="marc21", **{"from": since})
    assert identifiers(changed) == [f"{PREFIX}{record.pk}"]
    assert changed[0].findtext("o:header/o:datestamp", namespaces=NS) >= since
    call = changed[0].xpath(
        ".//m:datafield[@tag='852']/m:subfield[@code='h']/text()", namespaces=NS
    )
    assert call == ["QA 76.73"]
    until = harvest(web, "ListIdentifiers", metadataPrefix="oai_dc", until=before)
    assert f"{PREFIX}{record.pk}" not in identifiers(until)
    assert len(until) == len(shelf) - 1
    got = oai_get(web, verb="GetRecord", metadataPrefix="oai_dc", identifier=f"{PREFIX}{record.pk}")
    assert got.findtext(".//o:datestamp", namespaces=NS) >= since


def a_second_on() -> str:
    """A `from` after every datestamp written so far (datestamps are whole seconds)."""
    time.sleep(1.1)
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def datestamp(client: Client, record: Record) -> str:
    got = oai_get(
        client, verb="GetRecord", metadataPrefix="oai_dc", identifier=f"{PREFIX}{record.pk}"
    )
    return got.findtext(".//o:datestamp", namespaces=NS)


def datestamp_and_then(client: Client, record: Record) -> tuple[str, str]:
    """The record's datestamp, and a `from` after it for the changes the test makes next."""
    return datestamp(client, record), a_second_on()


def holdings(record: etree._Element) -> list[list[tuple[str, str]]]:
    fields = record.xpath(".//m:datafield[@tag='852']", namespaces=NS)
    return [[(s.get("code"), s.text) for s in field.findall("m:subfield", NS)] for field in fields]


def test_a_copy_moved_to_another_record_moves_both_datestamps(web, shelf):
    source, target = shelf["marc0"], shelf["gates"]
    with schema_context("alpha"):
        item = source.items.get()
        a_second_on()
        # The copy changed after its record: the record's datestamp is the copy's change.
        item_update(item_id=item.pk, data=ItemInput(barcode="B-200", location_id=item.location_id))
    earlier, since = datestamp_and_then(web, source)
    with schema_context("alpha"):
        item_update(
            item_id=item.pk, record_id=target.pk,
            data=ItemInput(barcode="B-200", location_id=item.location_id),
        )  # fmt: skip
    changed = harvest(web, "ListRecords", metadataPrefix="marc21", **{"from": since})
    assert identifiers(changed) == [f"{PREFIX}{pk}" for pk in sorted([source.pk, target.pk])]
    by_id = {r.findtext(".//o:identifier", namespaces=NS): r for r in changed}
    assert holdings(by_id[f"{PREFIX}{source.pk}"]) == []
    assert holdings(by_id[f"{PREFIX}{target.pk}"]) == [[("b", "EAST 2"), ("p", "B-200")]]
    assert datestamp(web, source) >= since > earlier


def test_a_deleted_copy_moves_its_records_datestamp(web, shelf):
    record = shelf["moon"]
    earlier, since = datestamp_and_then(web, record)
    with schema_context("alpha"):
        item_delete(item_id=record.items.get().pk)
    changed = harvest(web, "ListRecords", metadataPrefix="marc21", **{"from": since})
    assert identifiers(changed) == [f"{PREFIX}{record.pk}"]
    assert holdings(changed[0]) == []
    assert changed[0].findtext("o:header/o:setSpec", namespaces=NS) is None
    assert datestamp(web, record) >= since > earlier


def test_a_recoded_location_moves_the_datestamps_of_the_records_held_there(web, shelf):
    record = shelf["moon"]
    earlier, since = datestamp_and_then(web, record)
    with schema_context("alpha"):
        main = record.items.get().location
        # A new name alone changes nothing a record is served with.
        location_update(location_id=main.pk, code="MAIN", name="Central Library")
    assert harvest(web, "ListIdentifiers", metadataPrefix="oai_dc", **{"from": since}) == []
    with schema_context("alpha"):
        location_update(location_id=main.pk, code="CENTRAL", name="Central Library")
    changed = harvest(web, "ListRecords", metadataPrefix="marc21", **{"from": since})
    assert identifiers(changed) == [f"{PREFIX}{record.pk}"]
    assert changed[0].findtext("o:header/o:setSpec", namespaces=NS) == "location:CENTRAL"
    assert holdings(changed[0])[0][0] == ("b", "CENTRAL")
    assert datestamp(web, record) >= since > earlier
    central = harvest(web, "ListIdentifiers", metadataPrefix="oai_dc", set="location:CENTRAL")
    assert identifiers(central) == [f"{PREFIX}{record.pk}"]


def test_a_renamed_contributor_moves_the_datestamps_of_its_records(web, shelf):
    since = a_second_on()
    with schema_context("alpha"):
        erikson = shelf["moon"].contributors.get(name="Erikson, Steven")
        contributor_update(contributor_id=erikson.pk, name="Erikson, Steven, 1959-")
    changed = harvest(web, "ListRecords", metadataPrefix="oai_dc", **{"from": since})
    ids = sorted([shelf["moon"].pk, shelf["gates"].pk])
    assert identifiers(changed) == [f"{PREFIX}{pk}" for pk in ids]
    creators = changed[0].xpath(".//dc:creator/text()", namespaces=NS)
    assert creators == ["Erikson, Steven, 1959-"]


def test_a_copys_status_alone_leaves_the_datestamp(web, shelf):
    # Harvesters are not sent a copy's status: a loan or a stocktake is no change to them.
    since = a_second_on()
    with schema_context("alpha"):
        item = shelf["moon"].items.get()
        item_update(
            item_id=item.pk,
            data=ItemInput(barcode="B-100", call_number="FIC ERI", location_id=item.location_id,
                           price=item.price, staff_note=item.staff_note,
                           public_note=item.public_note, status="missing"),
        )  # fmt: skip
    assert harvest(web, "ListIdentifiers", metadataPrefix="oai_dc", **{"from": since}) == []


def test_sets_select_records_by_location(web, shelf):
    main = harvest(web, "ListIdentifiers", metadataPrefix="oai_dc", set="location:MAIN")
    assert identifiers(main) == [f"{PREFIX}{shelf['moon'].pk}"]
    east = harvest(web, "ListRecords", metadataPrefix="marc21", set="location:EAST~202")
    assert identifiers(east) == [f"{PREFIX}{shelf['marc0'].pk}"]
    with schema_context("alpha"):
        item = shelf["moon"].items.get()
        item_update(
            item_id=item.pk,
            data=ItemInput(barcode="B-100", location_id=shelf["marc0"].items.get().location_id),
        )
    assert harvest(web, "ListIdentifiers", metadataPrefix="oai_dc", set="location:MAIN") == []
    assert error_code(oai_get(web, verb="ListRecords", metadataPrefix="oai_dc", set="nothing")) == (
        "noRecordsMatch"
    )


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "badVerb"),
        ({"verb": "Explain"}, "badVerb"),
        ({"verb": "GetMetadata", "identifier": "x", "metadataPrefix": "oai_dc"}, "badVerb"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "colour": "red"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "yesterday"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-01-01",
          "until": "2020-01-01T00:00:00Z"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2021-01-01",
          "until": "2020-01-01"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "mods"}, "cannotDisseminateFormat"),
        ({"verb": "GetRecord", "metadataPrefix": "mods", "identifier": "oai:x:1"},
         "cannotDisseminateFormat"),
        ({"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "oai:x:1"},
         "idDoesNotExist"),
        ({"verb": "GetRecord", "metadataPrefix": "oai_dc"}, "badArgument"),
        ({"verb": "ListRecords", "resumptionToken": "garbage"}, "badResumptionToken"),
        ({"verb": "ListRecords", "resumptionToken": "metadataPrefix%3Dmods%26cursor%3D3"},
         "badResumptionToken"),
        ({"verb": "ListRecords", "resumptionToken": "x", "metadataPrefix": "oai_dc"},
         "badArgument"),
        ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "from": "2999-01-01"},
         "noRecordsMatch"),
        ({"verb": "Identify", "metadataPrefix": "oai_dc"}, "badArgument"),
    ],
)  # fmt: skip
def test_protocol_errors(web, shelf, params, code):
    assert error_code(oai_get(web, **params)) == code


def test_repeated_arguments_and_post(web, shelf):
    assert error_code(oai_get(web, verb=["Identify", "Identify"])) == "badVerb"
    repeated = web.get("/oai?verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=marc21")
    oai_valid(repeated.content)
    assert error_code(etree.fromstring(repeated.content)) == "badArgument"
    posted = web.post("/oai", {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"})
    oai_valid(posted.content)
    assert len(etree.fromstring(posted.content).findall(".//o:header", NS)) == len(shelf)


def test_a_closed_catalog_answers_harvesters_403_but_its_keys_may_harvest(
    web, shelf, library, django_capture_on_commit_callbacks
):
    with schema_context("alpha"), django_capture_on_commit_callbacks(execute=True):
        library_settings_update(library=library, actor="test", public_catalog=False)
        key = api_key_create(name="Discovery layer", scope="read").secret
    for params in ({"verb": "Identify"}, {"verb": "ListRecords", "metadataPrefix": "oai_dc"}):
        closed = web.get("/oai", params)
        assert closed.status_code == 403
        assert b"Gardens" not in closed.content
        assert b"Alpha Library" not in closed.content
    keyed = Client(HTTP_HOST=LIBRARY_HOST, HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert len(harvest(keyed, "ListIdentifiers", metadataPrefix="oai_dc")) == len(shelf)
    staff = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)
    assert len(harvest(staff, "ListIdentifiers", metadataPrefix="oai_dc")) == len(shelf)
    wrong = Client(HTTP_HOST=LIBRARY_HOST, HTTP_AUTHORIZATION="Api-Key stk_nothing")
    assert wrong.get("/oai", {"verb": "Identify"}).status_code == 403


def test_one_librarys_records_never_reach_anothers_oai(web, other_web, shelf):
    with schema_context("alpha"):
        count = Record.objects.count()
    assert count == len(shelf)
    theirs = oai_get(other_web, verb="ListRecords", metadataPrefix="marc21")
    assert error_code(theirs) == "noRecordsMatch"
    for pk in (shelf["moon"].pk, shelf["marc0"].pk):
        for identifier in (f"{PREFIX}{pk}", f"oai:beta.localhost:{pk}"):
            tree = oai_get(
                other_web, verb="GetRecord", metadataPrefix="oai_dc", identifier=identifier
            )
            assert error_code(tree) == "idDoesNotExist"
    assert error_code(oai_get(other_web, verb="ListSets")) == "noSetHierarchy"
    # Nothing changed in library A.
    with schema_context("alpha"):
        assert Record.objects.count() == count


class _Answer:
    """A test client's response as Sickle reads one from requests."""

    def __init__(self, content: bytes) -> None:
        self.content, self.text, self.encoding = content, content.decode(), None
        self.status_code = 200

    def raise_for_status(self) -> None:
        pass


class _Harvester(Sickle):
    """Sickle harvesting through the test client, each response checked against the schema."""

    def __init__(self, client: Client) -> None:
        super().__init__(f"http://{LIBRARY_HOST}/oai")
        self.client = client

    def _request(self, kwargs: dict[str, str]) -> _Answer:
        response = self.client.get("/oai", kwargs)
        assert response.status_code == 200
        oai_valid(response.content)
        return _Answer(response.content)


@pytest.mark.parametrize("verb", ["ListRecords", "ListIdentifiers"])
def test_a_list_of_whole_pages_ends_on_its_last_record(web, shelf, monkeypatch, verb):
    with schema_context("alpha"):
        if len(shelf) % 2:
            record_create(data=RecordData(title="Memories of ice"))
        ids = sorted(Record.objects.values_list("pk", flat=True))
    monkeypatch.setattr(oai_module, "RECORDS_PER_PAGE", len(ids) // 2)
    monkeypatch.setattr(oai_module, "HEADERS_PER_PAGE", len(ids) // 2)

    listed = getattr(_Harvester(web), verb)(metadataPrefix="oai_dc")
    harvested = [(r.header if verb == "ListRecords" else r).identifier for r in listed]

    assert harvested == [f"{PREFIX}{pk}" for pk in ids]


@pytest.mark.parametrize("verb", ["ListRecords", "ListIdentifiers"])
def test_a_token_whose_records_all_left_the_list_asks_to_start_again(web, shelf, monkeypatch, verb):
    monkeypatch.setattr(oai_module, "RECORDS_PER_PAGE", len(shelf) - 2)
    monkeypatch.setattr(oai_module, "HEADERS_PER_PAGE", len(shelf) - 2)
    until = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    time.sleep(1.1)
    first = oai_get(web, verb=verb, metadataPrefix="oai_dc", until=until)
    token = first.findtext(f"o:{verb}/o:resumptionToken", namespaces=NS)
    assert token
    # Between pages, the records still to come change after `until`: none is left to send.
    with schema_context("alpha"):
        for pk in sorted(r.pk for r in shelf.values())[-2:]:
            record_update(record_id=pk, data=RecordData(title="Changed during the harvest"))

    tree = oai_get(web, verb=verb, resumptionToken=token)

    assert error_code(tree) == "badResumptionToken"
    assert tree.find(f"o:{verb}", NS) is None
