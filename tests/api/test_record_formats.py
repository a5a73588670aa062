"""One record by content negotiation: MARCXML, MARC 21, MARC-in-JSON, schema.org JSON-LD."""

import io
import json

import pymarc
import pytest
from django.test import Client
from django_tenants.utils import schema_context
from lxml import etree

from api.views import RecordViewSet
from catalog.models import Record
from catalog.services import ItemData, RecordData, item_create, record_create, record_patch
from tests.api.conftest import catalog_private, client_for
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST
from tests.protocols.conftest import marc_records_load
from tests.protocols.xsd import MARC_NS, marc_valid

pytestmark = pytest.mark.django_db
TYPES = ["application/marcxml+xml", "application/marc", "application/marc+json",
         "application/ld+json"]  # fmt: skip


@pytest.fixture
def moon(library) -> Record:
    with schema_context(library.schema_name):
        record = record_create(
            data=RecordData(
                title="Gardens of the moon", publisher="Bantam", publication_year=1999,
                language="eng", series="Malazan book of the fallen",
                contributors=[("Erikson, Steven", "author"), ("Ross, Neil", "illustrator")],
                subjects=[("Fantasy fiction", "lcsh")], identifiers=[("isbn", "0553819577")],
            )
        )  # fmt: skip
        item_create(
            record_id=record.pk,
            data=ItemData(barcode="B-100", call_number="FIC ERI", staff_note="Not for you"),
        )
    return record


def _get(client, record_id, accept):  # type: ignore[no-untyped-def]
    return client.get(f"/api/v1/records/{record_id}/", HTTP_ACCEPT=accept)


def _marc(response) -> pymarc.Record:  # type: ignore[no-untyped-def]
    return next(pymarc.MARCReader(io.BytesIO(response.content), to_unicode=True, force_utf8=True))


def test_each_format_by_accept(callers, moon):
    client = callers["read_key"]
    xml = _get(client, moon.pk, "application/marcxml+xml")
    assert xml.status_code == 200
    assert xml["Content-Type"] == "application/marcxml+xml; charset=utf-8"
    assert "Accept" in xml["Vary"]
    marc_valid(xml.content)
    title = etree.fromstring(xml.content).xpath(
        "//m:datafield[@tag='245']/m:subfield[@code='a']/text()", namespaces={"m": MARC_NS}
    )
    assert title == ["Gardens of the moon"]

    iso = _get(client, moon.pk, "application/marc")
    assert iso["Content-Type"] == "application/marc"
    marc = _marc(iso)
    assert marc["245"]["a"] == "Gardens of the moon"
    assert marc["490"]["a"] == "Malazan book of the fallen"
    assert marc["852"]["p"] == "B-100"
    assert "Not for you" not in iso.content.decode()

    in_json = _get(client, moon.pk, "application/marc+json")
    assert in_json["Content-Type"] == "application/marc+json"
    (parsed,) = pymarc.JSONReader(in_json.content.decode())
    assert parsed.as_marc() == marc.as_marc()

    ld = _get(client, moon.pk, "application/ld+json")
    assert ld["Content-Type"] == "application/ld+json"
    book = ld.json()
    assert book["@context"] == "https://schema.org"
    assert book["@type"] == "Book"
    assert book["@id"] == f"http://{LIBRARY_HOST}/records/{moon.pk}/"
    assert book["name"] == "Gardens of the moon"
    assert book["author"] == [{"@type": "Person", "name": "Erikson, Steven"}]
    assert book["illustrator"] == [{"@type": "Person", "name": "Ross, Neil"}]
    assert book["isbn"] == "9780553819571"
    assert book["datePublished"] == "1999"
    # The record page's structured data, the same.
    page = Client(HTTP_HOST=LIBRARY_HOST).get(f"/records/{moon.pk}/").text
    assert json.dumps(book, ensure_ascii=False) in page.replace("\\u0026", "&")

    # JSON stays the default.
    assert client.get(f"/api/v1/records/{moon.pk}/").json()["title"] == "Gardens of the moon"


@pytest.mark.parametrize(
    ("name", "media"),
    [("marcxml", "application/marcxml+xml"), ("marc", "application/marc"),
     ("marcjson", "application/marc+json"), ("jsonld", "application/ld+json")],
)  # fmt: skip
def test_format_parameter_is_the_same_as_accept(callers, moon, name, media):
    client = callers["read_key"]
    by_param = client.get(f"/api/v1/records/{moon.pk}/", {"format": name})
    assert by_param.status_code == 200
    assert by_param["Content-Type"].split(";")[0] == media
    assert by_param.content == _get(client, moon.pk, media).content


def test_the_record_as_it_is_now_and_as_the_protocols_serve_it(callers, library):
    web = Client(HTTP_HOST=LIBRARY_HOST)
    with schema_context(library.schema_name):
        real = marc_records_load()[0]
    client = callers["read_key"]
    before = _get(client, real.pk, "application/marc")
    # Unedited, the MARC it came in as: the same bytes unAPI serves.
    assert before.content == web.get("/unapi", {"id": str(real.pk), "format": "marc"}).content
    with schema_context(library.schema_name):
        record_patch(record_id=real.pk, changes={"title": "A title edited since"})
    after = _marc(_get(client, real.pk, "application/marc"))
    assert after["245"]["a"] == "A title edited since /"  # the source's $c follows
    assert after["245"]["c"]
    unapi = web.get("/unapi", {"id": str(real.pk), "format": "marcxml"})
    assert etree.fromstring(_get(client, real.pk, "application/marcxml+xml").content).xpath(
        "//m:datafield[@tag='245']/m:subfield[@code='a']/text()", namespaces={"m": MARC_NS}
    ) == etree.fromstring(unapi.content).xpath(
        "//m:datafield[@tag='245']/m:subfield[@code='a']/text()", namespaces={"m": MARC_NS}
    )


@pytest.mark.parametrize(
    ("accept", "query"),
    [("text/csv", {}), ("*/*", {"format": "pdf"}), ("application/marc", {"format": "pdf"})],
)
def test_a_format_not_offered_is_a_406_listing_those_that_are(callers, moon, accept, query):
    response = callers["read_key"].get(f"/api/v1/records/{moon.pk}/", query, HTTP_ACCEPT=accept)
    assert response.status_code == 406
    assert response["Content-Type"] == "application/problem+json"
    detail = response.json()["detail"]
    for media in ["application/json", *TYPES]:
        assert media in detail
    assert "marcxml|marc|marcjson|jsonld" in detail


def test_lists_do_not_offer_record_formats(callers, moon):
    response = callers["read_key"].get("/api/v1/records/", HTTP_ACCEPT="application/marc")
    assert response.status_code == 406
    assert "application/marc" not in response.json()["detail"]


@pytest.mark.parametrize(
    ("accept", "query"), [("text/csv", {"q": "moon"}), ("*/*", {"format": "xml"})]
)
def test_a_list_in_a_format_not_offered_is_refused_before_it_is_read(
    callers, moon, monkeypatch, accept, query
):
    """A list has no object to miss: its 406 comes before the search runs, not after."""

    def searched(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the list was read for an answer the caller cannot take")

    monkeypatch.setattr(RecordViewSet, "list", searched)
    response = callers["read_key"].get("/api/v1/records/", query, HTTP_ACCEPT=accept)
    assert response.status_code == 406
    assert "application/json" in response.json()["detail"]


@pytest.mark.parametrize("accept", TYPES)
def test_a_missing_record_is_a_404_problem_in_any_format(callers, accept):
    response = _get(callers["read_key"], 999999, accept)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "No such record."


@pytest.mark.parametrize(
    ("accept", "query"),
    [("application/xml", {}), ("text/csv", {}), ("*/*", {"format": "xml"})],
)
def test_a_missing_record_in_a_format_not_offered_is_a_404_in_json(callers, accept, query):
    """The missing record tells the caller more than the format would: the 406 comes only for
    a record that is there."""
    response = callers["read_key"].get("/api/v1/records/999999/", query, HTTP_ACCEPT=accept)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "No such record."


def test_a_caller_that_may_not_read_is_told_so_before_the_format(callers, moon, library):
    with catalog_private(library):
        response = _get(callers["anonymous"], moon.pk, "application/xml")
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/problem+json"


def test_a_write_in_a_format_not_offered_is_a_406_and_changes_nothing(callers, moon, library):
    response = callers["write_key"].patch(
        f"/api/v1/records/{moon.pk}/", {"title": "Deadhouse"}, format="json",
        HTTP_ACCEPT="application/xml",
    )  # fmt: skip
    assert response.status_code == 406
    assert "application/json" in response.json()["detail"]
    with schema_context(library.schema_name):
        assert Record.objects.get(pk=moon.pk).title == "Gardens of the moon"


def test_other_operations_find_the_object_before_refusing_the_format(callers):
    """Every operation of the API, not only the record's, names the missing object first."""
    response = callers["admin"].get("/api/v1/items/999999/", HTTP_ACCEPT="application/xml")
    assert response.status_code == 404
    missing_patron = callers["admin"].get("/api/v1/patrons/999999/", HTTP_ACCEPT="text/csv")
    assert missing_patron.status_code == 404
    location = callers["admin"].get("/api/v1/locations/", HTTP_ACCEPT="text/csv")
    assert location.status_code == 406
    assert location.json()["detail"] == (
        "This operation answers in application/json (by Accept), or ?format=json."
    )


@pytest.mark.parametrize("accept", [*TYPES, "application/xml"])
def test_across_libraries_nothing_is_served(callers, library, other_library, moon, accept):
    with schema_context(other_library.schema_name):
        assert not Record.objects.filter(pk=moon.pk).exists()
    # A's record id on B's host, with B's credentials and anonymously: not found.
    other_anonymous = client_for(OTHER_LIBRARY_HOST)
    assert _get(other_anonymous, moon.pk, accept).status_code == 404
    # A's key on B's host: refused.
    visitor = client_for(OTHER_LIBRARY_HOST, callers["read_key"]._credentials["HTTP_AUTHORIZATION"])
    assert _get(visitor, moon.pk, accept).status_code == 401
    with schema_context(library.schema_name):
        assert Record.objects.get(pk=moon.pk).title == "Gardens of the moon"


def test_anonymous_readers_get_formats_of_a_public_catalog(callers, moon):
    response = _get(callers["anonymous"], moon.pk, "application/marc")
    assert response.status_code == 200
    assert _marc(response)["245"]["a"] == "Gardens of the moon"


FORMATS = [("marcxml", "application/marcxml+xml"), ("marc", "application/marc"),
           ("marcjson", "application/marc+json"), ("jsonld", "application/ld+json")]  # fmt: skip


@pytest.mark.parametrize(("name", "media"), FORMATS)
def test_each_format_has_an_address_of_its_own(callers, moon, name, media):
    client = callers["read_key"]
    response = client.get(f"/api/v1/records/{moon.pk}/formats/{name}/")
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == media
    assert response.content == _get(client, moon.pk, media).content
    # Whatever Accept says, the address answers in its format or not at all.
    address = f"/api/v1/records/{moon.pk}/formats/{name}/"
    refused = client.get(address, HTTP_ACCEPT="application/json")
    assert refused.status_code == 406
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["detail"] == (
        f"This operation answers in {media} (by Accept), or ?format={name}."
    )


@pytest.mark.parametrize(("name", "media"), FORMATS)
def test_a_format_address_of_a_missing_record_is_a_404_problem(callers, name, media):
    response = callers["read_key"].get(f"/api/v1/records/999999/formats/{name}/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "No such record."


@pytest.mark.parametrize(("name", "media"), FORMATS)
def test_a_format_address_across_libraries_serves_nothing(
    callers, other_callers, library, moon, name, media
):
    path = f"/api/v1/records/{moon.pk}/formats/{name}/"
    with schema_context(library.schema_name):
        before = Record.objects.get(pk=moon.pk).version
    # A's record id on B's host, with B's key and anonymously: not found.
    assert other_callers["read_key"].get(path).status_code == 404
    assert client_for(OTHER_LIBRARY_HOST).get(path).status_code == 404
    # A's key on B's host: refused.
    visitor = client_for(OTHER_LIBRARY_HOST, callers["read_key"]._credentials["HTTP_AUTHORIZATION"])
    assert visitor.get(path).status_code == 401
    with catalog_private(library):
        assert callers["anonymous"].get(path).status_code in (401, 403)
    with schema_context(library.schema_name):
        assert Record.objects.get(pk=moon.pk).version == before


def _document(client) -> dict:
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_each_format_is_an_operation_of_one_media_type(callers):
    paths = _document(callers["read_key"])["paths"]
    record = paths["/api/v1/records/{id}/"]["get"]
    assert list(record["responses"]["200"]["content"]) == ["application/json"]
    schemas = {
        "marcxml": {"type": "string"}, "marc": {"type": "string", "format": "binary"},
        "marcjson": {"type": "object", "additionalProperties": {}},
        "jsonld": {"type": "object", "additionalProperties": {}},
    }  # fmt: skip
    for name, media in FORMATS:
        operation = paths[f"/api/v1/records/{{id}}/formats/{name}/"]["get"]
        content = operation["responses"]["200"]["content"]
        assert list(content) == [media]
        assert content[media]["schema"] == schemas[name]
        assert list(operation["responses"]["404"]["content"]) == ["application/problem+json"]
