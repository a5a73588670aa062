"""Search: web-search syntax, weights, ISBNs in any form, filters, orderings and facets."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Record
from catalog.search import RecordFilters, record_facets, record_search, search_facets
from catalog.services import (
    ItemData,
    RecordData,
    item_create,
    location_create,
    record_create,
)


@pytest.fixture
def shelf(in_library):
    def make(title, **kw):
        return record_create(data=RecordData(title=title, **kw))

    branch = location_create(code="BR", name="Branch")
    # "Gardens" in a record's title, in its author's name, or as its subject.
    records = {
        where: make(title, publication_year=year, language=language,
                    contributors=[(author, "author")], subjects=[(subject, "lcsh")])
        for where, title, year, language, author, subject in [
            ("title", "Gardens of the moon", 1999, "eng", "Erikson, Steven", "Fantasy fiction"),
            ("contributor", "Deadhouse gates", 2000, "eng", "Gardens, Moon", "Fantasy fiction"),
            ("subject", "Memories of ice", 2001, "fre", "Erikson, Steven", "Gardens"),
        ]
    }  # fmt: skip
    records["phrase"] = make("The moon is a harsh mistress", publication_year=1966, language="eng",
                             contributors=[("Heinlein, Robert A.", "author")],
                             identifiers=[("isbn", "0-312-86355-1")])  # fmt: skip
    records["other"] = make("Harsh winter gardens", publication_year=1985)
    item_create(record_id=records["phrase"].pk,
                data=ItemData(barcode="S-1", location_id=branch.pk, status="on_loan"))  # fmt: skip
    item_create(record_id=records["other"].pk, data=ItemData(barcode="S-2", status="lost"))
    return records


def titles(records):
    return [r.title for r in records]


def test_title_outranks_contributor_outranks_subject(shelf):
    found = titles(record_search(q="gardens"))
    assert found[:1] == ["Gardens of the moon"] or found[0] == "Harsh winter gardens"
    assert found.index("Deadhouse gates") > found.index("Gardens of the moon")
    assert found.index("Memories of ice") > found.index("Deadhouse gates")
    assert found.index("Memories of ice") > found.index("Harsh winter gardens")


def test_quoted_phrase_exclusion_and_or(shelf):
    assert titles(record_search(q='"harsh mistress"')) == ["The moon is a harsh mistress"]
    assert set(titles(record_search(q="harsh"))) == {
        "The moon is a harsh mistress", "Harsh winter gardens"}  # fmt: skip
    assert titles(record_search(q="harsh -winter")) == ["The moon is a harsh mistress"]
    assert set(titles(record_search(q="mistress or deadhouse"))) == {
        "The moon is a harsh mistress", "Deadhouse gates"}  # fmt: skip
    assert titles(record_search(q="nothing-like-this")) == []


def test_stemming_and_unbalanced_syntax_do_not_fail(shelf):
    assert "Memories of ice" in titles(record_search(q="memory"))
    for q in ('"unclosed', "-", "or or", "(", "&|!:*", "'"):
        list(record_search(q=q))  # websearch syntax never raises


@pytest.mark.parametrize("isbn", ["9780312863555", "978-0-312-86355-5", "0312863551",
                                  "0-312-86355-1", " 0 312 86355 1 "])  # fmt: skip
def test_isbn_in_any_form_finds_the_record(shelf, isbn):
    assert titles(record_search(q=isbn)) == ["The moon is a harsh mistress"]


def test_filters(shelf):
    def f(**kw):
        return set(titles(record_search(filters=RecordFilters(**kw))))

    erikson = shelf["title"].credits.get().contributor_id
    fantasy = shelf["title"].subject_links.get().subject_id
    assert f(contributor=erikson) == {"Gardens of the moon", "Memories of ice"}
    assert f(subject=fantasy) == {"Gardens of the moon", "Deadhouse gates"}
    assert f(language="fre") == {"Memories of ice"}
    assert f(year_from=1999, year_to=2000) == {"Gardens of the moon", "Deadhouse gates"}
    assert f(location="BR") == {"The moon is a harsh mistress"}
    assert f(item_status="lost") == {"Harsh winter gardens"}
    assert f(location="BR", item_status="lost") == set()
    Record.objects.filter(pk=shelf["other"].pk).update(
        updated_at=timezone.now() + timedelta(days=1)
    )
    assert f(updated_since=timezone.now() + timedelta(hours=1)) == {"Harsh winter gardens"}
    combined = record_search(q="gardens", filters=RecordFilters(language="eng"))
    assert set(titles(combined)) == {"Gardens of the moon", "Deadhouse gates"}


def test_orderings(shelf):
    assert titles(record_search(ordering="title"))[:2] == [
        "Deadhouse gates", "Gardens of the moon"]  # fmt: skip
    # Leading articles do not count: "The moon ..." files under M.
    assert titles(record_search(ordering="-title"))[:2] == [
        "The moon is a harsh mistress", "Memories of ice"]  # fmt: skip
    assert titles(record_search(ordering="year"))[0] == "The moon is a harsh mistress"
    assert titles(record_search(ordering="-year"))[0] == "Memories of ice"
    assert titles(record_search(ordering="-updated"))[0] == "Harsh winter gardens"
    assert titles(record_search(ordering="newest"))[0] == "Harsh winter gardens"


def test_facets(shelf):
    facets = record_facets(q="gardens")
    assert {(s["value"], s["count"]) for s in facets["subject"]} == {
        ("Fantasy fiction", 2), ("Gardens", 1)}  # fmt: skip
    assert facets["contributor"][0] == {
        "id": shelf["title"].credits.get().contributor_id, "value": "Erikson, Steven",
        "count": 2}  # fmt: skip
    assert facets["language"] == [{"value": "eng", "count": 2}, {"value": "fre", "count": 1}]
    decades = [(d["value"], d["count"]) for d in facets["decade"]]
    assert decades == [(2000, 2), (1990, 1), (1980, 1)]
    narrowed = record_facets(q="gardens", filters=RecordFilters(language="fre"))
    assert narrowed["language"] == [{"value": "fre", "count": 1}]


@pytest.mark.parametrize("q", ["gardens", "moon -harsh", '"harsh mistress"', "ice or winter",
                               "9780312863555", "0-312-86355-1", "nothing"])  # fmt: skip
def test_facets_of_a_text_alone_count_what_the_joined_query_counts(shelf, q, monkeypatch):
    from catalog.models import Record
    from catalog.search import TextMatch
    from catalog.search.query import matching

    from_vectors = record_facets(q=q)
    monkeypatch.setattr(
        TextMatch,
        "record_ids",
        lambda text: matching(text, RecordFilters(), Record.objects.all()).values("pk"),
    )
    assert from_vectors == record_facets(q=q)
    if q.startswith(("9", "0")):
        assert from_vectors["decade"] == [{"value": 1960, "count": 1}]


@pytest.mark.parametrize("ordering", ["relevance", "title"])
def test_a_ranked_page_ranks_ids_only_then_fetches_its_records(in_library, ordering):
    # Relevance alone ranks on the vectors' table; in another order, the ORM ranks the
    # records' ids; either way the page's records are read by id afterwards.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from catalog.models import Record
    from catalog.search import record_search
    from catalog.selectors import record_page, record_slice
    from catalog.services import RecordData, record_create

    for title in ("Dune", "Dune Messiah", "Children of Dune", "Emma"):
        record_create(data=RecordData(title=title, contributors=[("Herbert, Frank", "author")]))

    with CaptureQueriesContext(connection) as queries:
        if ordering == "relevance":
            page = record_page(q="dune", size=2).rows
        else:
            page = record_slice(q="dune", ordering=ordering, limit=2)

    ranking = next(q["sql"] for q in queries.captured_queries if "ORDER BY" in q["sql"])
    selected = ranking.split(" FROM ")[0]
    assert '"title"' not in selected  # every match ranked without carrying its columns
    assert len(page) == 2
    assert all(record.rank > 0 for record in page)
    assert [c.contributor_name for c in page[0].credit_list] == ["Herbert, Frank"]
    by_orm = list(record_search(q="dune", ordering=ordering)[:2])
    assert page == by_orm
    assert [r.rank for r in page] == [r.rank for r in by_orm]
    # Field for field what the ORM loads, the deferred MARC included (loaded on access).
    assert [r.get_deferred_fields() for r in page] == [{"source_marc"}, {"source_marc"}]
    fields = [f.attname for f in Record._meta.concrete_fields]
    assert [[getattr(r, f) for f in fields] for r in page] == [
        [getattr(r, f) for f in fields] for r in by_orm
    ]


def test_every_record_write_keeps_its_search_vector_in_step(in_library):
    from catalog.models import RecordSearch
    from catalog.search import record_search
    from catalog.services import RecordData, record_create, record_delete, record_update

    record = record_create(data=RecordData(title="Ocean voyage"))
    kept = record_create(data=RecordData(title="Ocean floor"))
    assert [r.pk for r in record_search(q="voyage")] == [record.pk]

    record_update(record_id=record.pk, data=RecordData(title="Desert crossing"))
    assert [r.pk for r in record_search(q="desert")] == [record.pk]
    assert [r.pk for r in record_search(q="ocean")] == [kept.pk]

    record_delete(record_id=record.pk)
    assert list(RecordSearch.objects.values_list("record_id", flat=True)) == [kept.pk]
    assert list(record_search(q="desert")) == []


def test_facets_are_exact_up_to_the_stated_size(shelf, settings):
    # "gardens" matches four records: at a limit of four they are counted, not estimated.
    exact = record_facets(q="gardens")
    settings.STACKS_SEARCH_EXACT_UP_TO = 4
    found = search_facets(q="gardens")
    assert (found.count, found.estimated) == (4, False)
    assert found.facets == exact
    assert search_facets(q="gardens", filters=RecordFilters(language="eng")).count == 2


def test_facets_above_the_stated_size_are_estimated_from_a_sample(shelf, settings):
    settings.STACKS_SEARCH_EXACT_UP_TO = 2
    found = search_facets(q="gardens")
    assert found.estimated
    # Never fewer than were seen; the planner's estimate of a tiny table may be more.
    assert found.count >= 3
    # Two of the matches, scaled to the estimate: each count a share of it.
    languages = found.facets["language"]
    assert languages
    assert all(0 < value["count"] <= found.count for value in languages)
    assert sum(value["count"] for value in languages) <= found.count
    decades = found.facets["decade"]
    assert {d["value"] for d in decades} <= {1980, 1990, 2000}
    # Filters go through the same path.
    assert search_facets(q="gardens", filters=RecordFilters(year_from=1900)).estimated


def test_relevance_pages_rank_the_newest_matches_of_a_common_search(shelf, settings):
    from catalog.selectors import record_slice

    everything = [r.pk for r in record_search(q="gardens or moon", ordering="relevance")]
    # Up to the stated size, a page is the whole ranking's.
    settings.STACKS_SEARCH_EXACT_UP_TO = len(everything)
    ranked = record_slice(q="gardens or moon", ordering="relevance", limit=len(everything))
    assert [r.pk for r in ranked] == everything
    # Above it, the newest matches ranked among themselves: the oldest one is left out.
    settings.STACKS_SEARCH_EXACT_UP_TO = len(everything) - 1
    oldest = min(everything)
    ranked = record_slice(q="gardens or moon", ordering="relevance", limit=len(everything) - 1)
    assert [r.pk for r in ranked] == [pk for pk in everything if pk != oldest]
    assert all(hasattr(r, "rank") for r in ranked)
    # A page past them reads the whole ranking.
    tail = record_slice(q="gardens or moon", ordering="relevance", offset=1, limit=len(everything))
    assert [r.pk for r in tail] == everything[1:]


def test_facets_keep_the_biggest_groups_and_order_ties_by_name(shelf):
    from catalog.models import Contributor, RecordContributor, RecordSubject, Subject
    from catalog.search.sql import facet_rows

    def records(links):
        return links.values("record_id").distinct().count()

    ids = [r.pk for r in shelf.values()]
    for size in (1, 2, 3):
        rows = facet_rows(ids, size)
        # The ORM's answer: count by id, biggest first, ties by their sort key.
        credits = RecordContributor.objects.filter(record_id__in=ids)
        contributors = sorted(
            Contributor.objects.filter(credits__in=credits).distinct(),
            key=lambda c: (-records(credits.filter(contributor=c)), c.name_key),
        )
        assert [(pk, n) for pk, _, n in rows["contributor"]] == [
            (c.pk, records(credits.filter(contributor=c))) for c in contributors[:size]
        ]
        links = RecordSubject.objects.filter(record_id__in=ids)
        subjects = sorted(
            Subject.objects.filter(pk__in=links.values("subject_id")),
            key=lambda s: (-links.filter(subject=s).count(), s.heading_key),
        )
        assert [(pk, n) for pk, _, _, n in rows["subject"]] == [
            (s.pk, links.filter(subject=s).count()) for s in subjects[:size]
        ]
        assert len(rows["language"]) == min(size, 2)
