"""Search through the API: parameters, cursor pages in every ordering, facets."""

import pytest
from django_tenants.utils import schema_context

from catalog.services import RecordData, record_create


@pytest.fixture
def many(library):
    with schema_context(library.schema_name):
        for i in range(7):
            record_create(data=RecordData(
                title=f"Ocean {'ocean ' * (i % 3)}voyage {i}",
                publication_year=None if i % 4 == 0 else 1990 + i,
                contributors=[("Ocean, Ann", "author")] if i % 2 else [],
                language="eng",
            ))  # fmt: skip


def walk(client, params):
    seen, url = [], "/api/v1/records/"
    while url:
        response = client.get(url, params) if not seen else client.get(url)
        assert response.status_code == 200, response.json()
        body = response.json()
        seen += [r["title"] for r in body["results"]]
        url = body["next"]
    return seen


@pytest.mark.parametrize(
    "ordering", ["relevance", "title", "-title", "year", "-year", "updated", "-updated", "newest"]
)
def test_cursor_pages_cover_every_match_once(callers, many, ordering):
    client = callers["anonymous"]
    whole = walk(client, {"q": "ocean", "ordering": ordering, "page_size": 100})
    paged = walk(client, {"q": "ocean", "ordering": ordering, "page_size": 2})
    assert len(whole) == 7
    assert paged == whole


def test_relevance_is_the_default_with_a_query(callers, many):
    titles = walk(callers["anonymous"], {"q": "ocean", "page_size": 3})
    assert titles[0].startswith("Ocean ocean ocean")


def test_search_parameters_are_checked(callers, many):
    client = callers["anonymous"]
    for params in ({"ordering": "shoe-size"}, {"year_from": "ancient"}, {"year_to": 3000},
                   {"language": "english"}, {"item_status": "gone"}, {"contributor": "x"},
                   {"updated_since": "last week"}, {"q": "x" * 501}):  # fmt: skip
        response = client.get("/api/v1/records/", params)
        assert response.status_code == 400, params
        assert response.json()["errors"]
    assert client.get("/api/v1/records/", {"cursor": "garbage"}).status_code == 404


def test_page_size_is_capped(callers, library):
    with schema_context(library.schema_name):
        for i in range(205):
            record_create(data=RecordData(title=f"R{i}"))
    body = callers["anonymous"].get("/api/v1/records/", {"page_size": 1000}).json()
    assert len(body["results"]) == 200


def test_isbn_search_and_facets_over_http(callers, many, library):
    with schema_context(library.schema_name):
        record_create(data=RecordData(title="Dune", identifiers=[("isbn", "0441172717")]))
    client = callers["anonymous"]
    found = client.get("/api/v1/records/", {"q": "978-0-441-17271-9"}).json()["results"]
    assert [r["title"] for r in found] == ["Dune"]
    facets = client.get("/api/v1/records/facets/", {"q": "ocean"}).json()
    assert facets["contributor"][0]["value"] == "Ocean, Ann"
    assert facets["contributor"][0]["count"] == 3
    assert facets["language"] == [{"value": "eng", "count": 7}]
    assert sum(d["count"] for d in facets["decade"]) == 5
