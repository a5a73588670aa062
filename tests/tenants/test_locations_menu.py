"""Locations are found from the staff menu, and the refusals that ask for one link to them."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context, tenant_context

from catalog.imports.models import ImportJob
from catalog.services import location_create
from staff.services import user_create
from tenants.administration import library_settings_update
from tenants.models import Library
from tests.catalog.imports.helpers import job_run
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST, PASSWORD
from tests.tenants.admin_helpers import signed_in

LOCATIONS = 'href="/admin/catalog/location/"'


def _staff(role: str) -> Client:
    with schema_context("alpha"):
        user_create(email=f"{role}-menu@alpha.example", role=role, password=PASSWORD)
    return signed_in(LIBRARY_HOST, "alpha", f"{role}-menu@alpha.example", client_class=Client)


def _admin() -> Client:
    return signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)


@pytest.fixture(params=["en", "fr"])
def language(request, library: Library) -> str:  # type: ignore[no-untyped-def]
    """The library's language, which its staff pages speak."""
    library_settings_update(library=library, actor="test", language=request.param)
    return str(request.param)


def test_the_staff_menu_links_locations_for_those_who_catalogue(language):
    word = {"en": ">Locations</a>", "fr": ">Localisations</a>"}[language]
    for client in (_admin(), _staff("librarian")):
        home = client.get("/staff/").text
        assert f"{LOCATIONS}>{word[1:]}" in home
        assert client.get("/admin/catalog/location/").status_code == 200
    # A viewer may not add one: the menu does not send them where they can only look.
    assert LOCATIONS not in _staff("viewer").get("/staff/").text


def test_an_unknown_default_location_is_refused_with_a_link_to_locations(language):
    admin = _admin()
    version = Library.objects.get(schema_name="alpha").settings_version
    with schema_context("beta"):
        location_create(code="CDI", name="Beta's own")
    form = {"name": "Alpha Library", "default_location_code": "CDI", "version": version}
    refused = admin.post("/staff/settings/", form)
    assert refused.status_code == 400
    said = {
        "en": "No location has the code \u201cCDI\u201d: add it under Locations first",
        "fr": "Aucune localisation n\u2019a le code \u00ab\u00a0CDI\u00a0\u00bb\u00a0: ajoutez-la "
        "d\u2019abord sous Localisations",
    }[language]
    assert said in refused.content.decode().replace("&#x27;", "'")
    assert f'id="settings-locations"><a {LOCATIONS}>' in refused.text
    library = Library.objects.get(schema_name="alpha")
    assert (library.default_location_code, library.settings_version) == ("", version)

    with schema_context("alpha"):
        location_create(code="CDI", name="Centre de documentation")
    saved = admin.post("/staff/settings/", form)
    assert saved.status_code == 302
    assert Library.objects.get(schema_name="alpha").default_location_code == "CDI"


def test_the_settings_refusal_reaches_no_other_library(library, other_library):
    beta = signed_in(OTHER_LIBRARY_HOST, "beta", "admin@beta.example", client_class=Client)
    with schema_context("alpha"):
        location_create(code="CDI", name="Alpha's own")
    refused = beta.post(
        "/staff/settings/", {"name": "Beta Library", "default_location_code": "CDI", "version": 1}
    )
    assert refused.status_code == 400
    other_library.refresh_from_db()
    assert other_library.default_location_code == ""
    # Alpha's admin page is not beta's: beta's session opens none of alpha's locations.
    assert beta.get("/admin/catalog/location/", HTTP_HOST=LIBRARY_HOST).status_code == 302


CSV = b"title,barcode,location\nDune,B-1,CDI\nEmma,B-2,MAIN\n"


def _imported(client: Client, **fields: str) -> str:
    data = {"file": SimpleUploadedFile("books.csv", CSV), "match_on": "either",
            "on_match": "update", "on_no_match": "create", **fields}  # fmt: skip
    uploaded = client.post("/staff/imports/", data)
    assert uploaded.status_code == 302
    with tenant_context(Library.objects.get(schema_name="alpha")):  # as the worker runs it
        job_run(ImportJob.objects.order_by("-pk").first())
    return client.get(uploaded.url).text


def test_an_import_that_rejects_an_unknown_location_links_to_locations(language):
    with schema_context("alpha"):
        location_create(code="MAIN", name="Main")
    librarian = _staff("librarian")
    page = _imported(librarian)
    reason = {
        "en": "add it under Locations first",
        "fr": "ajoutez-la d\u2019abord sous Localisations",
    }
    assert reason[language] in page.replace("&#x27;", "'")
    assert f'id="import-locations"><a {LOCATIONS}>' in page
    # An import whose every location is known says nothing of them.
    with schema_context("alpha"):
        location_create(code="CDI", name="Centre de documentation")
    assert 'id="import-locations"' not in _imported(librarian)


def _default_location_options(page: str) -> list[tuple[str, str]]:
    select = re.search(r'<select name="default_location_code"[^>]*>(.*?)</select>', page, re.S)
    assert select, page
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select[1])


def test_the_default_location_is_chosen_among_the_library_s_own(library):
    admin = _admin()
    # A new library has none: only "(none)", and the page says where to add one.
    empty = admin.get("/staff/settings/", HTTP_ACCEPT_LANGUAGE="en").text
    assert _default_location_options(empty) == [("", "(none)")]
    assert "The library has no locations yet: add them under Locations" in empty
    # The link that says "to add the code" answers a refused code only.
    assert 'id="settings-locations"' not in empty
    version = Library.objects.get(schema_name="alpha").settings_version
    saved = admin.post("/staff/settings/", {"name": "Alpha", "default_location_code": "",
                                            "version": version})  # fmt: skip
    assert saved.status_code == 302

    with schema_context("alpha"):
        location_create(code="CDI", name="Centre de documentation")
        location_create(code="BCD", name="Bibliothèque")
    with schema_context("beta"):
        location_create(code="BETA", name="Beta's own")
    page = admin.get("/staff/settings/", HTTP_ACCEPT_LANGUAGE="en").text
    assert _default_location_options(page) == [
        ("", "(none)"),
        ("BCD", "BCD: Bibliothèque"),
        ("CDI", "CDI: Centre de documentation"),
    ]
    assert 'id="settings-locations"' not in page


def test_a_saved_default_location_removed_since_stays_shown(library):
    with schema_context("alpha"):
        location = location_create(code="OLD", name="Old shelf")
        library_settings_update(library=library, actor="test", default_location_code="OLD")
        location.delete()
    page = _admin().get("/staff/settings/").text
    assert ("OLD", "OLD") in _default_location_options(page)
    assert re.search(r'<option value="OLD" selected>', page)
