"""The import preview says, in the library's language, what a file gives that will not be kept:
CSV columns with no place, apart from those with a template column near them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from catalog.imports.models import ImportJob
from tenants.administration import library_settings_update
from tests.api.conftest import client_for
from tests.api.test_imports_api import _key
from tests.catalog.imports.helpers import job_run
from tests.circulation.conftest import staff_client
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST

FRENCH_SHEET = "title;Auteur;Prix;Remarques\nDune;Herbert;12,50;Bon \u00e9tat\n".encode()


@pytest.fixture
def api(library):  # type: ignore[no-untyped-def]
    return client_for(LIBRARY_HOST, f"Api-Key {_key('alpha')}")


def _staged(api, content: bytes, **fields: str) -> dict:  # type: ignore[no-untyped-def]
    response = api.post(
        "/api/v1/imports/",
        {"file": SimpleUploadedFile("books.csv", content), **fields},
        format="multipart",
    )
    assert response.status_code == 202, response.json()
    with schema_context("alpha"):
        job_run(ImportJob.objects.get(pk=response.json()["id"]))
    return api.get(f"/api/v1/imports/{response.json()['id']}/").json()


def test_columns_with_no_place_are_told_their_values_will_not_be_kept(api):
    job = _staged(api, FRENCH_SHEET)

    assert (job["status"], job["created"]) == ("staged", 1)
    renamed, lost = job["warnings"]
    assert "\u201cAuteur\u201d (perhaps \u201cauthors\u201d)" in renamed
    assert "Prix" not in renamed
    assert lost == (
        "These columns have no place in the catalog, so their values will not be kept: "
        "\u201cPrix\u201d, \u201cRemarques\u201d. The records come in without them; if they "
        "matter, keep the file."
    )


def test_the_staff_page_says_so_in_french(api, library):
    with schema_context(library.schema_name):
        library_settings_update(library=library, actor="test", language="fr")
    job = _staged(api, FRENCH_SHEET)
    page = staff_client("alpha", LIBRARY_HOST, "librarian").get(f"/staff/imports/{job['id']}/")

    assert page.status_code == 200
    assert (
        "Ces colonnes n&#x27;ont pas de place dans le catalogue, leurs valeurs ne seront donc pas "
        "conserv\u00e9es\u00a0: \u00ab\u00a0Prix\u00a0\u00bb, \u00ab\u00a0Remarques\u00a0\u00bb."
    ) in page.text
    assert "\u00ab\u00a0Auteur\u00a0\u00bb (peut-\u00eatre \u00ab\u00a0authors\u00a0\u00bb)" in (
        page.text
    )


def test_another_library_neither_reads_the_warnings_nor_changes_the_job(api, other_library):
    job = _staged(api, FRENCH_SHEET)
    other = client_for(OTHER_LIBRARY_HOST, f"Api-Key {_key('beta')}")

    assert other.get(f"/api/v1/imports/{job['id']}/").status_code == 404
    assert other.post(f"/api/v1/imports/{job['id']}/cancel/").status_code == 404
    assert api.get(f"/api/v1/imports/{job['id']}/").json() == job
