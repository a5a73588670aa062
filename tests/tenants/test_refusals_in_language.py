"""Refusals a browser meets before or beside the usual pages (a locked sign-in, an upload past
the limit, too many sign-ups) are said in the reader's language, as the rest of the site is."""

import pytest
from django.test import Client

from tests.conftest import LIBRARY_HOST
from tests.tenants.admin_helpers import signed_in
from tests.tenants.test_upload_limits import UnreadBody, _post_declaring


def test_a_locked_sign_in_is_said_in_the_reader_s_language(library):
    client = Client(HTTP_HOST=LIBRARY_HOST, HTTP_ACCEPT_LANGUAGE="fr")
    for _ in range(10):
        locked = client.post(
            "/staff/login/", {"username": "admin@alpha.example", "password": "wrong"}
        )
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many" not in page
    assert "Trop de connexions échouées pour ce compte ou depuis cette adresse." in page
    assert "Réessayez dans 15 minutes." in page


def test_an_upload_past_the_limit_is_said_in_the_reader_s_language(library, settings):
    settings.STACKS_IMPORT_MAX_UPLOAD_BYTES = 1_000_000
    client = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    response = _post_declaring(client, "/staff/imports/", 50_000_000, UnreadBody())
    assert response.status_code == 413
    page = response.content.decode()
    assert '<html lang="de">' in page
    assert "too large" not in page
    assert "Die Datei ist zu groß: 50.000.000 Bytes" in page


@pytest.mark.usefixtures("db")
def test_too_many_sign_ups_is_said_in_the_reader_s_language(monkeypatch):
    from tenants.throttles import SignupThrottle

    monkeypatch.setattr(SignupThrottle, "rate", "1/hour")
    web = Client(HTTP_HOST="localhost", REMOTE_ADDR="203.0.113.10", HTTP_ACCEPT_LANGUAGE="es")
    body = {"name": "Limitada", "subdomain": "limitada1", "admin_email": "a@limitada.example"}
    assert web.post("/signup/", body).status_code == 302
    refused = web.post("/signup/", {**body, "subdomain": "limitada2"})
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Too many" not in page
    assert "Demasiadas solicitudes de alta desde su dirección" in page
