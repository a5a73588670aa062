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
    # Named with it: a parameter the operation requires, missing here.
    assert "colour" in errors
    assert set(errors) - {"colour"} <= set(declared)
    message = errors["colour"][0]
    assert message.startswith("Unknown query parameter")
    # The message lists what the operation does take, as its document declares it.
    for name in declared:
        if name != "format":  # DRF's format override, taken everywhere
            assert name in message, (path, name, message)


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("colour=red&ordering=best&page_size=0", {"colour", "ordering", "page_size"}),
        ("ordering=best&year_from=soon&page_size=0", {"ordering", "year_from", "page_size"}),
        ("page_size=0&cursor=garbage", {"page_size", "cursor"}),
        ("year_from=1999.7&cursor=garbage", {"year_from", "cursor"}),
    ],
)
def test_every_wrong_query_parameter_is_named_in_one_400(callers, catalog, query, named):
    """Unknown, invalid and paging parameters are read together, as a JSON body's fields."""
    response = callers["read_key"].get(f"/api/v1/records/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert set(body["errors"]) == named
    for name in named:
        assert name in body["detail"], (name, body["detail"])


def test_a_paged_action_names_its_page_size_with_its_own_parameters(callers, catalog):
    response = callers["admin"].get("/api/v1/items/?status=lost-ish&page_size=900&cursor=x")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"status", "page_size", "cursor"}
