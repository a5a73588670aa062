"""An import's reasons are stored in the library's language: a page in another language says
so beside them, and a page in the library's own says nothing."""

import pytest
from django_tenants.utils import schema_context

from circulation.models import PatronImport
from tests.api.conftest import client_for
from tests.api.test_imports_api import _key
from tests.catalog.imports.helpers import api_staged_job
from tests.circulation.conftest import staff_client
from tests.conftest import LIBRARY_HOST

SAID = {
    "fr": "Les motifs sont dans la langue de la biblioth\u00e8que (anglais), comme l\u2019import "
    "les a \u00e9crits.",
    "en": "The reasons are in the library&#x27;s language",
}


@pytest.fixture
def api(library):  # type: ignore[no-untyped-def]
    return client_for(LIBRARY_HOST, f"Api-Key {_key('alpha')}")


def test_a_french_page_of_an_english_library_s_import_says_the_reasons_are_in_english(api):
    job = api_staged_job(api, b"title,barcode\nDune,B-1\n")
    staff = staff_client("alpha", LIBRARY_HOST, "librarian")

    french = staff.get(f"/staff/imports/{job['id']}/", HTTP_ACCEPT_LANGUAGE="fr").text
    assert f'<p id="reasons-language">{SAID["fr"]}</p>' in french
    assert french.index('id="reasons-language"') < french.index('id="import-rows"')
    english = staff.get(f"/staff/imports/{job['id']}/", HTTP_ACCEPT_LANGUAGE="en").text
    assert 'id="reasons-language"' not in english


def test_the_patron_import_s_rejects_say_it_too(library):
    with schema_context(library.schema_name):
        job = PatronImport.objects.create(
            file_name="readers.csv", status=PatronImport.Status.STAGED, total=1, rejected=1
        )
    staff = staff_client(library.schema_name, LIBRARY_HOST, "librarian")
    page = f"/staff/patrons/imports/{job.pk}/"

    assert SAID["fr"] in staff.get(page, HTTP_ACCEPT_LANGUAGE="fr").text
    assert SAID["en"] not in staff.get(page, HTTP_ACCEPT_LANGUAGE="en").text
