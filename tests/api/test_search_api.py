"""Search through the API: parameters, cursor pages in every ordering, facets."""

import json
from functools import partial
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from catalog.models import RecordSearch
from catalog.services import RecordData, record_create
from tests.api.conftest import client_for
from tests.conftest import LIBRARY_HOST


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
    garbage = client.get("/api/v1/records/", {"cursor": "garbage"})
    assert garbage.status_code == 400
    assert list(garbage.json()["errors"]) == ["cursor"]
    for size in ("0", "-1", "abc", "201", "1.5"):
        response = client.get("/api/v1/records/", {"page_size": size})
        assert response.status_code == 400, size
        assert list(response.json()["errors"]) == ["page_size"]


@pytest.mark.parametrize("path", ["/api/v1/records/", "/api/v1/records/facets/"])
def test_a_year_range_given_backwards_is_a_400_saying_so(callers, other_callers, many, path):
    backwards = callers["anonymous"].get(path, {"year_from": 1996, "year_to": 1991})
    assert backwards.status_code == 400
    assert backwards.json()["errors"] == {
        "year_from": [
            "year_from (1996) is after year_to (1991): give the earlier year in year_from."
        ]
    }
    one_year = callers["anonymous"].get(path, {"year_from": 1991, "year_to": 1991})
    assert one_year.status_code == 200
    # Another library's key on this library's host is refused before any search.
    key = other_callers["read_key"]._credentials["HTTP_AUTHORIZATION"]
    stranger = client_for(LIBRARY_HOST, key).get(path, {"year_from": 1991, "year_to": 1996})
    assert stranger.status_code == 401


@pytest.mark.parametrize("path", ["/api/v1/records/", "/api/v1/records/facets/"])
def test_a_language_name_is_one_sentence_saying_what_a_code_looks_like(
    callers, other_callers, many, path
):
    response = callers["anonymous"].get(path, {"language": "English"})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "language": [
            "language must be a three-letter MARC language code such as eng, fre or ger, not "
            "\u201cEnglish\u201d."
        ]
    }
    assert callers["anonymous"].get(path, {"language": "ENG"}).status_code == 200
    key = other_callers["read_key"]._credentials["HTTP_AUTHORIZATION"]
    assert client_for(LIBRARY_HOST, key).get(path, {"language": "eng"}).status_code == 401


def test_page_size_is_capped(callers, library):
    with schema_context(library.schema_name):
        for i in range(205):
            record_create(data=RecordData(title=f"R{i}"))
    body = callers["anonymous"].get("/api/v1/records/", {"page_size": 200}).json()
    assert len(body["results"]) == 200
    # Past the cap is refused, not quietly cut to it.
    assert callers["anonymous"].get("/api/v1/records/", {"page_size": 1000}).status_code == 400


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
    assert facets["estimated"] is False
    assert facets["count"] >= 7


def test_facets_of_a_search_past_the_stated_size_say_they_are_estimated(callers, many, settings):
    settings.STACKS_SEARCH_EXACT_UP_TO = 2
    facets = callers["anonymous"].get("/api/v1/records/facets/", {"q": "ocean"}).json()
    assert facets["estimated"] is True
    assert facets["count"] >= 3
    assert all(1 <= value["count"] <= facets["count"] for value in facets["language"])


def pages_both_ways(client, params, after_first=None):
    """The ids of every page, following `next` to the end and then `previous` back; with
    `after_first`, called once the first page is read."""
    response = client.get("/api/v1/records/", params)
    if after_first is not None:
        after_first()
    forward, backward = [], []
    while True:
        assert response.status_code == 200, response.json()
        body = response.json()
        forward.append([r["id"] for r in body["results"]])
        if not body["next"]:
            break
        response = client.get(body["next"])
    while body["previous"]:
        body = client.get(body["previous"]).json()
        backward.append([r["id"] for r in body["results"]])
    return forward, backward


@pytest.mark.parametrize("ordering", ["relevance", "year", "-year", "title", "newest"])
def test_going_back_page_by_page_gives_every_row_again(callers, many, ordering):
    # Ranks and years repeat here: DRF's own cursors, which count ties with an offset, went
    # back over them wrongly (a page of two rows that were not together, one row never shown).
    forward, backward = pages_both_ways(
        callers["anonymous"], {"q": "ocean", "ordering": ordering, "page_size": 2}
    )
    seen = [pk for page in forward for pk in page]
    assert len(seen) == len(set(seen)) == 7
    assert [pk for page in reversed(backward) for pk in page] == seen[: -len(forward[-1])]


def test_a_page_emptied_meanwhile_leads_back_to_where_it_began(callers, library):
    with schema_context(library.schema_name):
        ids = [record_create(data=RecordData(title=f"R{i}")).pk for i in range(5)]
    client = callers["anonymous"]
    first = client.get("/api/v1/records/", {"page_size": 2}).json()
    with schema_context(library.schema_name):
        from catalog.services import record_delete

        for pk in ids[:3]:
            record_delete(record_id=pk)
    emptied = client.get(first["next"]).json()
    assert emptied["results"] == []
    assert emptied["next"] is None
    back = client.get(emptied["previous"]).json()
    assert [r["id"] for r in back["results"]] == [ids[4], ids[3]]


def test_a_forged_cursor_position_is_refused(callers, many):
    from base64 import b64encode

    client = callers["anonymous"]
    for params, position in (({"q": "ocean"}, '["high",1]'), ({}, "[1,2]"), ({}, "{}"),
                             ({"ordering": "updated"}, '["yesterday",1]'), ({}, "[[1]]"),
                             ({}, "[1e400]"), ({}, "[Infinity]"), ({}, "[NaN]"), ({}, "[true]"),
                             ({}, "[null]"), ({}, f"[{'9' * 400}]"),
                             ({"q": "ocean"}, f"[{'9' * 400},1]"), ({}, "[" * 1500),
                             ({"ordering": "title"}, '["a",1e400]')):  # fmt: skip
        cursor = b64encode(f"p={position}".encode()).decode()
        response = client.get("/api/v1/records/", {**params, "cursor": cursor})
        assert response.status_code == 400, (params, position, response.content)
        assert list(response.json()["errors"]) == ["cursor"]


def pages_read(read):
    """The ids of every page a selector reads, following `next` to the end and then
    `previous` back."""
    page = read(position=None)
    forward, backward = [], []
    while True:
        forward.append([r.pk for r in page.rows])
        if page.next is None:
            break
        page = read(position=page.next)
    while page.previous is not None:
        page = read(position=page.previous)
        backward.append([r.pk for r in page.rows])
    return forward, backward


def by_orm(ordering, q="", size=2):
    """A search's pages read by the ORM alone: keyset pages of record_search's QuerySet."""
    from catalog.search import ORDERINGS, queryset_page, record_search

    records = record_search(q=q, ordering=ordering)
    return pages_read(partial(queryset_page, records, ordering=ORDERINGS[ordering], size=size))


@pytest.mark.parametrize(
    "q", ["ocean", "voyage", "ocean voyage", '"ocean voyage"', "ocean -ann", "voyage or dune",
          "Ocean ocean", "ocean or OCEAN", '"ocean ocean"', "ocean -ocean",
          "978-0-441-17271-9", "0-441-17271-7 ", "nothing-like-it"],
)  # fmt: skip
@pytest.mark.parametrize("terms", [False, True], ids=["vectors", "terms"])
def test_a_ranked_page_from_the_vectors_table_is_the_one_the_joined_query_gives(
    callers, many, library, q, terms
):
    # With `terms`, every word in two records or more is a search term, and a query that is
    # one ("ocean", "Ocean ocean") reads its kept ranks.
    from catalog.services import search_terms_refresh

    with schema_context(library.schema_name):
        record_create(data=RecordData(title="Dune voyage", identifiers=[("isbn", "0441172717")]))
        if terms:
            assert {"'ocean'", "'voyag'", "'ann'"} <= set(search_terms_refresh(min_records=2))
    client = callers["anonymous"]
    with CaptureQueriesContext(connection) as queries:
        from_vectors = pages_both_ways(client, {"q": q, "page_size": 2})
    rankings = [s["sql"] for s in queries.captured_queries if "ts_rank" in s["sql"]]
    assert rankings
    # Written out (the vectors' table, and the terms' ranks when the query is one), not the
    # ORM's query joined to the records.
    assert all(sql.startswith(("SELECT record_id", "WITH term")) for sql in rankings)

    with schema_context(library.schema_name):
        joined = by_orm("relevance", q=q)

    assert from_vectors == joined  # every page, forward and back
    found = [pk for page in from_vectors[0] for pk in page]
    assert (
        len(found)
        == len(set(found))
        == {"ocean": 7, "ocean -ann": 4, "voyage": 8, "Ocean ocean": 7}.get(q, len(found))
    )


@pytest.fixture
def voyages(library):
    # "ocean" and "voyage" are search terms, voyage the rarer; "ocean voyage" matches six.
    from catalog.services import search_terms_refresh

    titles = ["Ocean voyage", "Voyage home", "Ocean voyage", "Ocean notes",
              "Voyage ocean voyage", "Ocean ocean voyage", "Ocean", "Harbour", "Ocean voyage",
              "The ocean", "Voyages"]  # fmt: skip
    with schema_context(library.schema_name):
        for i, title in enumerate(titles):
            subjects = [("Ocean travel", "lcsh")] if i % 2 else []
            record_create(data=RecordData(title=title, subjects=subjects))
        terms = search_terms_refresh(min_records=2)
        # Whether common words are walked depends on the planner's count of the catalog: a
        # bigger catalog analysed earlier in this schema would make these words rare.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {RecordSearch._meta.db_table}")
    assert terms["'ocean'"] > terms["'voyag'"] == 7


@pytest.mark.parametrize("bound", ["walked", "indexed"])
def test_common_words_together_are_paged_in_their_rarest_words_rank_order(
    callers, library, voyages, settings, monkeypatch, bound
):
    # Both words are search terms and their matches outnumber STACKS_SEARCH_EXACT_UP_TO: the
    # pages follow the kept ranks of the rarer word (voyage), ties (the same title twice) by
    # id, both ways. With the walk's bound at one rank per row, the search index finds the
    # rest of each page, in the same order.
    from catalog.models import SearchTermRank
    from catalog.search import record_search, sql

    settings.STACKS_SEARCH_EXACT_UP_TO = 1
    if bound == "indexed":
        monkeypatch.setattr(sql, "_WALK_LEAST", 1)
        monkeypatch.setattr(sql, "_WALK_PER_ROW", 1)
    with schema_context(library.schema_name):
        matched = set(record_search(q="ocean voyage").values_list("pk", flat=True))
        ranks = SearchTermRank.objects.filter(term="'voyag'", record_id__in=matched)
        expected = [pk for _, pk in sorted(ranks.values_list("rank", "record_id"), reverse=True)]

    with CaptureQueriesContext(connection) as queries:
        forward, backward = pages_both_ways(
            callers["anonymous"], {"q": "Ocean voyage", "page_size": 2}
        )

    ranked = [q["sql"] for q in queries.captured_queries if "ts_rank" in q["sql"]]
    assert not ranked  # no match of the query ranked one by one
    indexed = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("WITH m AS")]
    assert bool(indexed) == (bound == "indexed")
    seen = [pk for page in forward for pk in page]
    assert len(matched) == 6
    assert seen == expected
    assert [pk for page in reversed(backward) for pk in page] == seen[: -len(forward[-1])]


@pytest.mark.parametrize(
    "change", ["walked, then below the size", "ranked, then above it", "walked, terms gone"]
)
def test_a_cursor_goes_on_in_the_order_its_first_page_was_read_in(
    callers, library, voyages, settings, change
):
    # Between two pages the estimate of "ocean voyage" crosses STACKS_SEARCH_EXACT_UP_TO (or
    # its words stop being search terms): the pages after the first, forward and back, are
    # still those of the first page's order, each match once.
    from catalog.services import search_terms_refresh

    client, params = callers["anonymous"], {"q": "ocean voyage", "page_size": 2}
    settings.STACKS_SEARCH_EXACT_UP_TO = 1
    walked = pages_both_ways(client, params)
    settings.STACKS_SEARCH_EXACT_UP_TO = 1000
    ranked = pages_both_ways(client, params)
    in_walk, in_rank = ([pk for page in pages[0] for pk in page] for pages in (walked, ranked))
    # The same matches in two orders: continued in the other, a cursor would skip or repeat.
    assert sorted(in_walk) == sorted(in_rank)
    assert in_walk != in_rank

    def below() -> None:
        settings.STACKS_SEARCH_EXACT_UP_TO = 1000

    def above() -> None:
        settings.STACKS_SEARCH_EXACT_UP_TO = 1

    def terms_gone() -> None:
        with schema_context(library.schema_name):
            assert search_terms_refresh(min_records=100) == {}

    first, after_first, expected = {
        "walked, then below the size": (above, below, walked),
        "ranked, then above it": (below, above, ranked),
        "walked, terms gone": (above, terms_gone, walked),
    }[change]
    first()
    assert pages_both_ways(client, params, after_first) == expected


def test_a_cursor_without_its_order_is_read_as_the_estimate_says_and_a_strange_one_refused(
    callers, voyages, settings
):
    from base64 import b64decode, b64encode
    from urllib.parse import parse_qs, urlencode, urlparse

    def tokens_of(link: str) -> dict[str, str]:
        cursor = parse_qs(urlparse(link).query)["cursor"][0]
        return {name: values[0] for name, values in parse_qs(b64decode(cursor).decode()).items()}

    client, params = callers["anonymous"], {"q": "ocean voyage", "page_size": 2}
    settings.STACKS_SEARCH_EXACT_UP_TO = 1
    first = client.get("/api/v1/records/", params).json()
    second = client.get(first["next"]).json()
    tokens = tokens_of(first["next"])
    position = json.loads(tokens["p"])
    assert position["by"] == "'voyag'"

    def page_from(written: object) -> Any:
        cursor = b64encode(urlencode({**tokens, "p": json.dumps(written)}).encode()).decode()
        return client.get("/api/v1/records/", {**params, "cursor": cursor})

    # A cursor written before the order was marked: read in the walk, as the estimate says.
    assert page_from(position["at"]).json()["results"] == second["results"]
    # A walk by a word not the query's, or a mark of no kind: refused as forged.
    for by in ("'harbour'", "'ocean' & 'voyag'", 7, ["rank"]):
        response = page_from({"at": position["at"], "by": by})
        assert response.status_code == 400, by
        assert list(response.json()["errors"]) == ["cursor"]


def test_a_search_narrowed_or_ordered_any_other_way_is_ranked_over_the_records(in_library):
    from catalog.search import RecordFilters
    from catalog.selectors import record_page

    for title in ("Ocean one", "Ocean two", "Ocean three"):
        record_create(data=RecordData(title=title, language="fre" if "two" in title else "eng"))

    with CaptureQueriesContext(connection) as queries:
        narrowed = record_page(q="ocean", filters=RecordFilters(language="fre"), size=10)
        by_title = record_page(q="ocean", ordering="title", size=2)
        by_year = record_page(q="ocean", ordering="-year", size=10)
        rest = record_page(q="ocean", ordering="title", position=by_title.next, size=2)

    assert [r.title for r in narrowed.rows] == ["Ocean two"]
    assert [r.title for r in by_title.rows + rest.rows] == ["Ocean one", "Ocean three", "Ocean two"]
    assert len(by_year.rows) == 3
    assert all(r.rank > 0 for r in by_year.rows)
    rankings = [q["sql"] for q in queries.captured_queries if "ts_rank" in q["sql"]]
    assert len(rankings) == 4
    assert all('"catalog_record"' in sql for sql in rankings)


@pytest.mark.parametrize("ordering", ["newest", "title", "-title", "updated", "-updated"])
def test_a_list_page_by_written_sql_is_the_one_the_orm_gives(callers, many, library, ordering):
    # Titles and update times repeat (as they do after a bulk change): pages must still
    # follow each other exactly, both ways, on either path.
    from django.utils import timezone

    from catalog.models import Record

    with schema_context(library.schema_name):
        for _ in range(3):
            record_create(data=RecordData(title="Same title"))
        ids = list(Record.objects.order_by("id").values_list("id", flat=True))
        Record.objects.filter(id__in=ids[::2]).update(updated_at=timezone.now())
    client = callers["anonymous"]
    with CaptureQueriesContext(connection) as queries:
        written = pages_both_ways(client, {"ordering": ordering, "page_size": 2})
    pages = [q["sql"] for q in queries.captured_queries if '"catalog_record"' in q["sql"]]
    assert pages
    assert all(sql.startswith('SELECT "id", "title"') for sql in pages)  # not the ORM's

    with schema_context(library.schema_name):
        assert written == by_orm(ordering)
    seen = [pk for page in written[0] for pk in page]
    assert sorted(seen) == ids


def test_a_list_narrowed_or_ordered_any_other_way_is_read_by_the_orm(in_library):
    from catalog.search import RecordFilters
    from catalog.selectors import record_page

    for title in ("Ocean one", "Ocean two", "Ocean three"):
        record_create(data=RecordData(title=title, language="fre" if "two" in title else "eng"))

    with CaptureQueriesContext(connection) as queries:
        narrowed = record_page(filters=RecordFilters(language="fre"), size=10)
        by_year = record_page(ordering="year", size=10)
        by_relevance = record_page(ordering="relevance", size=2)
        rest = record_page(ordering="relevance", position=by_relevance.next, size=2)

    assert [r.title for r in narrowed.rows] == ["Ocean two"]
    assert len(by_year.rows) == 3
    assert len(by_relevance.rows + rest.rows) == 3
    selects = [q["sql"] for q in queries.captured_queries if '"catalog_record"' in q["sql"]]
    assert len(selects) == 4
    assert all(sql.startswith('SELECT "catalog_record"."id"') for sql in selects)


def test_a_page_read_by_a_selector_carries_its_links_from_a_fixed_number_of_queries(
    in_library, django_assert_num_queries
):
    from catalog.selectors import record_page

    for n in range(3):
        record_create(data=RecordData(title=f"Ocean {n}", contributors=[(f"Author {n}", "author")]))

    # The page, then its three links; a ranked page reads its ids first.
    for q, queries in (("", 4), ("ocean", 5)):
        with django_assert_num_queries(queries):
            page = record_page(q=q, size=2)
        credits = [[c.contributor_name for c in record.credit_list] for record in page.rows]
        assert credits == [["Author 2"], ["Author 1"]], q


def test_lookups_by_isbn_identifier_and_ids(callers, library):
    with schema_context(library.schema_name):
        dune = record_create(data=RecordData(title="Dune", identifiers=[("isbn", "0441172717")]))
        emma = record_create(data=RecordData(title="Emma", identifiers=[("issn", "0317-8471")]))
        record_create(data=RecordData(title="Other"))
    client = callers["read_key"]

    def titles(params):
        response = client.get("/api/v1/records/", params)
        assert response.status_code == 200, response.content
        return sorted(r["title"] for r in response.json()["results"])

    for isbn in ("0441172717", "978-0-441-17271-9", "0-441-17271-7"):
        assert titles({"isbn": isbn}) == ["Dune"]
    assert titles({"isbn": "9780306406157"}) == []  # a valid ISBN nobody has: none, not all
    assert titles({"identifier": "issn:03178471"}) == ["Emma"]
    assert titles({"ids": f"{dune.pk},{emma.pk}"}) == ["Dune", "Emma"]
    for params, name in (
        ({"isbn": "12345"}, "isbn"),
        ({"identifier": "shoe:12"}, "identifier"),
        ({"ids": "1,x"}, "ids"),
        ({"ids": ",".join(str(n) for n in range(1, 202))}, "ids"),
    ):
        response = client.get("/api/v1/records/", params)
        assert response.status_code == 400, params
        assert name in response.json()["errors"]


def test_items_by_barcodes(callers, catalog, library):
    client = callers["read_key"]
    found = client.get("/api/v1/items/", {"barcodes": f"{catalog.item.barcode},NOPE"}).json()
    assert [i["id"] for i in found["results"]] == [catalog.item.pk]
    too_many = ",".join(f"B{n}" for n in range(201))
    assert client.get("/api/v1/items/", {"barcodes": too_many}).status_code == 400


def _generic_page(body: dict[str, Any], library, zone: str) -> dict[str, Any]:
    """The page `body` is, its records rendered by DRF's generic serializer path."""
    from django.utils import timezone
    from rest_framework import serializers
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from api.serializers import RecordSerializer
    from catalog.selectors import record_links_attach, record_list

    ids = [answer["id"] for answer in body["results"]]
    request = Request(APIRequestFactory().get("/", HTTP_HOST=LIBRARY_HOST))
    with schema_context(library.schema_name), timezone.override(zone):
        by_id = {record.pk: record for record in record_list().filter(pk__in=ids)}
        record_links_attach(list(by_id.values()))
        results = []
        for record_id in ids:
            serializer = RecordSerializer(by_id[record_id], context={"request": request})
            results.append(
                serializers.ModelSerializer.to_representation(serializer, serializer.instance)
            )
    return {"next": body["next"], "previous": body["previous"], "results": results}


@pytest.mark.parametrize("zone", ["UTC", "America/Montreal"])
@pytest.mark.parametrize(
    "ordering", ["relevance", "title", "-title", "year", "-year", "updated", "-updated", "newest"]
)
def test_the_list_writes_what_the_generic_serializer_path_writes(
    callers, many, library, ordering, zone
):
    """The record list builds its answers from the database's rows; every page of every
    ordering, searched or not, narrowed or not, in UTC or another zone, must be the bytes
    DRF's generic path writes for the same records, compact or indented."""
    from rest_framework.renderers import JSONRenderer

    from catalog.models import Record

    with schema_context(library.schema_name):
        first = Record.objects.order_by("id").first()
        Record.objects.filter(pk=first.pk).update(
            cover="covers/alpha/c0ffee", cover_thumb_width=120, cover_thumb_height=180,
            cover_large_width=400, cover_large_height=600, summary="Seas, «ports» & ships",
        )  # fmt: skip
    library.time_zone = zone
    library.save(update_fields=["time_zone"])
    client = callers["anonymous"]
    searches = [{}, {"q": "ocean"}, {"language": "eng", "year_from": "1991"},
                {"q": "voyage", "language": "eng"}]  # fmt: skip
    for search in searches:
        for indent in (None, 4):
            headers = (
                {} if indent is None else {"HTTP_ACCEPT": f"application/json; indent={indent}"}
            )
            url, params, pages = (
                "/api/v1/records/",
                {**search, "ordering": ordering, "page_size": 3},
                0,
            )
            while url:
                response = client.get(url, params, **headers)
                assert response.status_code == 200, response.content
                body = response.json()
                expected = _generic_page(body, library, zone)
                assert response.content == JSONRenderer().render(
                    expected, renderer_context={"indent": indent}
                ), (search, indent)
                url, params, pages = body["next"], None, pages + 1
            assert pages > 1, search
