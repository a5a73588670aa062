"""Author lists on the website: a heading's closing ISBD full stop is left out when names are
listed (a name typed with one keeps it stored), and the MARC the library exports keeps the
source's."""

import io
import re

import pymarc
import pytest
from django.core.cache import caches
from django.test import Client
from django_tenants.utils import schema_context

from catalog.models import Contributor, Record
from catalog.services import RecordData, record_create
from catalog.text import name_shown
from tests.catalog.imports.helpers import MARC_DIR, job_import
from tests.conftest import LIBRARY_HOST


@pytest.fixture
def perl(library):
    """tests/data/marc/test.dat imported into library A: "Programming Perl" among them."""
    with schema_context(library.schema_name):
        job = job_import(MARC_DIR / "test.dat", one_shot=True)
        assert job.status == "committed", job.error
        return Record.objects.get(title="Programming Perl")


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


def test_search_results_list_authors_without_the_headings_full_stop(web, perl):
    page = web.get("/search/", {"q": "programming perl"})
    assert page.status_code == 200
    text = _text(page.text)
    assert "Wall, Larry; Christiansen, Tom; Orwant, Jon · 2000" in text
    assert "Descartes, Alligator; Bunce, Tim · 2000" in text
    assert ".;" not in text
    # Each name is isolated, so a name written right to left keeps the separators in place.
    assert "<bdi>Wall, Larry</bdi>; <bdi>Christiansen, Tom</bdi>" in page.text
    # The contributor facet lists the names the same way.
    facet = page.text.split('id="facet-contributor"', 1)[1].split("</ul>", 1)[0]
    assert "<bdi>Wall, Larry</bdi></a>" in facet
    assert "Larry." not in facet


def test_search_results_list_authors_with_the_language_s_separator(perl):
    french = Client(HTTP_HOST=LIBRARY_HOST, HTTP_ACCEPT_LANGUAGE="fr")
    french.get("/language/", {"language": "fr", "next": "/"})
    page = french.get("/search/", {"q": "programming perl"})
    # French sets a narrow no-break space before the semicolon.
    assert "<bdi>Wall, Larry</bdi>\u202f; <bdi>Christiansen, Tom</bdi>" in page.text


def test_record_page_lists_the_names_without_the_full_stop(web, perl):
    text = _text(web.get(f"/records/{perl.pk}/").text)
    assert "Wall, Larry (Author)" in text
    assert "Christiansen, Tom (Contributor)" in text
    assert "Wall, Larry." not in text


def test_the_import_stores_the_name_without_it_and_the_export_keeps_it(web, perl):
    with schema_context("alpha"):
        assert set(Contributor.objects.values_list("name", flat=True)) >= {
            "Wall, Larry", "Christiansen, Tom", "Orwant, Jon",
        }  # fmt: skip
    caches["default"].clear()
    exported = web.get("/unapi", {"id": str(perl.pk), "format": "marcxml"})
    assert exported.status_code == 200
    (marc,) = pymarc.parse_xml_to_array(io.BytesIO(exported.content))
    assert marc["100"]["a"] == "Wall, Larry."
    assert [f["a"] for f in marc.get_fields("700")] == ["Christiansen, Tom.", "Orwant, Jon."]


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Wall, Larry.", "Wall, Larry"),
        ("Guelich, Scott.", "Guelich, Scott"),
        ("Gundavaram, Shishir,", "Gundavaram, Shishir"),
        ("Brown, Martin C.", "Brown, Martin C."),  # an initial keeps its full stop
        ("Tolkien, J. R. R.", "Tolkien, J. R. R."),
        ("King, Martin Luther, Jr.", "King, Martin Luther, Jr."),
        ("Lowe, Vincent (Vincent D.)", "Lowe, Vincent (Vincent D.)"),
        ("ابن خلدون، عبد الرحمن.", "ابن خلدون، عبد الرحمن"),
        ("Erikson, Steven", "Erikson, Steven"),
    ],
)
def test_name_shown(name, shown):
    assert name_shown(name) == shown


def test_a_list_names_an_author_who_also_illustrated_once(web, in_library):
    record = record_create(
        data=RecordData(
            title="Le petit prince",
            contributors=[
                ("Saint-Exupéry, Antoine de", "author"),
                ("Saint-Exupéry, Antoine de.", "illustrator"),
                ("Cassou, Jean", "translator"),
            ],
        )
    )
    caches["default"].clear()
    results = _text(web.get("/search/", {"q": "petit prince"}).text)
    assert "Saint-Exupéry, Antoine de; Cassou, Jean" in results
    assert "Saint-Exupéry, Antoine de; Saint-Exupéry" not in results
    home = _text(web.get("/").text)
    assert "Saint-Exupéry, Antoine de; Cassou, Jean" in home
    # The record page keeps each credit with its role.
    page = _text(web.get(f"/records/{record.pk}/").text)
    assert "Saint-Exupéry, Antoine de (Author)" in page
    assert "Saint-Exupéry, Antoine de (Illustrator)" in page
