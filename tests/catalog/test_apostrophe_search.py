# ruff: noqa: RUF001, RUF002, RUF003 - typographic apostrophes are what it is about
"""Search reads an apostrophe inside a word as not there, straight or typographic, in the index
and in queries: "obrien" finds "O'Brien" and "O’Brien" on the website, in the staff workspace,
in the API and over SRU, however the record was written, and "brien" finds them as before."""

import importlib
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from catalog.models import SearchWord
from catalog.search import spelling_suggest
from catalog.services import RecordData, record_create
from catalog.text import search_fold, search_fold_sql, search_text_sql
from tests.catalog.imports.helpers import author_title_imported
from tests.catalog.search_helpers import (
    api_titles,
    in_the_database,
    sru_titles,
    staff_records_page,
)
from tests.catalog.test_website import Page
from tests.conftest import LIBRARY_HOST

pytestmark = pytest.mark.django_db

MASTER = "Master and commander"  # by O'Brien, with a straight apostrophe
CARRIED = "The things they carried"  # by O’Brien, with a typographic one
JOURNEY = "Long day's journey into night"  # by O’Neill
BLUE = "L'Heure bleue"
MUSKETEERS = "Les trois mousquetaires"  # d’Artagnan in its summary
SHELLS = "Shell collecting"
MOUNTAIN = "Songs of the mountain"  # "she'll" in its summary


@pytest.fixture
def names(in_library) -> None:  # type: ignore[no-untyped-def]
    record_create(data=RecordData(title=MASTER, contributors=[("O'Brien, Patrick", "author")]))
    record_create(data=RecordData(title=CARRIED, contributors=[("O’Brien, Tim", "author")]))
    record_create(data=RecordData(title=JOURNEY, contributors=[("O’Neill, Eugene", "author")]))
    record_create(data=RecordData(title=BLUE, summary="Un roman."))
    record_create(
        data=RecordData(title=MUSKETEERS, summary="Les aventures de d’Artagnan à l’heure du roi.")
    )
    record_create(data=RecordData(title=SHELLS))
    record_create(data=RecordData(title=MOUNTAIN, summary="She'll be coming round the mountain."))


BOTH_O_BRIENS = {MASTER, CARRIED}


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("obrien", BOTH_O_BRIENS), ("OBrien", BOTH_O_BRIENS), ("o'brien", BOTH_O_BRIENS),
        ("O’Brien", BOTH_O_BRIENS), ("O´Brien", BOTH_O_BRIENS), ("brien", BOTH_O_BRIENS),
        ("obrien tim", {CARRIED}), ("o’brien patrick", {MASTER}),
        ("oneill", {JOURNEY}), ("O'Neill", {JOURNEY}), ("neill", {JOURNEY}),
        ("dartagnan", {MUSKETEERS}), ("d'Artagnan", {MUSKETEERS}), ("artagnan", {MUSKETEERS}),
        ("lheure bleue", {BLUE}), ("l’heure bleue", {BLUE}), ('"l\'heure bleue"', {BLUE}),
        # Quoted, the word without its apostrophe stands where the catalogued one does.
        ('"obrien patrick"', {MASTER}), ('"o’brien tim"', {CARRIED}), ('"lheure bleue"', {BLUE}),
    ],
)  # fmt: skip
def test_the_api_finds_names_typed_with_either_apostrophe_or_none(names, q, found) -> None:  # type: ignore[no-untyped-def]
    api = APIClient(HTTP_HOST=LIBRARY_HOST)
    assert set(api_titles(api, q)) == found


def test_the_search_page_and_the_staff_record_list_find_o_brien(names, web: Client) -> None:  # type: ignore[no-untyped-def]
    for q in ("obrien", "O’Brien", "o'brien"):
        page = web.get("/search/", {"q": q}).text
        assert MASTER in page, q
        assert CARRIED in page, q
        assert JOURNEY not in page, q
    page = staff_records_page("obrien")
    assert MASTER in page
    assert CARRIED in page


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("obrien", BOTH_O_BRIENS), ("cql.anywhere = oneill", {JOURNEY}),
        ("dc.creator = obrien", BOTH_O_BRIENS), ("creator all \"O’Brien tim\"", {CARRIED}),
        ("dc.title = lheure", {BLUE}), ('title = "l’heure bleue"', {BLUE}),
        # Only in its summary, not in a title.
        ("title = dartagnan", set()), ("dc.creator = brien", BOTH_O_BRIENS),
    ],
)  # fmt: skip
def test_sru_finds_them_in_any_index(names, web: Client, query, found) -> None:  # type: ignore[no-untyped-def]
    assert set(sru_titles(web, query)) == found


def test_english_contractions_keep_their_apostrophe(names) -> None:  # type: ignore[no-untyped-def]
    api = APIClient(HTTP_HOST=LIBRARY_HOST)
    # A summary's "She'll" is not read as "shell".
    assert api_titles(api, "shell") == [SHELLS]


def test_a_french_elision_ranks_as_its_word_in_the_field_it_is_in(names) -> None:  # type: ignore[no-untyped-def]
    api = APIClient(HTTP_HOST=LIBRARY_HOST)
    # The title's "L'Heure" above the summary's "l’heure", however the reader types it; the
    # word alone finds both, stemmed as the catalog's search language stems it ("heures").
    for q in ("l'heure", "L’HEURE", "lheure", "heure", "heures"):
        assert api_titles(api, q) == [BLUE, MUSKETEERS], q


def test_a_misspelt_name_is_offered_its_spelling(names, web: Client) -> None:  # type: ignore[no-untyped-def]
    assert SearchWord.objects.filter(word="obrien").exists()
    assert SearchWord.objects.filter(word="brien").exists()
    # Spelt as the catalog spells it, apostrophe straight as readers type it, however it was
    # typed; the apostrophe's parts keep their own spelling.
    assert spelling_suggest("obrein") == "o'brien"
    assert spelling_suggest("Obrein") == "O'brien"
    assert spelling_suggest("o'brein") == "o'brien"
    assert spelling_suggest("dartagnon") == "d'artagnan"
    assert spelling_suggest("brein") == "brien"
    suggestion = Page(web.get("/search/", {"q": "obrein"}).text).link("o'brien", under="/search/")
    assert parse_qs(urlparse(suggestion).query) == {"q": ["o'brien"]}


def test_records_imported_from_marc_and_saved_through_the_api_are_found(
    library, writer_api: APIClient
) -> None:  # type: ignore[no-untyped-def]
    with schema_context(library.schema_name):
        author_title_imported("O’Brien, Flann.", "The third policeman")
    body = {"title": "At Swim-Two-Birds", "contributors": [{"name": "O'Brien, Flann"}]}
    assert writer_api.post("/api/v1/records/", body, format="json").status_code == 201

    for q in ("obrien flann", "O'Brien", "O’Brien", "brien"):
        assert sorted(api_titles(writer_api, q)) == ["At Swim-Two-Birds", "The third policeman"]


def _vectors_with_apostrophes() -> None:
    """Every vector and the word list as the writers built them before apostrophes were
    folded (these records' text has no accents, so NFKC alone was all the folding)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE catalog_recordsearch s SET vector =
                   setweight(to_tsvector('english', normalize(r.title || ' ' || r.subtitle,
                       NFKC)), 'A')
                || setweight(to_tsvector('english', normalize(coalesce((
                       SELECT string_agg(c.name, ' ' ORDER BY rc.position)
                       FROM catalog_recordcontributor rc
                       JOIN catalog_contributor c ON c.id = rc.contributor_id
                       WHERE rc.record_id = r.id), ''), NFKC)), 'B')
                || setweight(to_tsvector('english', normalize(r.summary, NFKC)), 'D')
               FROM catalog_record r WHERE r.id = s.record_id"""
        )
        cursor.execute("DELETE FROM catalog_searchword WHERE word IN ('obrien', 'dartagnan')")


def test_the_migration_rebuilds_the_vectors_of_records_stored_before_it(names) -> None:  # type: ignore[no-untyped-def]
    _vectors_with_apostrophes()
    api = APIClient(HTTP_HOST=LIBRARY_HOST)
    assert api_titles(api, "obrien") == []
    assert api_titles(api, "O'Brien") == []  # the query is folded, the old vector is not
    assert set(api_titles(api, "brien")) == BOTH_O_BRIENS

    migration = importlib.import_module("catalog.migrations.0017_search_vectors_apostrophes")
    migration.vectors_apostrophes(apps=None, schema_editor=None)

    for q in ("obrien", "O'Brien", "O’Brien", "brien"):
        assert set(api_titles(api, q)) == BOTH_O_BRIENS, q
    assert api_titles(api, "dartagnan") == [MUSKETEERS]
    assert SearchWord.objects.filter(word="obrien").exists()
    assert spelling_suggest("dartagnon") == "d'artagnan"


def test_the_database_folds_apostrophes_as_queries_are_folded(in_library) -> None:  # type: ignore[no-untyped-def]
    samples = [
        "O'Brien", "O’Brien", "O‘Brien", "Oʼ Brien", "O´Brien", "Ｏ＇Ｂｒｉｅｎ", "d'Artagnan",
        "L’Heure bleue", "l’île", "Qur'an", "Hawai'i", "rock'n'roll", "O'Brien's", "пʼять",
        # Kept: contractions and possessives, and quotes around a word.
        "don't", "she'll", "We'd", "DON'T", "children's", "'Tis", "‘quoted’", "it ' s",
    ]  # fmt: skip
    rows = in_the_database(samples, search_fold_sql, search_text_sql)
    folded = [row[0] for row in rows]
    assert folded == [search_fold(s) for s in samples]
    assert folded[:14] == [
        "OBrien", "OBrien", "OBrien", "Oʼ Brien", "OBrien", "OBrien", "dArtagnan",
        "LHeure bleue", "lile", "Quran", "Hawaii", "rocknroll", "OBrien's", "пять",
    ]  # fmt: skip
    assert folded[14:] == samples[14:]
    # The vectors' text: the folded words, then their parts.
    assert rows[0][1] == "OBrien O Brien"
    assert rows[7][1] == "LHeure bleue L Heure"
    assert rows[12][1] == "OBrien's O Brien s"
    assert rows[14][1].split() == ["don't"]
