"""Sign-in throttling on every path: staff page, API token, platform login and admin."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from staff.models import User
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST, PASSWORD

PLATFORM = "localhost"
LIMIT = 10
ALPHA_ADMIN = "admin@alpha.example"
BETA_ADMIN = "admin@beta.example"


def _page_sign_in(client: Client, path: str, email: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(path, {"username": email, "password": password})


def _token(client: Client, email: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/auth/token/",
        {"email": email, "password": password},
        content_type="application/json",
    )


def _window_passes(schema: str) -> None:
    """The failures happened longer ago than the cool-off."""
    with schema_context(schema):
        AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))


def _assert_locked(response, *, api: bool) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60)
    if api:
        assert response.json()["code"] == "signin_locked_out"
    else:
        assert "Too many failed sign-ins" in response.content.decode()


@pytest.fixture
def operator(db) -> str:  # type: ignore[no-untyped-def]
    with schema_context("public"):
        User.objects.create_user(
            email="ops@stacks.example", password=PASSWORD, role="admin", is_staff=True,
            is_superuser=True,
        )  # fmt: skip
    return "ops@stacks.example"


def test_staff_page_locks_an_account_then_lets_it_in_after_the_window(library, other_library):
    client = Client(HTTP_HOST=LIBRARY_HOST)
    for _ in range(LIMIT - 1):
        assert _page_sign_in(client, "/staff/login/", ALPHA_ADMIN, "wrong").status_code == 200
    _assert_locked(_page_sign_in(client, "/staff/login/", ALPHA_ADMIN, "wrong"), api=False)
    # Even the right password is refused while locked.
    _assert_locked(_page_sign_in(client, "/staff/login/", ALPHA_ADMIN, PASSWORD), api=False)
    # Another library counts its own attempts: its admin signs in from the same address.
    other = Client(HTTP_HOST=OTHER_LIBRARY_HOST)
    assert _page_sign_in(other, "/staff/login/", BETA_ADMIN, PASSWORD).status_code == 302
    _window_passes("alpha")
    assert _page_sign_in(client, "/staff/login/", ALPHA_ADMIN, PASSWORD).status_code == 302


def test_api_token_locks_an_account(library):
    client = Client(HTTP_HOST=LIBRARY_HOST)
    for _ in range(LIMIT - 1):
        assert _token(client, ALPHA_ADMIN, "wrong").status_code in (400, 401)
    _assert_locked(_token(client, ALPHA_ADMIN, "wrong"), api=True)
    _assert_locked(_token(client, ALPHA_ADMIN, PASSWORD), api=True)
    # Case does not make a new account to guess at.
    _assert_locked(_token(client, ALPHA_ADMIN.upper(), PASSWORD), api=True)
    _window_passes("alpha")
    response = _token(client, ALPHA_ADMIN, PASSWORD)
    assert response.status_code == 200
    assert response.json()["token"]


def test_one_address_guessing_many_accounts_is_locked(library):
    client = Client(HTTP_HOST=LIBRARY_HOST, REMOTE_ADDR="203.0.113.7")
    for n in range(LIMIT - 1):
        assert _token(client, f"guess{n}@alpha.example", "wrong").status_code in (400, 401)
    _assert_locked(_token(client, f"guess{LIMIT}@alpha.example", "wrong"), api=True)
    _assert_locked(_token(client, ALPHA_ADMIN, PASSWORD), api=True)
    # The account itself is not locked for callers elsewhere.
    elsewhere = Client(HTTP_HOST=LIBRARY_HOST, REMOTE_ADDR="198.51.100.2")
    assert _token(elsewhere, ALPHA_ADMIN, PASSWORD).status_code == 200


def test_a_forwarded_for_header_does_not_choose_a_fresh_address(library):
    client = Client(HTTP_HOST=LIBRARY_HOST, REMOTE_ADDR="203.0.113.8")
    for n in range(LIMIT):
        client.post(
            "/api/v1/auth/token/",
            {"email": f"fwd{n}@alpha.example", "password": "wrong"},
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    _assert_locked(_token(client, "someone@alpha.example", "wrong"), api=True)


@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_platform_sign_in_locks_an_operator(operator, path):
    client = Client(HTTP_HOST=PLATFORM)
    for _ in range(LIMIT - 1):
        assert _page_sign_in(client, path, operator, "wrong").status_code == 200
    _assert_locked(_page_sign_in(client, path, operator, "wrong"), api=False)
    _assert_locked(_page_sign_in(client, path, operator, PASSWORD), api=False)
    _window_passes("public")
    assert _page_sign_in(client, path, operator, PASSWORD).status_code == 302


def test_library_admin_site_locks_too(library):
    client = Client(HTTP_HOST=LIBRARY_HOST)
    for _ in range(LIMIT - 1):
        assert _page_sign_in(client, "/admin/login/", ALPHA_ADMIN, "wrong").status_code == 200
    _assert_locked(_page_sign_in(client, "/admin/login/", ALPHA_ADMIN, "wrong"), api=False)
