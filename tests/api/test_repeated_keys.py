"""A JSON body that gives a key twice is refused, naming the key, wherever the API reads JSON:
readers keep only one of the values, so the other would be lost without a word."""

import pytest
from django_tenants.utils import schema_context

from catalog.models import Change, Record

pytestmark = pytest.mark.django_db

REPEATED = (
    "This key is given more than once in the same object: give it once, with the value you mean."
)


def _changes(schema: str) -> int:
    with schema_context(schema):
        return Change.objects.count()


def _refused(response, names: list[str]) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"] == {key: [REPEATED] for key in names}
    return body


def test_a_create_with_a_key_twice_is_a_400_naming_it_and_makes_nothing(callers, library):
    response = callers["write_key"].post(
        "/api/v1/records/", '{"title": "A", "title": "B"}', content_type="application/json"
    )
    body = _refused(response, ["title"])
    assert "title" in body["detail"]
    with schema_context(library.schema_name):
        assert not Record.objects.filter(title__in=["A", "B"]).exists()


def test_keys_repeated_inside_nested_objects_are_named_by_their_path(callers, catalog, library):
    url = f"/api/v1/records/{catalog.record.pk}/"
    before = _changes(library.schema_name)
    patch = (
        '{"summary": "x", "contributors": [{"name": "A"}, {"name": "B", "role": "author",'
        ' "name": "C"}], "summary": "y"}'
    )
    response = callers["write_key"].patch(url, patch, content_type="application/json")
    _refused(response, ["contributors.1.name", "summary"])
    assert callers["write_key"].get(url).json()["summary"] == ""
    assert _changes(library.schema_name) == before


def test_the_same_key_in_different_objects_is_not_repeated(callers):
    body = '{"title": "Twice", "contributors": [{"name": "A"}, {"name": "B"}]}'
    response = callers["write_key"].post("/api/v1/records/", body, content_type="application/json")
    assert response.status_code == 201, response.content[:300]


def test_every_json_write_refuses_a_repeated_key(callers, catalog, library):
    """Items and exports read JSON through the same parser as records."""
    writer = callers["admin"]
    item = f'{{"record": {catalog.record.pk}, "barcode": "R-1", "barcode": "R-2"}}'
    _refused(writer.post("/api/v1/items/", item, content_type="application/json"), ["barcode"])
    export = '{"format": "csv", "format": "marc"}'
    _refused(writer.post("/api/v1/exports/", export, content_type="application/json"), ["format"])
    with schema_context(library.schema_name):
        assert not Record.objects.filter(items__barcode__in=["R-1", "R-2"]).exists()


def test_a_record_of_another_library_is_not_found_and_nothing_changes(
    other_callers, catalog, library
):
    before = _changes(library.schema_name)
    response = other_callers["write_key"].patch(
        f"/api/v1/records/{catalog.record.pk}/",
        '{"title": "A", "title": "B"}',
        content_type="application/json",
    )
    assert response.status_code == 404
    assert _changes(library.schema_name) == before
