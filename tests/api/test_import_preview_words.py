"""The import preview and report say, in the library's language, what a file gives that will
not be kept (CSV columns with no place) and what the import adds besides records (locations)."""

import re

from django_tenants.utils import schema_context

from catalog.imports.models import ImportJob
from catalog.models import Location
from catalog.services import location_create
from tenants.administration import library_settings_update
from tests.api.conftest import client_for
from tests.api.test_imports_api import _key
from tests.catalog.imports.helpers import api_staged_job, job_run
from tests.circulation.conftest import staff_client
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST

FRENCH_SHEET = "title;Auteur;Fournisseur;Remarques\nDune;Herbert;Gibert;Bon \u00e9tat\n".encode()


def test_columns_with_no_place_are_told_their_values_will_not_be_kept(writer_api):
    job = api_staged_job(writer_api, FRENCH_SHEET)

    assert (job["status"], job["created"]) == ("staged", 1)
    lost, read = job["warnings"]
    assert read == (
        "These columns are read as the template's: \u201cAuteur\u201d read as \u201cauthors\u201d."
    )
    assert lost == (
        "These columns have no place in the catalog, so their values will not be kept: "
        "\u201cFournisseur\u201d, \u201cRemarques\u201d. The records come in without them; if they "
        "matter, keep the file."
    )


def test_a_header_all_in_french_is_read_and_named_column_by_column(writer_api):
    job = api_staged_job(writer_api, b"Titre;Auteur;Fournisseur\nDune;Herbert;Gibert\n")

    assert (job["status"], job["created"]) == ("staged", 1)
    lost, read = job["warnings"]
    assert "\u201cTitre\u201d read as \u201ctitle\u201d" in read
    assert "\u201cAuteur\u201d read as \u201cauthors\u201d" in read
    assert "\u201cFournisseur\u201d." in lost


def test_the_staff_page_says_so_in_french(writer_api, library):
    with schema_context(library.schema_name):
        library_settings_update(library=library, actor="test", language="fr")
    job = api_staged_job(writer_api, FRENCH_SHEET)
    page = staff_client("alpha", LIBRARY_HOST, "librarian").get(f"/staff/imports/{job['id']}/")

    assert page.status_code == 200
    assert (
        "ces colonnes n\u2019ont pas de place dans le catalogue, leurs valeurs ne seront donc pas "
        "conserv\u00e9es\u00a0: \u00ab\u00a0Fournisseur\u00a0\u00bb, "
        "\u00ab\u00a0Remarques\u00a0\u00bb."
    ) in page.text
    assert "\u00ab\u00a0Auteur\u00a0\u00bb lu comme \u00ab\u00a0authors\u00a0\u00bb" in page.text
    # French goes on in lower case after a colon: « Attention : ces colonnes… ».
    warned = re.findall(r"<strong>Attention\u00a0:</strong> (\w+)", page.text)
    assert warned == ["ces", "ces"]


def test_another_library_neither_reads_the_warnings_nor_changes_the_job(writer_api, other_library):
    job = api_staged_job(writer_api, FRENCH_SHEET)
    other = client_for(OTHER_LIBRARY_HOST, f"Api-Key {_key('beta')}")

    assert other.get(f"/api/v1/imports/{job['id']}/").status_code == 404
    assert other.post(f"/api/v1/imports/{job['id']}/cancel/").status_code == 404
    assert writer_api.get(f"/api/v1/imports/{job['id']}/").json() == job


LOCATIONS = (
    "title,barcode,location\n"
    + "".join(f"Book {n},B-{n},{'ref' if n % 2 else 'main'}\n" for n in range(5))
    + "Atlas,B-9,Attic\n"
).encode()


def test_the_preview_names_the_locations_the_import_will_add_and_the_report_those_added(writer_api):
    with schema_context("alpha"):
        location_create(code="MAIN", name="Main library")
    job = api_staged_job(writer_api, LOCATIONS, create_locations="true")

    assert job["status"] == "staged"
    assert job["warnings"] == [
        "The import will add these locations to the library: Attic (used by 1 copy), ref "
        "(used by 2 copies). Check the codes before you commit; once added, name them under "
        "Locations."
    ]
    with schema_context("alpha"):
        assert list(Location.objects.values_list("code", flat=True)) == ["MAIN"]

    assert writer_api.post(f"/api/v1/imports/{job['id']}/commit/").status_code == 202
    with schema_context("alpha"):
        job_run(ImportJob.objects.get(pk=job["id"]))
    report = writer_api.get(f"/api/v1/imports/{job['id']}/").json()
    assert report["status"] == "committed"
    assert report["warnings"] == [
        "The import added these locations to the library: Attic (used by 1 copy), ref (used by "
        "2 copies). Give them names under Locations."
    ]
    french = writer_api.get(f"/api/v1/imports/{job['id']}/", HTTP_ACCEPT_LANGUAGE="fr").json()
    assert french["warnings"] == [
        "L\u2019import a ajout\u00e9 ces localisations \u00e0 la biblioth\u00e8que\u00a0: Attic "
        "(utilis\u00e9e par 1 exemplaire), ref (utilis\u00e9e par 2 exemplaires). Donnez-leur "
        "un nom sous Localisations."
    ]


def test_without_creating_locations_the_preview_adds_none(writer_api):
    job = api_staged_job(writer_api, LOCATIONS)
    assert job["rejected"] == 6
    assert not any("location" in warning.lower() for warning in job["warnings"])


def test_the_location_warning_in_french_and_not_to_another_library(
    writer_api, library, other_library
):
    with schema_context(library.schema_name):
        library_settings_update(library=library, actor="test", language="fr")
    job = api_staged_job(writer_api, LOCATIONS, create_locations="true")

    assert job["warnings"] == [
        "L\u2019import ajoutera ces localisations \u00e0 la biblioth\u00e8que\u00a0: Attic "
        "(utilis\u00e9e par 1 exemplaire), main (utilis\u00e9e par 3 exemplaires), ref "
        "(utilis\u00e9e par 2 exemplaires). V\u00e9rifiez les codes avant de valider\u202f; "
        "une fois ajout\u00e9es, nommez-les sous Localisations."
    ]
    other = client_for(OTHER_LIBRARY_HOST, f"Api-Key {_key('beta')}")
    assert other.get(f"/api/v1/imports/{job['id']}/").status_code == 404
    assert other.post(f"/api/v1/imports/{job['id']}/commit/").status_code == 404
    with schema_context("alpha"):
        assert ImportJob.objects.get(pk=job["id"]).status == "staged"
        assert not Location.objects.exists()
    with schema_context("beta"):
        assert not Location.objects.exists()
