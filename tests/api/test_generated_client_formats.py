"""A client generated from the served OpenAPI document reads one record as MARCXML, MARC and
JSON-LD: each format is an operation of its own, so the client returns the MARC as bytes and
the JSON-LD as an object rather than reading either as the record's JSON.

The generated client's requests go through Django's test client (an httpx transport), so the
test needs no server."""

import httpx
import pymarc
import pytest
from django.test import Client
from django_tenants.utils import schema_context
from lxml import etree

from catalog.services import ItemData, RecordData, item_create, record_create
from staff.services import api_key_create
from tests.api.test_generated_client import _generate
from tests.conftest import LIBRARY_HOST
from tests.protocols.xsd import MARC_NS, marc_valid

pytestmark = pytest.mark.django_db


class DjangoTransport(httpx.BaseTransport):
    """The generated client's requests, answered by the library's host in this process."""

    def __init__(self, host: str) -> None:
        self.client = Client(HTTP_HOST=host)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        headers = {
            f"HTTP_{name.upper().replace('-', '_')}": value
            for name, value in request.headers.items()
            if name.lower() not in ("host", "content-type", "content-length")
        }
        answer = self.client.generic(
            request.method, request.url.raw_path.decode(), request.content,
            content_type=request.headers.get("content-type", ""), **headers,
        )  # fmt: skip
        return httpx.Response(answer.status_code, headers=dict(answer.items()),
                              content=answer.content)  # fmt: skip


def test_a_generated_client_reads_a_record_in_each_format(library, tmp_path):
    with schema_context(library.schema_name):
        record = record_create(
            data=RecordData(
                title="Gardens of the moon", publication_year=1999, language="eng",
                contributors=[("Erikson, Steven", "author")], identifiers=[("isbn", "0553819577")],
            )
        )  # fmt: skip
        item_create(record_id=record.pk, data=ItemData(barcode="B-100", call_number="FIC ERI"))
        key = api_key_create(name="formats", scope="read").secret
    transport = DjangoTransport(LIBRARY_HOST)
    document = transport.client.get(
        "/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    ).content
    stacks_client = _generate(document, tmp_path)
    from stacks_client.api.records import (
        records_formats_jsonld_retrieve,
        records_formats_marc_retrieve,
        records_formats_marcxml_retrieve,
        records_retrieve,
    )

    client = stacks_client.AuthenticatedClient(
        base_url=f"http://{LIBRARY_HOST}", token=key, prefix="Api-Key",
        raise_on_unexpected_status=True,
    )  # fmt: skip
    client.set_httpx_client(
        httpx.Client(base_url=f"http://{LIBRARY_HOST}", transport=transport,
                     headers={"Authorization": f"Api-Key {key}"})
    )  # fmt: skip

    xml = records_formats_marcxml_retrieve.sync(client=client, id=record.pk)
    assert isinstance(xml, bytes)
    marc_valid(xml)
    title = etree.fromstring(xml).xpath(
        "//m:datafield[@tag='245']/m:subfield[@code='a']/text()", namespaces={"m": MARC_NS}
    )
    assert [t.strip(" /") for t in title] == ["Gardens of the moon"]

    marc = records_formats_marc_retrieve.sync(client=client, id=record.pk)
    payload = marc.payload.read() if hasattr(marc, "payload") else marc
    parsed = next(pymarc.MARCReader(payload, to_unicode=True, force_utf8=True))
    assert parsed["852"]["p"] == "B-100"

    book = records_formats_jsonld_retrieve.sync(client=client, id=record.pk).to_dict()
    assert (book["@type"], book["name"]) == ("Book", "Gardens of the moon")

    # The record's own JSON is still read as the record.
    assert records_retrieve.sync(client=client, id=record.pk).title == "Gardens of the moon"
