"""A CSV's columns the import does not read are named in the preview, never dropped unseen,
with the template's column each probably meant; known names read in any case and spacing."""

from django_tenants.utils import schema_context

from catalog.models import Identifier, Record
from tenants.administration import library_settings_update
from tests.catalog.imports.helpers import api_staged_job
from tests.circulation.conftest import staff_client
from tests.conftest import LIBRARY_HOST

NEAR_MISSES = b'Title,Authr,ISBN10,Barcode,Location\nDune,"Herbert, Frank",0441172717,B-1,\n'


def test_the_api_names_the_columns_not_read_and_what_they_probably_meant(writer_api):
    job = api_staged_job(writer_api, NEAR_MISSES)

    assert (job["status"], job["created"]) == ("staged", 1)
    [warning] = job["warnings"]
    assert "\u201cAuthr\u201d (perhaps \u201cauthors\u201d)" in warning
    assert "\u201cISBN10\u201d (perhaps \u201cisbn\u201d)" in warning
    assert "Barcode" not in warning
    assert "Location" not in warning


def test_known_columns_in_any_case_and_spacing_are_read_without_a_warning(writer_api):
    job = api_staged_job(
        writer_api, b"Title, ISBN ,BARCODE\nDune,9780441172719,B-1\n", one_shot="true"
    )

    assert (job["status"], job["created"], job["warnings"]) == ("committed", 1, [])
    with schema_context("alpha"):
        record = Record.objects.get()
        assert record.title == "Dune"
        assert list(Identifier.objects.values_list("kind", "value")) == [("isbn", "9780441172719")]
        assert list(record.items.values_list("barcode", flat=True)) == ["B-1"]


def test_the_staff_page_names_the_columns_not_read_in_the_librarys_language(writer_api, library):
    with schema_context(library.schema_name):
        library_settings_update(library=library, actor="test", language="fr")
    job = api_staged_job(writer_api, NEAR_MISSES + b"Emma,,,B-2,\n")
    page = staff_client("alpha", LIBRARY_HOST, "librarian").get(f"/staff/imports/{job['id']}/")

    assert page.status_code == 200
    assert "ces colonnes ne sont pas lues" in page.text
    assert (
        "\u00ab\u00a0Authr\u00a0\u00bb (peut-\u00eatre \u00ab\u00a0authors\u00a0\u00bb)"
        in page.text
    )
    assert (
        "\u00ab\u00a0ISBN10\u00a0\u00bb (peut-\u00eatre \u00ab\u00a0isbn\u00a0\u00bb)" in page.text
    )
