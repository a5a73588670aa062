"""The OpenAPI document: compressed for clients that take gzip, and built once per language."""

import gzip
import json

from drf_spectacular.generators import SchemaGenerator

OPENAPI_JSON = "application/vnd.oai.openapi+json"


def test_the_document_is_gzipped_for_a_client_that_accepts_it(callers):
    plain = callers["read_key"].get("/api/v1/schema/", HTTP_ACCEPT=OPENAPI_JSON)
    packed = callers["read_key"].get(
        "/api/v1/schema/", HTTP_ACCEPT=OPENAPI_JSON, HTTP_ACCEPT_ENCODING="gzip"
    )
    assert packed.status_code == 200
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert len(packed.content) * 5 < len(plain.content)
    assert json.loads(gzip.decompress(packed.content)) == plain.json()


def test_the_document_is_built_once_per_language(callers, monkeypatch):
    built = []
    original = SchemaGenerator.get_schema

    def counted(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        built.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counted)
    client = callers["read_key"]
    first = client.get("/api/v1/schema/?lang=de", HTTP_ACCEPT=OPENAPI_JSON).json()
    again = client.get("/api/v1/schema/?lang=de", HTTP_ACCEPT=OPENAPI_JSON).json()
    assert first == again
    assert len(built) <= 1
    french = client.get("/api/v1/schema/?lang=fr", HTTP_ACCEPT=OPENAPI_JSON).json()
    assert len(built) <= 2
    assert french == client.get("/api/v1/schema/?lang=fr", HTTP_ACCEPT=OPENAPI_JSON).json()
    assert len(built) <= 2
