"""The options line of an import's page: its pieces joined as the page's language lists them."""

import html

import pytest
from django_tenants.utils import schema_context

from catalog.imports.models import ImportJob
from tests.circulation.conftest import staff_client
from tests.conftest import LIBRARY_HOST


@pytest.mark.parametrize(("language", "separator"), [("fr", "\u202f; "), ("en", "; ")])
def test_the_options_are_joined_with_the_language_s_list_separator(library, language, separator):
    with schema_context(library.schema_name):
        job = ImportJob.objects.create(
            file_name="livres.csv", format="csv", create_locations=True, dry_run=True
        )
    staff = staff_client(library.schema_name, LIBRARY_HOST, "librarian")

    page = staff.get(f"/staff/imports/{job.pk}/", HTTP_ACCEPT_LANGUAGE=language).text

    options = html.unescape(page.split("<p>", 1)[1].split("<br>", 1)[0])
    created = {"fr": "les localisations manquantes seront créées",
               "en": "missing locations will be created"}[language]  # fmt: skip
    dry_run = {"fr": "essai à blanc", "en": "dry run"}[language]
    assert f"{separator}{created}{separator}<strong>{dry_run}</strong>." in options
    assert options.count(";") == options.count(separator)
