"""The options of an import's page: under the import form's own labels, each as the form
offered it, in the page's language and its case."""

import html
import re

import pytest
from django_tenants.utils import schema_context

from catalog.imports.models import ImportJob
from tests.circulation.conftest import staff_client
from tests.conftest import LIBRARY_HOST


def _options(page: str) -> dict[str, str]:
    listed = page.split('<dl class="fields" id="import-options">', 1)[1].split("</dl>", 1)[0]
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", listed)
    return {html.unescape(term): html.unescape(value) for term, value in pairs}


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("de", {"Wenn ein Datensatz passt": "Den gefundenen Datensatz aktualisieren",
                "Wenn nichts passt": "Datensatz anlegen",
                "Wenn ein Datensatz aktualisiert wird":
                    "Den Datensatz durch den aus der Datei ersetzen"}),
        ("en", {"When a record matches": "Update the matched record",
                "When nothing matches": "Create a record",
                "When a record is updated": "Replace the record with the file's"}),
    ],
)  # fmt: skip
def test_the_options_keep_the_case_of_their_words(library, language, shown):
    """German nouns keep their capital ("Datensatz", never "datensatz")."""
    with schema_context(library.schema_name):
        job = ImportJob.objects.create(file_name="buecher.mrc", format="marc")
    staff = staff_client(library.schema_name, LIBRARY_HOST, "librarian")

    page = staff.get(f"/staff/imports/{job.pk}/", HTTP_ACCEPT_LANGUAGE=language).text

    options = _options(page)
    for label, value in shown.items():
        assert options[label] == value
    assert 'id="import-flags"' not in page


@pytest.mark.parametrize(
    ("language", "flags"),
    [
        ("fr", "Les localisations manquantes seront créées. <strong>Essai à blanc\u00a0: rien ne "
               "pourra être validé.</strong>"),
        ("en", "Missing locations will be created. <strong>Dry run: nothing can be "
               "committed.</strong>"),
    ],
)  # fmt: skip
def test_created_locations_and_a_dry_run_are_whole_sentences(library, language, flags):
    with schema_context(library.schema_name):
        job = ImportJob.objects.create(
            file_name="livres.csv", format="csv", create_locations=True, dry_run=True
        )
    staff = staff_client(library.schema_name, LIBRARY_HOST, "librarian")

    page = staff.get(f"/staff/imports/{job.pk}/", HTTP_ACCEPT_LANGUAGE=language).text

    shown = page.split('<p id="import-flags">', 1)[1].split("</p>", 1)[0]
    assert html.unescape(shown) == flags
