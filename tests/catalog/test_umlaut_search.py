"""Search reads German umlauts as DIN 5007 does (ä=ae, ö=oe, ü=ue, ß=ss), both ways, on the
website, in the staff workspace, in the API and over SRU: "Mueller" finds "Müller" and
"Müller" finds "Mueller", while "Muller" still finds "Müller" and "Poet" stays "Poet"."""

import importlib

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from catalog.services import RecordData, record_create
from catalog.text import search_forms, search_text_sql
from tests.catalog.search_helpers import (
    api_titles,
    in_the_database,
    sru_titles,
    staff_records_page,
)
from tests.conftest import LIBRARY_HOST

pytestmark = pytest.mark.django_db

HERTA = "Atemschaukel"  # by Müller, Herta
HEINER = "Die Hamletmaschine"  # by Mueller, Heiner
JEAN = "Le vent du nord"  # by Muller, Jean
PERFUME = "Das Parfum"  # by Süskind, Patrick
TALES = "Kinder- und Hausmärchen"
DRUM = "Die Blechtrommel"  # by Graß, Günter (as some catalogues write it)
POET_TITLE = "The poet"  # "Poet" in its title
POET_SUMMARY = "Collected letters"  # "poet" in its summary
BLUE = "Blue Michael"


@pytest.fixture
def german(in_library) -> None:  # type: ignore[no-untyped-def]
    record_create(data=RecordData(title=HERTA, contributors=[("Müller, Herta", "author")]))
    record_create(data=RecordData(title=HEINER, contributors=[("Mueller, Heiner", "author")]))
    record_create(data=RecordData(title=JEAN, contributors=[("Muller, Jean", "author")]))
    record_create(data=RecordData(title=PERFUME, contributors=[("Süskind, Patrick", "author")]))
    record_create(data=RecordData(title=TALES, subjects=[("Märchen", "")]))
    record_create(data=RecordData(title=DRUM, contributors=[("Graß, Günter", "author")]))
    record_create(data=RecordData(title=POET_TITLE, summary="A life."))
    record_create(data=RecordData(title=POET_SUMMARY, summary="The letters of a poet."))
    record_create(data=RecordData(title=BLUE))


@pytest.mark.parametrize(
    ("q", "found"),
    [
        # Both ways: the umlaut finds its spelling out, and the spelling out the umlaut.
        ("Müller", {HERTA, HEINER, JEAN}), ("MÜLLER", {HERTA, HEINER, JEAN}),
        ("Mueller", {HERTA, HEINER}), ("mueller herta", {HERTA}), ("müller heiner", {HEINER}),
        # Without the dots, as before.
        ("Muller", {HERTA, JEAN}),
        ("Sueskind", {PERFUME}), ("Süskind", {PERFUME}), ("Suskind", {PERFUME}),
        ("maerchen", {TALES}), ("Märchen", {TALES}), ("hausmaerchen", {TALES}),
        ("Grass", {DRUM}), ("Graß", {DRUM}), ("guenter grass", {DRUM}), ("Günter", {DRUM}),
        ('"Müller, Herta"', {HERTA}),
        # Spelt-out letters that are no umlauts stay as they are.
        ("poet", {POET_TITLE, POET_SUMMARY}), ("Michael", {BLUE}), ("blue", {BLUE}),
        ("pot", set()), ("michal", set()),
    ],
)  # fmt: skip
def test_the_api_finds_umlauts_spelt_either_way(german, q, found) -> None:  # type: ignore[no-untyped-def]
    api = APIClient(HTTP_HOST=LIBRARY_HOST)
    assert set(api_titles(api, q)) == found


def test_a_word_spelt_with_ae_oe_ue_keeps_its_ranking(german) -> None:  # type: ignore[no-untyped-def]
    api = APIClient(HTTP_HOST=LIBRARY_HOST)
    # The title's "poet" above the summary's, as for any word.
    assert api_titles(api, "Poet") == [POET_TITLE, POET_SUMMARY]
    assert search_forms("Poet") == ["Poet"]
    assert search_forms("Müller") == ["Mueller", "Muller"]


def test_the_search_page_and_the_staff_record_list_find_umlauts(german, web: Client) -> None:  # type: ignore[no-untyped-def]
    for q in ("Mueller", "Müller"):
        page = web.get("/search/", {"q": q}).text
        assert HERTA in page, q
        assert HEINER in page, q
    assert PERFUME in web.get("/search/", {"q": "Sueskind"}).text
    assert TALES in web.get("/search/", {"q": "maerchen"}).text
    page = staff_records_page("mueller")
    assert HERTA in page
    assert HEINER in page


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("Mueller", {HERTA, HEINER}), ("dc.creator = Müller", {HERTA, HEINER, JEAN}),
        ("creator all \"sueskind patrick\"", {PERFUME}), ("dc.subject = maerchen", {TALES}),
        ("title = hausmaerchen", {TALES}), ("title = sueskind", set()),
    ],
)  # fmt: skip
def test_sru_finds_umlauts_spelt_either_way(german, web: Client, query, found) -> None:  # type: ignore[no-untyped-def]
    assert set(sru_titles(web, query)) == found


def _vectors_before_umlauts() -> None:
    """Every vector as the writers built them before umlauts were spelt out: the text
    without its accents only."""
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE catalog_recordsearch s SET vector =
                   setweight(to_tsvector('english', translate(r.title, 'äöüÄÖÜ', 'aouAOU')), 'A')
                || setweight(to_tsvector('english', translate(coalesce((
                       SELECT string_agg(c.name, ' ' ORDER BY rc.position)
                       FROM catalog_recordcontributor rc
                       JOIN catalog_contributor c ON c.id = rc.contributor_id
                       WHERE rc.record_id = r.id), ''), 'äöüÄÖÜß', 'aouAOUs')), 'B')
               FROM catalog_record r WHERE r.id = s.record_id"""
        )


def test_the_migration_rebuilds_the_vectors_of_records_stored_before_it(german) -> None:  # type: ignore[no-untyped-def]
    _vectors_before_umlauts()
    api = APIClient(HTTP_HOST=LIBRARY_HOST)
    assert set(api_titles(api, "Mueller")) == {HEINER}
    assert api_titles(api, "Sueskind") == []

    migration = importlib.import_module("catalog.migrations.0018_search_vectors_umlauts")
    migration.vectors_umlauts(apps=None, schema_editor=None)

    assert set(api_titles(api, "Mueller")) == {HERTA, HEINER}
    assert api_titles(api, "Sueskind") == [PERFUME]
    assert set(api_titles(api, "Muller")) == {HERTA, JEAN}


def test_the_words_with_an_umlaut_are_taken_whole_without_a_pattern_at_each_letter(
    in_library,
) -> None:  # type: ignore[no-untyped-def]
    """Once the words without an umlaut are dropped, each word left holds one, whole: trying a
    word's pattern again at each letter of them took a fifth of an accented text's folding."""
    samples = [
        "Müller\tHans", "Müller\vHans", "Mu\u0308ller  Böll", "Kinder-Märchen und Brüder",
        "l'Über she'll", "Größe\n", "Straße",
    ]  # fmt: skip
    rows = [row[0] for row in in_the_database(samples, search_text_sql)]
    assert rows == [
        "Muller\tHans Mueller", "Muller\vHans Mueller", "Muller  Boll Mueller Boell",
        "Kinder-Marchen und Bruder Kinder-Maerchen Brueder", "lUber she'll lUeber l Uber l Ueber",
        "Grosse\n Groesse", "Strasse",
    ]  # fmt: skip
    # Only the words of an apostrophe are matched against a pattern letter by letter.
    assert search_text_sql("t").count("|.") == 1
