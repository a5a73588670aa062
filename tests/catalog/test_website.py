"""The public catalog website: home, search with facets, record pages, caching and access."""

import json
import re
import time
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client
from django_tenants.utils import schema_context

from catalog.imports.demo import DEMO_FILES, LABEL
from catalog.imports.models import ImportJob
from catalog.models import Change, Contributor, Item, Location, Record, Subject
from catalog.services import (
    ItemData,
    RecordData,
    contributor_update,
    item_create,
    item_update,
    location_create,
    location_update,
    record_create,
    record_update,
    subject_update,
)
from tenants.administration import library_settings_update
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST
from tests.tenants.admin_helpers import signed_in

PRICE = "987.65"
STAFF_NOTE = "Spine cracked, do not lend to Mr Burns"


class Page(HTMLParser):
    """The parts of a page the tests look at: links, result titles, JSON-LD, the copies table."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.links: list[tuple[dict[str, str], str]] = []
        self.json_ld: list[dict] = []
        self.copies: list[list[str]] = []
        self.canonical = ""
        self._link: dict[str, str] | None = None
        self._text: list[str] = []
        self._script = False
        self._in_copies = False
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        attributes = {k: v or "" for k, v in attrs}
        if tag == "a":
            self._link, self._text = attributes, []
        elif tag == "link" and attributes.get("rel") == "canonical":
            self.canonical = attributes["href"]
        elif tag == "script" and attributes.get("type") == "application/ld+json":
            self._script, self._text = True, []
        elif tag == "table" and attributes.get("id") == "copies":
            self._in_copies = True
        elif tag == "tr" and self._in_copies:
            self._row = []
        elif tag == "td" and self._row is not None:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag == "a" and self._link is not None:
            self.links.append((self._link, " ".join("".join(self._text).split())))
            self._link = None
        elif tag == "script" and self._script:
            self.json_ld.append(json.loads("".join(self._text)))
            self._script = False
        elif tag == "td" and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row:
                self.copies.append(self._row)
            self._row = None
        elif tag == "table":
            self._in_copies = False

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._link is not None or self._script:
            self._text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def results(self) -> list[str]:
        return [text for attrs, text in self.links if attrs.get("class") == "result-title"]

    def result_ids(self) -> list[int]:
        return [
            int(re.fullmatch(r"/records/(\d+)/(\?from=[^#]*)?", attrs["href"])[1])  # type: ignore[index]
            for attrs, _ in self.links
            if attrs.get("class") == "result-title"
        ]

    def link(self, text: str, under: str = "") -> str:
        """The address of the first link whose text starts with `text` (and href with `under`)."""
        for attrs, label in self.links:
            if label.startswith(text) and attrs.get("href", "").startswith(under):
                return attrs["href"]
        raise AssertionError(f"no link {text!r} in {[t for _, t in self.links]}")


@pytest.fixture
def shelf(in_library):
    """A small catalog of library A: five records, copies at two locations."""
    main = location_create(code="MAIN", name="Main Library")
    east = location_create(code="EAST", name="East Branch")

    def make(title, **kw):
        return record_create(data=RecordData(title=title, **kw))

    records = {
        "moon": make("Gardens of the moon", subtitle="a tale of the Malazan book of the fallen",
                     publisher="Bantam", publication_year=1999, language="eng",
                     edition="1st ed.", series="Malazan book of the fallen",
                     summary="The Malazan Empire simmers with discontent.",
                     contributors=[("Erikson, Steven", "author"), ("Ross, Neil", "illustrator")],
                     subjects=[("Fantasy fiction", "lcsh")],
                     identifiers=[("isbn", "0-553-81957-7")]),
        "gates": make("Deadhouse gates", publication_year=2000, language="eng",
                      contributors=[("Erikson, Steven", "author")],
                      subjects=[("Fantasy fiction", "lcsh")]),
        "ice": make("Memories of ice", publication_year=2001, language="fre",
                    contributors=[("Erikson, Steven", "author")],
                    subjects=[("Sieges", "lcsh")]),
        "mistress": make("The moon is a harsh mistress", publication_year=1966, language="eng",
                         contributors=[("Heinlein, Robert A.", "author")],
                         subjects=[("Science fiction", "lcsh")]),
        "winter": make("Harsh winter gardens", publication_year=1985),
    }  # fmt: skip
    item_create(
        record_id=records["moon"].pk,
        data=ItemData(
            barcode="B-100",
            call_number="FIC ERI",
            location_id=main.pk,
            price=Decimal(PRICE),
            staff_note=STAFF_NOTE,
            public_note="Signed by the author",
        ),
    )
    item_create(record_id=records["moon"].pk,
                data=ItemData(barcode="B-101", call_number="FIC ERI", location_id=east.pk,
                              status="on_loan"))  # fmt: skip
    item_create(record_id=records["mistress"].pk, data=ItemData(barcode="B-200", status="lost"))
    return records


def test_home_page_has_search_form_landmarks_and_recent_additions(web, shelf):
    page = web.get("/")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="en">' in html
    assert 'name="viewport"' in html
    assert "<title>Alpha Library</title>" in html
    assert re.search(r'<form class="search" role="search" method="get" action="/search/">', html)
    assert '<label for="q">Search the catalog</label>' in html
    assert re.search(r'<input type="search" id="q" name="q"', html)
    for landmark in ("<header", "<nav", '<main id="main"', "<footer"):
        assert landmark in html
    assert '<a class="skip-link" href="#main">' in html
    assert ":focus-visible" in html
    titles = Page(html).results()
    # Newest first.
    assert titles[:2] == ["Harsh winter gardens", "The moon is a harsh mistress"]
    assert "Gardens of the moon: a tale of the Malazan book of the fallen" in titles
    assert "1 copy available of 2" in html


def test_the_copies_available_agree_with_their_number_in_french(web, shelf):
    """French makes the noun agree with the copies available (0 and 1 singular), not with
    all of them: "1 exemplaire disponible sur 2", "2 exemplaires disponibles sur 2"."""
    item_create(record_id=shelf["gates"].pk, data=ItemData(barcode="B-300"))
    item_create(record_id=shelf["gates"].pk, data=ItemData(barcode="B-301"))
    found = {}
    for title, words in (("moon", "gardens moon"), ("gates", "deadhouse"), ("mistress", "harsh")):
        page = web.get("/search/", {"q": words}, HTTP_ACCEPT_LANGUAGE="fr")
        found[title] = " ".join(page.text.split())
    assert "1 exemplaire disponible sur 2" in found["moon"]
    assert "2 exemplaires disponibles sur 2" in found["gates"]
    assert "0 exemplaire disponible sur 1" in found["mistress"]
    assert "exemplaires disponibles sur 2" not in found["moon"]


def test_search_finds_records_and_links_their_pages(web, shelf):
    page = web.get("/search/", {"q": "moon"})
    assert page.status_code == 200
    parsed = Page(page.text)
    assert set(parsed.results()) == {
        "Gardens of the moon: a tale of the Malazan book of the fallen",
        "The moon is a harsh mistress",
    }
    assert set(parsed.result_ids()) == {shelf["moon"].pk, shelf["mistress"].pk}
    assert 'value="moon"' in page.text
    assert "1\N{EN DASH}2 of 2 records" in page.text
    isbn = web.get("/search/", {"q": "0553819577"})
    assert Page(isbn.text).result_ids() == [shelf["moon"].pk]


@pytest.mark.parametrize(
    ("facet", "label", "expected"),
    [
        ("subject", "Fantasy fiction", {"moon", "gates"}),
        ("contributor", "Erikson, Steven", {"moon", "gates", "ice"}),
        ("language", "French", {"ice"}),
        ("decade", "1960s", {"mistress"}),
    ],
)
def test_each_facet_link_adds_its_filter(web, shelf, facet, label, expected):
    page = web.get("/search/")
    assert page.status_code == 200
    facet_html = re.search(rf'<ul id="facet-{facet}">(.*?)</ul>', page.text, re.S)[1]
    assert label in facet_html
    href = Page(facet_html).link(label)
    assert f"{facet}=" in href
    narrowed = web.get(href)
    assert narrowed.status_code == 200
    assert set(Page(narrowed.text).result_ids()) == {shelf[k].pk for k in expected}
    # The filter shows as removable, and removing it gives back the whole catalog.
    removed = web.get(Page(narrowed.text).link(f"{facet.title()}:"))
    assert len(Page(removed.text).result_ids()) == 5


def test_facets_combine_with_the_query_and_count(web, shelf):
    page = web.get("/search/", {"q": "erikson", "language": "eng"})
    assert set(Page(page.text).result_ids()) == {shelf["moon"].pk, shelf["gates"].pk}
    subjects = re.search(r'<ul id="facet-subject">(.*?)</ul>', page.text, re.S)[1]
    assert re.search(r"Fantasy fiction</a> <span class=\"muted\">\(2\)</span>", subjects)
    decade = Page(page.text).link("1990s")
    assert decade == "/search/?q=erikson&language=eng&decade=1990"


def test_sorting(web, shelf):
    def order(sort, q=""):
        page = web.get("/search/", {"sort": sort, "q": q})
        assert page.status_code == 200
        return Page(page.text).result_ids()

    ids = {k: r.pk for k, r in shelf.items()}
    assert order("title") == [ids["gates"], ids["moon"], ids["winter"], ids["ice"],
                              ids["mistress"]]  # fmt: skip
    assert order("year") == [ids["ice"], ids["gates"], ids["moon"], ids["winter"],
                             ids["mistress"]]  # fmt: skip
    with schema_context("alpha"):
        record_update(record_id=ids["winter"], data=RecordData(title="Harsh winter gardens"))
    assert order("updated")[0] == ids["winter"]
    assert order("relevance", q="gardens")[0] in (ids["moon"], ids["winter"])
    assert order("relevance", q="gardens")[-1] != ids["mistress"]


def test_pagination_and_page_size_cap(web, shelf):
    first = web.get("/search/", {"sort": "title", "per_page": 2})
    parsed = Page(first.text)
    assert len(parsed.result_ids()) == 2
    assert "1\N{EN DASH}2 of 5 records" in first.text
    second = web.get(parsed.link("Next"))
    assert "3\N{EN DASH}4 of 5 records" in second.text
    last = web.get(Page(second.text).link("3"))
    assert Page(last.text).result_ids() == [shelf["mistress"].pk]
    assert web.get("/search/", {"per_page": 2, "page": 4}).status_code == 404
    too_big = web.get("/search/", {"per_page": 101})
    assert too_big.status_code == 400
    assert "per_page must be a whole number from 1 to 100" in too_big.text


BAD_SEARCHES = {
    "unknown-order": ({"sort": "price"}, "sort must be one of relevance, title, year, updated"),
    "mid-decade": ({"decade": "1995"}, "decade must be the first year of a decade"),
    "subject-by-name": ({"subject": "fantasy"}, "subject must be a whole number"),
    "language-by-name": ({"language": "english"}, "language must be a three-letter MARC code"),
    "page-zero": ({"page": "0"}, "page must be a whole number"),
    # Digits that are not 0-9 and numbers past any id are still bad input.
    "superscript-digit": ({"subject": "\u00b2"}, "subject must be a whole number"),
    "arabic-indic-digit": ({"page": "\u0663"}, "page must be a whole number"),
    "past-any-id": ({"contributor": "9" * 40}, "contributor must be a whole number"),
}


@pytest.mark.parametrize(("params", "message"), BAD_SEARCHES.values(), ids=BAD_SEARCHES)
def test_bad_search_parameters_answer_a_clear_400(web, shelf, params, message):
    page = web.get("/search/", params)
    assert page.status_code == 400
    assert message in page.text
    assert 'role="alert"' in page.text


@pytest.mark.parametrize(
    ("language", "author", "illustrator"),
    [("fr", "(Auteur)", "(Illustrateur)"), ("de", "(Verfasser)", "(Illustrator)")],
)
def test_record_page_shows_roles_as_the_translation_writes_them(
    web, shelf, language, author, illustrator
):
    # Each role stands alone beside its contributor's name: it keeps the capital its
    # translation gives it (German nouns above all), not a lower-cased form.
    html = web.get(f"/records/{shelf['moon'].pk}/", HTTP_ACCEPT_LANGUAGE=language).text
    contributors = html.split('id="contributors"')[1].split("</ul>")[0]
    assert author in contributors
    assert illustrator in contributors
    assert author.lower() not in contributors


@pytest.mark.parametrize(
    ("language", "shown"),
    [("en", "Folio junior ; 100"), ("fr", "Folio junior\u202f; 100")],
)
def test_record_page_sets_a_series_number_apart_as_the_language_writes_it(
    web, in_library, language, shown
):
    record = record_create(data=RecordData(title="Le petit prince", series="Folio junior ; 100"))
    html = web.get(f"/records/{record.pk}/", HTTP_ACCEPT_LANGUAGE=language).text
    assert f"<dd>{shown}</dd>" in html


def test_record_page_shows_the_record_its_copies_and_structured_data(web, shelf):
    record = shelf["moon"]
    page = web.get(f"/records/{record.pk}/")
    assert page.status_code == 200
    html = page.text
    parsed = Page(html)
    assert parsed.canonical == f"http://{LIBRARY_HOST}/records/{record.pk}/"
    for text in ("Gardens of the moon", "a tale of the Malazan book of the fallen", "Bantam",
                 "1999", "1st ed.", "English", "Malazan book of the fallen",
                 "The Malazan Empire simmers with discontent.", "ISBN 9780553819571"):  # fmt: skip
        assert text in html, text
    assert "(Illustrator)" in html
    assert "(Author)" in html
    assert parsed.copies == [
        ["B-101", "FIC ERI", "East Branch", "On loan"],
        ["B-100", "FIC ERI", "Main Library", "Available Signed by the author"],
    ]
    with schema_context("alpha"):
        erikson = record.credits.get(position=0).contributor_id
        fantasy = record.subject_links.get().subject_id
    assert parsed.link("Erikson, Steven") == f"/search/?contributor={erikson}"
    assert parsed.link("Fantasy fiction") == f"/search/?subject={fantasy}"
    assert len(Page(web.get(parsed.link("Fantasy fiction")).text).result_ids()) == 2
    (book,) = parsed.json_ld
    assert book == {
        "@context": "https://schema.org",
        "@type": "Book",
        "@id": parsed.canonical,
        "url": parsed.canonical,
        "name": "Gardens of the moon",
        "alternativeHeadline": "a tale of the Malazan book of the fallen",
        "author": [{"@type": "Person", "name": "Erikson, Steven"}],
        "illustrator": [{"@type": "Person", "name": "Ross, Neil"}],
        "isbn": "9780553819571",
        "datePublished": "1999",
        "publisher": {"@type": "Organization", "name": "Bantam"},
        "inLanguage": "en",
        "bookEdition": "1st ed.",
        "description": "The Malazan Empire simmers with discontent.",
    }


def test_json_ld_cannot_close_its_script_element(web, in_library):
    record = record_create(data=RecordData(title="</script><script>alert(1)</script>"))
    page = web.get(f"/records/{record.pk}/")
    assert page.text.count("</script>") == 1
    assert Page(page.text).json_ld[0]["name"] == "</script><script>alert(1)</script>"


def test_public_pages_never_show_staff_only_fields(web, shelf):
    record = shelf["moon"]
    for path in ("/", "/search/?q=moon", f"/records/{record.pk}/"):
        page = web.get(path)
        assert page.status_code == 200
        for secret in (PRICE, "987", STAFF_NOTE, "Mr Burns"):
            assert secret not in page.text, (path, secret)


def test_unknown_and_other_librarys_records_are_not_found(web, shelf, other_library):
    with schema_context(other_library.schema_name):
        theirs = record_create(data=RecordData(title="Beta's secret ledger"))
        item_create(record_id=theirs.pk, data=ItemData(barcode="BETA-1"))
    with schema_context("alpha"):
        Record.objects.filter(pk=theirs.pk).delete()  # an id only library B has
        before = Record.objects.count()
    for path in (f"/records/{theirs.pk}/", "/records/999999/"):
        page = web.get(path)
        assert page.status_code == 404
        assert "This catalog has no such record." in page.text
        assert "secret ledger" not in page.text
        assert "BETA-1" not in page.text
    assert web.get("/records/abc/").status_code == 404
    assert web.post(f"/records/{shelf['moon'].pk}/").status_code == 405
    with schema_context("alpha"):
        assert Record.objects.count() == before
    with schema_context(other_library.schema_name):
        assert Record.objects.filter(pk=theirs.pk, title="Beta's secret ledger").exists()
    # Nor does library B's subject id filter library A's search: it is not found.
    with schema_context(other_library.schema_name):
        subject = record_create(
            data=RecordData(title="x", subjects=[("Only in beta", "lcsh")])
        ).subject_links.get()
    missing = web.get("/search/", {"subject": subject.subject_id + 1000})
    assert missing.status_code == 404
    assert "Only in beta" not in missing.text


def test_closed_catalog_answers_403_to_readers_but_staff_still_see_it(
    web, shelf, library, other_library, django_capture_on_commit_callbacks
):
    record = shelf["moon"]
    assert web.get("/").status_code == 200  # a cached public page must not outlive the switch
    with schema_context("alpha"), django_capture_on_commit_callbacks(execute=True):
        library_settings_update(library=library, actor="test", public_catalog=False)
    for path in ("/", "/search/?q=moon", f"/records/{record.pk}/"):
        page = web.get(path)
        assert page.status_code == 403, path
        assert "This catalog is not public" in page.text
        assert "Gardens of the moon" not in page.text
        assert "/staff/login/?next=" in page.text
    staff = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)
    for path in ("/", "/search/?q=moon", f"/records/{record.pk}/"):
        page = staff.get(path)
        assert page.status_code == 200, path
        assert "Gardens of the moon" in page.text
    # Library B's admin is nobody on library A's host.
    theirs = signed_in(LIBRARY_HOST, "beta", "admin@beta.example", client_class=Client)
    assert theirs.get("/").status_code == 403
    # Library B's catalog stays public.
    assert Client(HTTP_HOST=OTHER_LIBRARY_HOST).get("/").status_code == 200


def _page_cache_keys() -> list[str]:
    """The page cache's keys (the test run keeps it in its own memory, as `make up` does)."""
    prefix = settings.CACHES["pages"]["KEY_PREFIX"]
    return [key for key in caches["pages"]._cache if f":{prefix}:" in key and ":website:" in key]  # type: ignore[attr-defined]


def test_cached_pages_stay_with_their_library(web, shelf, other_library):
    with schema_context(other_library.schema_name):
        record_create(data=RecordData(title="Beta's own book"))
    first = web.get("/search/", {"q": "gardens"})
    assert first["X-Page-Cache"] == "miss"
    again = web.get("/search/", {"q": "gardens"})
    assert again["X-Page-Cache"] == "hit"
    assert again.content == first.content
    # Parameters the pages do not read share the page's entry.
    assert web.get("/search/", {"q": "gardens", "utm_source": "x"})["X-Page-Cache"] == "hit"
    assert web.get("/search/", {"q": "gardens", "sort": "title"})["X-Page-Cache"] == "miss"
    keys = _page_cache_keys()
    assert keys
    assert all(key.startswith("alpha:") for key in keys)
    beta = Client(HTTP_HOST=OTHER_LIBRARY_HOST)
    for path in ("/", "/search/?q=gardens"):
        web.get(path)
        page = beta.get(path)
        assert page["X-Page-Cache"] == "miss"
        assert "Beta Library" in page.text
        assert "Alpha Library" not in page.text
        assert "Gardens of the moon" not in page.text
    assert "Beta&#x27;s own book" in beta.get("/").text
    assert {key.split(":", 1)[0] for key in _page_cache_keys()} == {"alpha", "beta"}


def test_an_edit_shows_at_once_on_cached_pages(
    web, shelf, library, django_capture_on_commit_callbacks
):
    record = shelf["moon"]
    path = f"/records/{record.pk}/"
    assert web.get(path)["X-Page-Cache"] == "miss"
    assert web.get(path)["X-Page-Cache"] == "hit"
    assert web.get("/")["X-Page-Cache"] == "miss"
    with schema_context("alpha"):
        record_update(record_id=record.pk, data=RecordData(title="Gardens of the moon, revised"))
    page = web.get(path)
    assert page["X-Page-Cache"] == "miss"
    assert "Gardens of the moon, revised" in page.text
    assert "Gardens of the moon, revised" in web.get("/").text
    with schema_context("alpha"):
        item = Item.objects.get(barcode="B-100")
        item_update(item_id=item.pk, data=ItemData(barcode="B-100", status="missing"))
    assert ["B-100", "Missing"] in [[row[0], row[3]] for row in Page(web.get(path).text).copies]
    with schema_context("alpha"), django_capture_on_commit_callbacks(execute=True):
        library_settings_update(library=library, actor="test", name="Alpha Town Library")
    assert "<title>Alpha Town Library</title>" in web.get("/").text


def test_signed_in_staff_pages_are_not_cached(shelf):
    staff = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)
    page = staff.get("/")
    assert "X-Page-Cache" not in page
    assert "Staff area" in page.text
    assert _page_cache_keys() == []


def test_search_page_query_count_does_not_grow_with_page_size(
    web, in_library, django_assert_num_queries
):
    location = location_create(code="MAIN", name="Main Library")
    for n in range(30):
        record = record_create(
            data=RecordData(
                title=f"Book {n}", publication_year=1990 + n,
                contributors=[(f"Author {n}", "author"), ("Shared, Editor", "editor")],
                subjects=[(f"Topic {n % 4}", "lcsh")], identifiers=[("isbn", "0-553-81957-7")],
            )
        )  # fmt: skip
        item_create(record_id=record.pk, data=ItemData(barcode=f"Q-{n}", location_id=location.pk))
    web.get("/")  # the host's library lookup is cached from here on
    sizes = {}
    for per_page in (1, 30):
        # Catalog generation, count, the page (its ids by rank, then those records, then
        # their copies), its 3 link queries, the facets: 9 queries (no SET search_path: the
        # connection's session already has the library's path from the request before).
        with django_assert_num_queries(9) as queries:
            page = web.get("/search/", {"q": "book", "per_page": per_page})
        assert page.status_code == 200
        sizes[per_page] = len(queries.captured_queries)
        assert len(Page(page.text).result_ids()) == per_page
    assert sizes[1] == sizes[30]
    # A cached page costs the generation lookup alone.
    with django_assert_num_queries(1):
        assert web.get("/search/", {"q": "book", "per_page": 30})["X-Page-Cache"] == "hit"


def _wait_for(job_id: int, schema: str, timeout: float = 120) -> ImportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with schema_context(schema):
            job = ImportJob.objects.get(pk=job_id)
        if job.status in ("committed", "failed"):
            return job
        time.sleep(0.3)
    raise AssertionError(f"import {job_id} still {job.status}")


def test_demo_catalog_load_imports_once_through_the_worker(
    live_library, celery_worker_process, capsys
):
    schema = live_library.library.schema_name
    host = live_library.library.domains.get().domain
    call_command("demo_catalog_load", "--library", schema)
    said = capsys.readouterr().out
    with schema_context(schema):
        job = ImportJob.objects.get(started_by_label=LABEL)
    assert f"45 records queued as import {job.pk}; the worker picks it up" in said
    job = _wait_for(job.pk, schema)
    assert job.status == "committed", job.error
    assert (job.total, job.created, job.rejected) == (45, 45, 0)
    assert len(DEMO_FILES) == 6
    with schema_context(schema):
        assert Record.objects.count() == 45
        assert Item.objects.count() == 45 + 15
        record = Record.objects.get(title__startswith="Programming Python")
    page = Client(HTTP_HOST=host).get(f"/records/{record.pk}/")
    assert page.status_code == 200
    copies = Page(page.text).copies
    assert copies == [
        ["DEMO0012B", "QA76.73.P98 L88 2001", "East Branch", "Available"],
        ["DEMO0012A", "QA76.73.P98 L88 2001", "Main Library", "Available"],
    ]
    assert "Lutz, Mark" in page.text

    call_command("demo_catalog_load", "--library", schema)
    assert "skipped" in capsys.readouterr().out
    with schema_context(schema):
        assert ImportJob.objects.count() == 1
        assert Record.objects.count() == 45


def test_demo_catalog_load_refuses_an_unknown_library(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No library 'nowhere'"):
        call_command("demo_catalog_load", "--library", "nowhere")


def test_a_location_renamed_is_fed_and_shows_at_once_on_cached_pages(web, shelf):
    record = shelf["moon"]
    path = f"/records/{record.pk}/"
    assert "East Branch" in web.get(path).text
    assert web.get(path)["X-Page-Cache"] == "hit"
    with schema_context("alpha"):
        east = Location.objects.get(code="EAST")
        item = Item.objects.get(barcode="B-101")
        last = Change.objects.order_by("-pk").values_list("pk", flat=True).first()
        location_update(location_id=east.pk, code="EAST", name="Eastside Branch")
        fed = list(Change.objects.filter(pk__gt=last).values_list("entity", "entity_id", "action"))
        assert fed == [("item", item.pk, "updated")]
        assert Item.objects.get(pk=item.pk).version == item.version + 1
        # Saving the same code and name changes nothing a client sees: nothing is fed.
        location_update(location_id=east.pk, code="EAST", name="Eastside Branch")
        assert Change.objects.filter(pk__gt=last).count() == 1
    page = web.get(path)
    assert page["X-Page-Cache"] == "miss"
    assert "Eastside Branch" in page.text


def test_a_contributor_or_subject_renamed_feeds_its_records(shelf):
    with schema_context("alpha"):
        last = Change.objects.order_by("-pk").values_list("pk", flat=True).first()
        author = Contributor.objects.get(name="Heinlein, Robert A.")
        contributor_update(contributor_id=author.pk, name="Heinlein, Robert Anson")
        subject = Subject.objects.get(heading="Sieges")
        subject_update(subject_id=subject.pk, heading="Sieges and blockades", scheme="lcsh")
        fed = list(Change.objects.filter(pk__gt=last).values_list("entity", "entity_id"))
    assert fed == [("record", shelf["mistress"].pk), ("record", shelf["ice"].pk)]


def test_a_common_search_says_its_count_and_facets_are_estimates(web, shelf, settings):
    exact = web.get("/search/", {"q": "erikson", "sort": "title"})
    heading = re.search(r'<h2 id="results-heading"[^>]*>(.*?)</h2>', exact.text, re.S)[1]
    assert "1–3 of 3 records" in heading  # noqa: RUF001 - the page's en dash
    assert "about" not in exact.text
    settings.STACKS_SEARCH_EXACT_UP_TO = 2
    caches["pages"].clear()  # the same search again, counted afresh
    estimated = web.get("/search/", {"q": "erikson", "sort": "title"})
    assert estimated.status_code == 200
    heading = re.search(r'<h2 id="results-heading"[^>]*>(.*?)</h2>', estimated.text, re.S)[1]
    assert re.search(r"of about \d+ records", heading)
    subjects = re.search(r'<ul id="facet-subject">(.*?)</ul>', estimated.text, re.S)[1]
    assert re.search(r'<span class="muted">\(about \d+\)</span>', subjects)
    # The records are all still there to read.
    assert set(Page(estimated.text).result_ids()) == {
        shelf["moon"].pk, shelf["gates"].pk, shelf["ice"].pk}  # fmt: skip
