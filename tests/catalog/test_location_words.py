"""Locations in the librarian's language: their menus, the admin's deletion, and an import's
summary before and after it is committed."""

import pytest
from django_tenants.utils import schema_context

from catalog.imports.models import ImportJob
from catalog.services import location_create
from tenants.administration import library_settings_update
from tests.circulation.conftest import staff_client
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST

WORDS = {
    "en": {
        "menu": "CDI: Centre de documentation",
        "delete": "Delete the selected locations",
        "staged": "Missing locations will be created.",
        "committed": "Missing locations were created.",
    },
    "fr": {
        "menu": "CDI\u00a0: Centre de documentation",
        "delete": "Supprimer la sélection (localisations)",
        "staged": "Les localisations manquantes seront créées.",
        "committed": "Les localisations manquantes ont été créées.",
    },
}


# What the copy form's location menu asks for as the librarian types.
AUTOCOMPLETE = {"app_label": "catalog", "model_name": "item", "field_name": "location", "term": "C"}


@pytest.fixture(params=WORDS)
def language(request, library) -> str:  # type: ignore[no-untyped-def]
    library_settings_update(library=library, actor="test", language=request.param)
    return str(request.param)


def test_location_words_in_the_librarian_s_language(library, language):
    words = WORDS[language]
    with schema_context(library.schema_name):
        location_create(code="CDI", name="Centre de documentation")
        staged, committed = (
            ImportJob.objects.create(file_name="books.csv", status=status, create_locations=True)
            for status in (ImportJob.Status.STAGED, ImportJob.Status.COMMITTED)
        )
    staff = staff_client(library.schema_name, LIBRARY_HOST, "librarian")

    menu = staff.get("/admin/autocomplete/", AUTOCOMPLETE).json()["results"]
    assert [choice["text"] for choice in menu] == [words["menu"]]
    assert f">{words['delete']}</option>" in staff.get("/admin/catalog/location/").text
    staged_page = staff.get(f"/staff/imports/{staged.pk}/").text
    assert words["staged"] in staged_page
    assert words["committed"] not in staged_page.replace(words["staged"], "")
    assert words["committed"] in staff.get(f"/staff/imports/{committed.pk}/").text


def test_another_library_s_staff_see_none_of_these_locations(library, other_library):
    with schema_context(library.schema_name):
        location_create(code="CDI", name="Centre de documentation")
    other = staff_client(other_library.schema_name, OTHER_LIBRARY_HOST, "librarian")
    assert other.get("/admin/autocomplete/", AUTOCOMPLETE).json()["results"] == []
    assert "Centre de documentation" not in other.get("/admin/catalog/location/").text
