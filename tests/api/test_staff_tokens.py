"""Staff tokens: stored hashed, expiring, revoked by a password change."""

import hashlib
from datetime import timedelta

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_tenants.utils import schema_context

from staff.models import StaffToken, User
from staff.services import api_key_create
from tests.conftest import PASSWORD

GOOD = {"email": "admin@alpha.example", "password": PASSWORD}


def _issue(client) -> dict:  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/auth/token/", GOOD, format="json")
    assert response.status_code == 200
    return response.json()


def _use(client, token: str) -> int:  # type: ignore[no-untyped-def]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    status = client.get("/api/v1/staff/").status_code
    client.credentials()
    return status


def test_only_the_hash_is_stored(api_client):
    token = _issue(api_client)["token"]
    with schema_context("alpha"):
        stored = StaffToken.objects.get()
        assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM staff_stafftoken")
            assert not any(token in str(value) for row in cursor.fetchall() for value in row)
        tables = connection.introspection.table_names()
    assert "authtoken_token" not in tables
    assert _use(api_client, token) == 200


def test_a_token_expires(api_client, settings):
    body = _issue(api_client)
    expires_at = parse_datetime(body["expires_at"])
    assert expires_at is not None
    expected = timezone.now() + timedelta(hours=settings.STACKS_STAFF_TOKEN_HOURS)
    assert abs((expires_at - expected).total_seconds()) < 60
    with schema_context("alpha"):
        StaffToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _use(api_client, body["token"]) == 401


def test_a_password_change_revokes_every_token(api_client):
    first, second = _issue(api_client)["token"], _issue(api_client)["token"]
    assert _use(api_client, first) == 200
    with schema_context("alpha"):
        user = User.objects.get(email=GOOD["email"])
        user.set_password("another-long-passphrase-2026")
        user.save()
    assert _use(api_client, first) == 401
    assert _use(api_client, second) == 401


def test_a_token_of_one_library_is_nothing_at_another(api_client, other_api_client):
    token = _issue(api_client)["token"]
    assert _use(other_api_client, token) == 401
    with schema_context("beta"):
        assert not StaffToken.objects.exists()


def test_an_api_key_sent_as_a_token_is_told_its_scheme(api_client):
    with schema_context("alpha"):
        secret = api_key_create(name="sent wrongly", scope="write").secret
    for scheme in ("Bearer", "Token"):
        api_client.credentials(HTTP_AUTHORIZATION=f"{scheme} {secret}")
        response = api_client.get("/api/v1/records/")
        assert response.status_code == 401
        assert "Authorization: Api-Key <key>" in response.json()["detail"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert api_client.get("/api/v1/records/").status_code == 200


def test_obtaining_a_token_is_the_account_s_last_sign_in(api_client):
    """An integrator's admin who signs in only through the API is not shown as never signed
    in (the staff list would call them invited)."""
    before = timezone.now()
    _issue(api_client)
    with schema_context("alpha"):
        last = User.objects.get(email=GOOD["email"]).last_login
    assert last is not None
    assert last >= before
