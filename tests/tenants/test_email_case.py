"""Email sign-in ignores case on every path; two accounts differing only in case cannot exist."""

import pytest
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from staff.models import User
from tests.conftest import LIBRARY_HOST, PASSWORD

pytestmark = pytest.mark.django_db

TYPED = "Admin@Alpha.EXAMPLE"  # the account is admin@alpha.example


def test_the_staff_sign_in_page_ignores_the_case_of_the_email(client, library) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        "/staff/login/", {"username": TYPED, "password": PASSWORD}, HTTP_HOST=LIBRARY_HOST
    )
    assert response.status_code == 302, response.content[:500]
    home = client.get("/staff/", HTTP_HOST=LIBRARY_HOST)
    assert home.status_code == 200


def test_a_wrong_password_still_fails_whatever_the_case(client, library) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        "/staff/login/", {"username": TYPED, "password": "wrong"}, HTTP_HOST=LIBRARY_HOST
    )
    assert response.status_code == 200
    assert client.get("/staff/", HTTP_HOST=LIBRARY_HOST).status_code == 302


def test_the_api_token_ignores_the_case_of_the_email(library) -> None:  # type: ignore[no-untyped-def]
    api = APIClient(HTTP_HOST=LIBRARY_HOST)
    response = api.post("/api/v1/auth/token/", {"email": TYPED, "password": PASSWORD}, "json")
    assert response.status_code == 200, response.content[:300]


def test_two_accounts_differing_only_in_case_cannot_exist(in_library) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="ADMIN@alpha.example")
    assert User.objects.filter(email__iexact="admin@alpha.example").count() == 1
