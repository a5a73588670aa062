"""Spelling suggestions: a search that found nothing offers the catalog's closest words."""

import importlib
import io
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from catalog.imports.jobs import import_job_create
from catalog.models import SearchWord
from catalog.search import spelling_suggest
from catalog.search.spelling import word_grams
from catalog.services import (
    RecordData,
    record_create,
    record_delete,
    record_update,
    search_words_refresh,
    subject_update,
)
from tests.catalog.imports.helpers import job_run
from tests.catalog.test_website import Page
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST


def make(title: str, **kw):
    return record_create(data=RecordData(title=title, **kw))


def words() -> dict[str, int]:
    return dict(SearchWord.objects.values_list("word", "records"))


@pytest.fixture
def shelf(in_library):
    records = {
        "learning": make("Learning Python", contributors=[("Lutz, Mark", "author")],
                         subjects=[("Computer programming", "lcsh")], publication_year=2013),
        "cookbook": make("Python cookbook", publication_year=2013,
                         subjects=[("Computer programming", "lcsh")]),
        "fluent": make("Fluent Python", summary="Clear, concise and effective programming."),
        "snakes": make("Pythons and boas of the world", publication_year=1990),
        "house": make("The house by the river"),
        "house2": make("House of leaves"),
        "haute": make("Haute cuisine"),
    }  # fmt: skip
    search_words_refresh()
    return records


def test_a_misspelt_word_is_replaced_by_the_catalogs_closest_word(shelf):
    assert spelling_suggest("pyhton") == "python"  # a transposed pair is one edit
    assert spelling_suggest("pythn") == "python"  # a letter left out
    assert spelling_suggest("pyhton cookbok") == "python cookbook"  # every word mended
    assert spelling_suggest("programing") == "programming"  # a summary's and a subject's word
    assert spelling_suggest("lutx") == "lutz"  # a contributor's name
    assert spelling_suggest("cokbok") == "cookbook"  # two edits, in a longer word
    assert spelling_suggest("rivr hous") == "river house"
    assert spelling_suggest("hsoe") is None  # two edits are too many for a short word


def test_each_mended_word_keeps_the_case_the_reader_typed(shelf):
    """The word list keeps words in lower case; the reader's "Blechtromel" is offered as
    "Blechtrommel", never "blechtrommel"."""
    assert spelling_suggest("Pyhton cookbok") == "Python cookbook"
    assert spelling_suggest("PYHTON Cookbok") == "PYTHON Cookbook"
    assert spelling_suggest("Rivr hous") == "River house"


def test_query_syntax_and_known_words_are_kept(shelf):
    assert spelling_suggest('"learning pyhton"') == '"learning python"'
    assert spelling_suggest("fluent -pyhton") == "fluent -python"
    assert spelling_suggest("the pyhton or cookbok") == "the python or cookbook"  # stop words
    # Nothing to mend: every word is the catalog's, or none is near enough to one.
    assert spelling_suggest("python cookbook") is None
    assert spelling_suggest("xyzzyq") is None
    assert spelling_suggest("9780553819571") is None
    assert spelling_suggest("") is None


def test_among_equally_close_words_the_commonest_wins(shelf):
    # "hause" is one edit from both "house" (2 records) and "haute" (1).
    assert spelling_suggest("hause") == "house"
    for n in range(3):
        make(f"Haute couture {n}")
    search_words_refresh()
    assert words()["haute"] == 4
    assert spelling_suggest("hause") == "haute"


def test_the_word_list_follows_every_writer_and_a_refresh_counts_it_exactly(shelf):
    assert words()["python"] == 3  # learning, cookbook, fluent; "pythons" is a word of its own
    assert words()["pythons"] == 1
    assert words()["programming"] == 3  # two subject links and a summary
    assert "the" not in words()  # a stop word: search ignores it
    assert "2013" not in words()
    record = make("Zymurgy for brewers")  # a service write adds new words at once
    assert words()["zymurgy"] == 1
    assert spelling_suggest("zymurgi") == "zymurgy"
    record_update(record_id=record.pk, data=RecordData(title="Zymurgy and oenology"))
    assert "oenology" in words()
    programming = shelf["learning"].subject_links.get().subject_id
    subject_update(subject_id=programming, heading="Computer programing", scheme="lcsh")
    assert "programing" in words()
    record_delete(record_id=record.pk)
    assert search_words_refresh() == len(words())
    assert "zymurgy" not in words()  # the refresh drops the words of deleted records
    assert words()["programing"] == 2
    assert words()["programming"] == 1


def test_the_word_pieces_written_by_sql_are_those_the_suggestion_cuts(shelf):
    rows = SearchWord.objects.values_list("word", "grams")
    assert len(rows) > 10
    for word, grams in rows:
        assert sorted(grams) == word_grams(word), word


def test_a_small_import_adds_its_records_new_words(in_library):
    csv = 'title,authors\nQuixotic voyages,"Cervantes, Miguel"\n'
    job = import_job_create(file=io.BytesIO(csv.encode()), file_name="b.csv", one_shot=True)
    assert job_run(job).created == 1
    assert {"quixotic", "voyages", "cervantes", "miguel"} <= set(words())
    assert spelling_suggest("quixotik") == "quixotic"


# --- Spellings: the word as the catalog writes it --------------------------------------------


def spellings() -> dict[str, str]:
    return dict(SearchWord.objects.exclude(spelling="").values_list("word", "spelling"))


SPELT = {"lodz": "łódź", "strasse": "straße", "aeroskobing": "ærøskøbing", "елка": "ёлка",
         "oeuvres": "œuvres", "moliere": "molière"}  # fmt: skip
# Typed, and offered as the catalog spells it.
MENDED = [("Lodx", "Łódź"), ("strase", "straße"), ("aeroskobin", "ærøskøbing"), ("Елкка", "Ёлка"),
          ("Oeuvrse de Moliere", "Œuvres de Molière"), ("fictoin", "fiction")]  # fmt: skip


def test_a_suggestion_is_spelt_as_the_catalog_spells_it_in_any_language(in_library):
    for title in (
        "Łódź i okolice",
        "Die Straße der Besten",
        "Ærøskøbing havn",
        "Ёлка в лесу",
        "Œuvres de Molière",
        "Ｆｕｌｌ width ﬁction",  # noqa: RUF001 - compatibility forms spell nothing of their own
    ):
        make(title)
    assert spellings() == SPELT
    assert [spelling_suggest(typed) for typed, _ in MENDED] == [offered for _, offered in MENDED]
    # A refresh chooses the same spellings as the writes did.
    search_words_refresh()
    assert spellings() == SPELT


def test_the_commonest_spelling_is_chosen_and_counted_afresh(in_library):
    make("Müller und Söhne")
    make("The Muller family")
    make("Muller papers")
    # Written one by one, a word keeps the spelling it came with.
    assert spelling_suggest("Muler") == "Müller"
    search_words_refresh()
    assert words()["muller"] == 3
    assert spelling_suggest("Muler") == "Muller"  # two records against one
    # "mueller" is how search reads Müller too; no record spells it so.
    assert spelling_suggest("Muelller") == "Mueller"
    make("Müller's tales")
    assert spelling_suggest("Muler") == "Muller"
    search_words_refresh()
    assert spelling_suggest("Muler") == "Müller"  # equally common: the one with accents
    make("Müller again")
    search_words_refresh()
    assert words()["muller"] == 5
    assert spelling_suggest("Muler") == "Müller"


def test_an_import_adds_its_records_spellings(in_library):
    csv = 'title,authors\nNaufragios,"Núñez Cabeza de Vaca, Álvar"\n'
    job = import_job_create(file=io.BytesIO(csv.encode()), file_name="n.csv", one_shot=True)
    assert job_run(job).created == 1
    assert spelling_suggest("Nunes Cabesa") == "Núñez Cabeza"
    assert spelling_suggest("alvr") == "álvar"


def test_the_migration_gives_an_existing_word_list_its_spellings(in_library):
    make("Cien años de soledad", contributors=[("García Márquez, Gabriel", "author")])
    SearchWord.objects.update(spelling="")  # the word list as it was kept before
    assert spelling_suggest("Garsia") == "Garcia"

    migration = importlib.import_module("catalog.migrations.0019_search_word_spellings")
    migration.words_spelt(apps=None, schema_editor=None)

    assert spelling_suggest("Garsia Marques") == "García Márquez"
    assert spelling_suggest("anos soledda") == "años soledad"


# --- The website ---------------------------------------------------------------------------------


def test_a_search_that_finds_nothing_offers_the_closest_spelling(web, shelf):
    page = web.get("/search/", {"q": "pyhton"})
    assert page.status_code == 200
    assert "No records found" in page.text
    suggestion = Page(page.text).link("python", under="/search/")
    assert "Did you mean" in page.text
    assert parse_qs(urlparse(suggestion).query) == {"q": ["python"]}
    # The empty page has no facets, sort links or skip link to results.
    assert "Narrow the results" not in page.text
    assert "Sort by" not in page.text
    assert 'href="#results"' not in page.text
    followed = web.get(suggestion)
    # Search itself stems: "python" finds "Pythons" too.
    assert set(Page(followed.text).result_ids()) == {
        shelf["learning"].pk, shelf["cookbook"].pk, shelf["fluent"].pk, shelf["snakes"].pk
    }  # fmt: skip


def test_the_suggestion_is_offered_as_the_catalog_spells_it(web, in_library):
    make("Atemschaukel", contributors=[("Müller, Herta", "author")])
    page = web.get("/search/", {"q": "Müler"})
    assert "Did you mean" in page.text
    suggestion = Page(page.text).link("Müller", under="/search/")
    assert parse_qs(urlparse(suggestion).query) == {"q": ["Müller"]}
    assert "Atemschaukel" in web.get(suggestion).text


def test_the_suggestion_keeps_the_filters_and_is_offered_only_if_it_finds_something(web, shelf):
    page = web.get("/search/", {"q": "pyhton", "decade": "2010"})
    suggestion = Page(page.text).link("python", under="/search/")
    assert parse_qs(urlparse(suggestion).query) == {"q": ["python"], "decade": ["2010"]}
    assert set(Page(web.get(suggestion).text).result_ids()) == {
        shelf["learning"].pk, shelf["cookbook"].pk
    }  # fmt: skip
    # Python in the 1950s finds nothing however it is spelled: nothing is offered.
    nothing = web.get("/search/", {"q": "pyhton", "decade": "1950"})
    assert "Did you mean" not in nothing.text
    # A search that finds something is not second-guessed.
    assert "Did you mean" not in web.get("/search/", {"q": "python"}).text


def test_another_librarys_words_are_never_suggested(web, shelf, other_library):
    with schema_context(other_library.schema_name):
        make("Zeppelins over the sea")
    other = Client(HTTP_HOST=OTHER_LIBRARY_HOST)
    assert "Did you mean" in other.get("/search/", {"q": "zeppelns"}).text
    page = web.get("/search/", {"q": "zeppelns"})
    assert page.status_code == 200
    assert "Did you mean" not in page.text
    assert "zeppelin" not in page.text.replace("zeppelns", "")
    # And the other way: this library's words are not offered there.
    assert "Did you mean" not in other.get("/search/", {"q": "pyhton"}).text
    with schema_context(other_library.schema_name):
        assert not SearchWord.objects.filter(word="python").exists()


def test_a_record_page_links_back_to_the_search_it_came_from(web, shelf):
    results = web.get("/search/", {"q": "python", "sort": "title", "per_page": "2", "page": "2"})
    link = Page(results.text).link("Python cookbook", under="/records/")
    record = web.get(link)
    assert record.status_code == 200
    back = Page(record.text).link("Back to the search results")
    assert parse_qs(urlparse(back).query) == {
        "q": ["python"], "sort": ["title"], "per_page": ["2"], "page": ["2"]
    }  # fmt: skip
    assert Page(web.get(back).text).result_ids() == Page(results.text).result_ids()
    # The permanent link stays the record's own; the plain page has no way back to show.
    assert Page(record.text).canonical == f"http://{LIBRARY_HOST}/records/{shelf['cookbook'].pk}/"
    plain = web.get(f"/records/{shelf['cookbook'].pk}/")
    assert "Back to the search results" not in plain.text
    # Cached pages keep each search's own link back.
    other = web.get(f"/records/{shelf['cookbook'].pk}/", {"from": "q=cookbook"})
    assert Page(other.text).link("Back to the search results") == "/search/?q=cookbook"


@pytest.mark.parametrize(
    "forged", ["sort=sideways", "//evil.example/", "q=x&decade=1995", "https://evil.example"]
)
def test_a_link_back_that_names_no_search_is_left_out(web, shelf, forged):
    page = web.get(f"/records/{shelf['house'].pk}/", {"from": forged})
    assert page.status_code == 200
    backs = [href for attrs, text in Page(page.text).links
             if text == "Back to the search results" for href in [attrs["href"]]]  # fmt: skip
    assert all(href.startswith("/search/?") for href in backs)
    # The forged value reaches no link but the language switch's way back to this very page.
    for attrs, _text in Page(page.text).links:
        if "evil.example" in attrs.get("href", ""):
            assert attrs["href"].startswith("/language/?language=")
            assert f"next=%2Frecords%2F{shelf['house'].pk}%2F%3F" in attrs["href"]
