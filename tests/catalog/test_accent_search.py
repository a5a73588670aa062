# ruff: noqa: RUF001 - accented, compatibility and other scripts' letters are what it is about
"""Search reads text without accents, in the index and in queries: "miserables" finds "Les
Misérables" and "muller" finds "Müller" on the website, in the API, over SRU and by the
OpenSearch description, however the record was written; results keep their own spelling."""

import importlib

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context
from lxml import etree
from rest_framework.test import APIClient

from catalog.models import SearchWord
from catalog.search import record_search, spelling_suggest
from catalog.services import RecordData, record_create
from catalog.text import search_fold, search_fold_sql
from staff.services import api_key_create
from tests.catalog.imports.helpers import author_title_imported
from tests.catalog.search_helpers import api_titles, in_the_database, sru_titles
from tests.conftest import LIBRARY_HOST

pytestmark = pytest.mark.django_db

OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"


@pytest.fixture
def accented(in_library) -> None:  # type: ignore[no-untyped-def]
    record_create(
        data=RecordData(title="Les Misérables", contributors=[("Hugo, Victor", "author")])
    )
    record_create(data=RecordData(title="Atemschaukel", contributors=[("Müller, Herta", "author")]))
    record_create(
        data=RecordData(title="Wuthering heights", contributors=[("Brontë, Emily", "author")])
    )
    record_create(
        data=RecordData(
            title="Cien años de soledad", contributors=[("García Márquez, Gabriel", "author")]
        )
    )
    record_create(data=RecordData(title="Gardens of the north"))


def _titles(q: str) -> set[str]:
    return {r.title for r in record_search(q=q)}


def test_plain_letters_find_accented_ones_and_the_other_way_round(accented) -> None:  # type: ignore[no-untyped-def]
    assert _titles("miserables") == {"Les Misérables"}
    assert _titles("MISERABLES") == {"Les Misérables"}
    assert _titles("Misérables") == {"Les Misérables"}
    assert _titles("muller") == {"Atemschaukel"}
    assert _titles("Bronte") == {"Wuthering heights"}
    assert _titles("Garcia Marquez") == {"Cien años de soledad"}
    assert _titles("anos soledad") == {"Cien años de soledad"}
    # An accent typed where the record has none finds it too.
    assert _titles("gardéns") == {"Gardens of the north"}


def test_website_api_sru_and_opensearch_find_accented_records(accented, web: Client) -> None:  # type: ignore[no-untyped-def]
    page = web.get("/search/", {"q": "miserables"}).text
    assert "Les Misérables" in page
    assert "Atemschaukel" not in page
    assert "Müller, Herta" in web.get("/search/", {"q": "muller"}).text

    api = APIClient(HTTP_HOST=LIBRARY_HOST)
    assert api_titles(api, "miserables") == ["Les Misérables"]
    response = api.get("/api/v1/records/", {"q": "muller"})
    [found] = response.json()["results"]
    assert found["title"] == "Atemschaukel"
    assert [c["name"] for c in found["contributors"]] == ["Müller, Herta"]

    for query in ("miserables", 'title all "miserables"', "dc.creator = hugo"):
        assert sru_titles(web, query) == ["Les Misérables"], query
    assert sru_titles(web, "creator = muller") == ["Atemschaukel"]

    description = etree.fromstring(web.get("/opensearch.xml").content)
    templates = {u.get("type"): u.get("template") for u in description.iter(f"{{{OPENSEARCH}}}Url")}
    html = templates["text/html"].replace("{searchTerms}", "miserables")
    html = html.replace("&page={startPage?}", "").replace(f"http://{LIBRARY_HOST}", "")
    assert "Les Misérables" in web.get(html).text
    sru = templates["application/sru+xml"].replace(f"http://{LIBRARY_HOST}", "")
    sru = sru.replace("{searchTerms}", "muller").replace("{startIndex?}", "1")
    found_sru = web.get(sru.replace("{count?}", "5")).content
    assert b"<zs:numberOfRecords>1</zs:numberOfRecords>" in found_sru
    assert b"Atemschaukel" in found_sru


def test_a_record_imported_from_marc_and_one_saved_through_the_api_are_found(library) -> None:  # type: ignore[no-untyped-def]
    with schema_context(library.schema_name):
        secret = api_key_create(name="accents", scope="write").secret
        author_title_imported("Müller, Karl.", "Bäume des Nordens")
    api = APIClient(HTTP_HOST=LIBRARY_HOST)
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    body = {"title": "Œuvres complètes", "contributors": [{"name": "Müller, Anna"}]}
    assert api.post("/api/v1/records/", body, format="json").status_code == 201

    assert sorted(api_titles(api, "muller")) == ["Bäume des Nordens", "Œuvres complètes"]
    assert api_titles(api, "baume") == ["Bäume des Nordens"]
    assert api_titles(api, "oeuvres completes") == ["Œuvres complètes"]


def test_a_search_that_finds_nothing_suggests_the_catalogs_spelling(accented) -> None:  # type: ignore[no-untyped-def]
    assert SearchWord.objects.filter(word="miserables").exists()
    assert spelling_suggest("miserables") is None
    assert spelling_suggest("Misérables") is None
    # The word as the catalog spells it, in the case the reader typed.
    assert spelling_suggest("les miserabels") == "les misérables"
    assert spelling_suggest("Müler") == "Müller"
    assert spelling_suggest("muler") == "müller"
    assert spelling_suggest("Garsia Marques") == "García Márquez"
    assert spelling_suggest("Brontte") == "Brontë"
    # Beside a mended word, one typed right without its accents is spelt as the catalog does;
    # one typed with accents keeps the reader's.
    assert spelling_suggest("Garcia Marqes") == "García Márquez"
    assert spelling_suggest("Garcìa Marqes") == "Garcìa Márquez"


def _vectors_with_accents() -> None:
    """Every vector and the word list as the writers built them before accents were folded
    (text in NFKC only; these records have no subjects, series, publisher or summary)."""
    contributors = (
        "coalesce((SELECT string_agg(c.name, ' ' ORDER BY rc.position) "
        "FROM catalog_recordcontributor rc JOIN catalog_contributor c "
        "ON c.id = rc.contributor_id WHERE rc.record_id = r.id), '')"
    )
    old = " || ".join(
        f"setweight(to_tsvector('english', normalize({text}, NFKC)), '{weight}')"
        for text, weight in (("r.title || ' ' || r.subtitle", "A"), (contributors, "B"))
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE catalog_recordsearch s SET vector = {old} "  # noqa: S608 - no input
            "FROM catalog_record r WHERE r.id = s.record_id"
        )
        cursor.execute(
            "UPDATE catalog_searchword SET word = 'misérables' WHERE word = 'miserables'"
        )


def test_the_migration_rebuilds_the_vectors_written_with_accents(accented) -> None:  # type: ignore[no-untyped-def]
    _vectors_with_accents()
    assert _titles("miserables") == set()
    assert _titles("Misérables") == set()  # the query is folded, the old vector is not

    migration = importlib.import_module("catalog.migrations.0013_search_vectors_unaccented")
    migration.vectors_unaccent(apps=None, schema_editor=None)

    assert _titles("miserables") == {"Les Misérables"}
    assert _titles("muller") == {"Atemschaukel"}
    assert SearchWord.objects.filter(word="miserables").exists()
    assert not SearchWord.objects.filter(word="misérables").exists()


def test_the_database_folds_text_as_queries_are_folded(in_library) -> None:  # type: ignore[no-untyped-def]
    samples = [
        "Les Misérables", "Brontë", "García Márquez", "Müller", "Łódź", "Øresund", "Straße",
        "Œuvres", "Tiếng Việt", "Ｂｒｉｄｇｅｓ ﬁeld", "e\u0301te\u0301",
        # Other scripts keep their marks: й is a letter of its own, as are Japanese voiced kana.
        "йогурт", "がぎ", "한국어",
    ]  # fmt: skip
    folded = [row[0] for row in in_the_database(samples, search_fold_sql)]
    assert folded == [search_fold(s) for s in samples]
    assert folded[:9] == [
        "Les Miserables", "Bronte", "Garcia Marquez", "Muller", "Lodz", "Oresund", "Strasse",
        "OEuvres", "Tieng Viet",
    ]  # fmt: skip
    assert folded[11:] == ["йогурт", "がぎ", "한국어"]
