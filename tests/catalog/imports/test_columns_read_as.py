"""A CSV's columns named in the languages Stacks speaks are read as the template's columns
they can only mean, and the preview says which were read as what; a name that may mean two
things is not read, only named with the column it probably meant."""

import pytest
from django_tenants.utils import schema_context

from catalog.imports.models import ImportJob
from catalog.imports.rejects import import_rejects_file
from catalog.models import Record
from tenants.administration import library_settings_update
from tests.catalog.imports.helpers import api_staged_job, contributor_names
from tests.circulation.conftest import staff_client
from tests.conftest import LIBRARY_HOST

FRENCH = (
    "Titre;Auteur;ISBN;\u00c9diteur;Ann\u00e9e;Cote;Code-barres\n"
    "L'\u00c9tranger;Camus, Albert;9782070360024;Gallimard;1942;R CAM;F-1\n"
)


def _record() -> Record:
    with schema_context("alpha"):
        return Record.objects.prefetch_related("items", "credits__contributor").get()


@pytest.mark.parametrize(
    "sheet",
    [
        FRENCH,
        "Titel;Autor;ISBN;Verlag;Jahr;Signatur;Barcode\n"
        "L'\u00c9tranger;Camus, Albert;9782070360024;Gallimard;1942;R CAM;F-1\n",
        "T\u00edtulo;Autor;ISBN;Editorial;A\u00f1o;Signatura;C\u00f3digo de barras\n"
        "L'\u00c9tranger;Camus, Albert;9782070360024;Gallimard;1942;R CAM;F-1\n",
        "TITRE ; auteur;isbn;EDITEUR;annee;cote;Code barres\n"
        "L'\u00c9tranger;Camus, Albert;9782070360024;Gallimard;1942;R CAM;F-1\n",
    ],
    ids=["fr", "de", "es", "case-and-accents"],
)
def test_a_sheet_with_its_columns_named_in_french_german_or_spanish_is_read(writer_api, sheet):
    job = api_staged_job(writer_api, sheet.encode(), one_shot="true")

    assert (job["status"], job["created"], job["rejected"]) == ("committed", 1, 0)
    record = _record()
    assert (record.title, record.publisher, record.publication_year) == (
        "L'\u00c9tranger",
        "Gallimard",
        1942,
    )
    assert contributor_names(record) == ["Camus, Albert"]
    assert [(i.barcode, i.call_number) for i in record.items.all()] == [("F-1", "R CAM")]


def test_the_preview_says_which_columns_were_read_as_what(writer_api):
    job = api_staged_job(writer_api, FRENCH.encode())

    [warning] = job["warnings"]
    assert warning.startswith("These columns are read as the template's: ")
    assert "\u201cTitre\u201d read as \u201ctitle\u201d" in warning
    assert "\u201c\u00c9diteur\u201d read as \u201cpublisher\u201d" in warning
    assert "\u201cCode-barres\u201d read as \u201cbarcode\u201d" in warning
    assert "ISBN" not in warning


def test_the_staff_page_says_it_in_the_librarys_language(writer_api, library):
    with schema_context(library.schema_name):
        library_settings_update(library=library, actor="test", language="fr")
    job = api_staged_job(writer_api, FRENCH.encode())
    page = staff_client("alpha", LIBRARY_HOST, "librarian").get(f"/staff/imports/{job['id']}/")

    assert page.status_code == 200
    assert "\u00ab\u00a0Titre\u00a0\u00bb lu comme \u00ab\u00a0title\u00a0\u00bb" in page.text
    assert "\u00ab\u00a0Ann\u00e9e\u00a0\u00bb lu comme \u00ab\u00a0year\u00a0\u00bb" in page.text


def test_a_name_that_may_mean_two_columns_is_not_read_only_named(writer_api):
    job = api_staged_job(writer_api, b"Titre;Collection\nDune;Dune saga\n", one_shot="true")

    assert (job["status"], job["created"]) == ("committed", 1)
    assert _record().series == ""
    [unread, read_as] = job["warnings"]
    assert "\u201cCollection\u201d (perhaps \u201cseries\u201d)" in unread
    assert "\u201cTitre\u201d read as \u201ctitle\u201d" in read_as


def test_the_templates_own_column_wins_over_another_languages_name_for_it(writer_api):
    job = api_staged_job(writer_api, b"Titre,title\nL'Etranger,The Stranger\n", one_shot="true")

    assert (job["status"], job["created"]) == ("committed", 1)
    assert _record().title == "The Stranger"
    [unread] = job["warnings"]
    assert "\u201cTitre\u201d (perhaps \u201ctitle\u201d)" in unread


def test_the_rejects_file_keeps_a_french_sheets_columns_and_separator(writer_api):
    sheet = FRENCH + "Sans ISBN;;12345;;;;\n"
    job_id = api_staged_job(writer_api, sheet.encode(), one_shot="true")["id"]

    with schema_context("alpha"):
        content, _, _ = import_rejects_file(job=ImportJob.objects.get(pk=job_id))
        lines = b"".join(content).decode("utf-8-sig").splitlines()
    assert lines[0] == "Titre;Auteur;ISBN;\u00c9diteur;Ann\u00e9e;Cote;Code-barres;reason;line"
    assert lines[1].startswith("Sans ISBN;;12345;")
