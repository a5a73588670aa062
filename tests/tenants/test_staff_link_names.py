"""The staff pages' links to the public website and to the catalog's administration have
names of their own in every language, never the same word for both."""

import re

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from staff.services import user_create
from tenants.administration import library_settings_update
from tenants.models import Library
from tests.conftest import LIBRARY_HOST, PASSWORD
from tests.tenants.admin_helpers import signed_in

NAMES = {
    "en": ("Public website", "Catalog administration"),
    "fr": ("Site public", "Administration du catalogue"),
    "de": ("Öffentliche Website", "Katalogverwaltung"),
    "es": ("Sitio público", "Administración del catálogo"),
}


@pytest.mark.parametrize("language", sorted(NAMES))
def test_the_public_website_and_the_catalog_administration_are_told_apart(
    library: Library, language: str
):
    library_settings_update(library=library, actor="test", language=language)
    with schema_context("alpha"):
        user_create(email="names@alpha.example", role="librarian", password=PASSWORD)
    staff = signed_in(LIBRARY_HOST, "alpha", "names@alpha.example", client_class=Client)
    page = staff.get("/staff/desk/").content.decode()
    public, administration = NAMES[language]
    assert re.findall(r'<a href="/">([^<]*)</a>', page) == [public]
    assert re.findall(r'<a href="/admin/">([^<]*)</a>', page) == [administration]
