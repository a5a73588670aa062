"""Every GET operation of the library API refuses a query parameter it does not take."""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


def _get_operations() -> list[tuple[str, list[str]]]:
    """Each GET path of the library API's document with the query parameters it declares."""
    spec = SchemaGenerator(urlconf="config.urls_library").get_schema(request=None, public=True)
    found = []
    for path, item in spec["paths"].items():
        operation = item.get("get")
        if operation is None:
            continue
        declared = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
        found.append((path, declared))
    return found


OPERATIONS = _get_operations()


def test_the_document_has_the_lists_and_details_of_every_area():
    paths = {path for path, _ in OPERATIONS}
    for expected in ("/api/v1/items/", "/api/v1/locations/{id}/", "/api/v1/imports/",
                     "/api/v1/patrons/", "/api/v1/loans/", "/api/v1/api-keys/",
                     "/api/v1/settings/", "/api/v1/records/lookup/"):  # fmt: skip
        assert expected in paths


@pytest.mark.parametrize(("path", "declared"), OPERATIONS, ids=[p for p, _ in OPERATIONS])
def test_an_unknown_query_parameter_is_a_400_naming_it(callers, catalog, path, declared):
    url = re.sub(r"\{[^}]+\}", lambda m: "x1" if "barcode" in m.group() else "1", path)
    response = callers["admin"].get(url, {"colour": "red"})
    assert response.status_code == 400, (path, response.content[:300])
    errors = response.json()["errors"]
    assert list(errors) == ["colour"]
    message = errors["colour"][0]
    assert message.startswith("Unknown query parameter")
    # The message lists what the operation does take, as its document declares it.
    for name in declared:
        if name != "format":  # DRF's format override, taken everywhere
            assert name in message, (path, name, message)
