"""A caller refused circulation over the API reads, in its language, what it lacks and how to
get it: a key without the patron scope is told how a key with it is issued."""

import pytest
from django_tenants.utils import schema_context

from circulation.models import Patron
from staff.services import api_key_create
from tests.api.conftest import client_for
from tests.conftest import LIBRARY_HOST

LANGUAGES = ("fr", "de", "es")
CIRCULATION = ("/api/v1/patrons/", "/api/v1/loans/", "/api/v1/holds/", "/api/v1/patron-imports/")


def _detail(client, path: str, language: str, method: str = "get") -> str:
    response = getattr(client, method)(path, {}, format="json", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 403, (path, response.content)
    return response.json()["detail"]


@pytest.mark.parametrize("path", CIRCULATION)
def test_a_key_without_the_patron_scope_is_told_how_to_get_one(callers, path):
    english = _detail(callers["read_key"], path, "en")
    assert "patron scope" in english
    assert "create_api_key --patrons" in english
    for language in LANGUAGES:
        translated = _detail(callers["read_key"], path, language)
        assert translated != english, language
        assert "create_api_key --patrons" in translated, language


def test_a_patron_key_that_may_only_read_is_told_it_needs_the_write_scope(library):
    with schema_context(library.schema_name):
        issued = api_key_create(name="Kiosk", scope="read", patrons=True)
    client = client_for(LIBRARY_HOST, f"Api-Key {issued.secret}")
    english = _detail(client, "/api/v1/patrons/", "en", "post")
    assert "write scope" in english
    assert "--scope write --patrons" in english
    assert _detail(client, "/api/v1/patrons/", "fr", "post") != english
    with schema_context(library.schema_name):
        assert not Patron.objects.exists()


@pytest.mark.parametrize(
    ("role", "method", "path"),
    [
        ("viewer", "post", "/api/v1/patrons/"),
        ("librarian", "post", "/api/v1/loan-rules/"),
        ("write_key", "get", "/api/v1/loan-rules/"),
    ],
)
def test_every_circulation_refusal_is_translated(callers, role, method, path):
    english = _detail(callers[role], path, "en", method)
    for language in LANGUAGES:
        assert _detail(callers[role], path, language, method) != english, language
