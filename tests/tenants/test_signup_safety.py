"""Sign-up cannot be used to build libraries wholesale: reserved names, a confirmed address
before anything is built, and a platform-wide budget per hour."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_exists
from rest_framework.test import APIClient

from tenants.models import Library, Signup
from tenants.onboarding import signup_provision
from tests.tenants.admin_helpers import confirmation_link

PLATFORM = "localhost"


def _body(subdomain: str) -> dict[str, str]:
    return {"name": "Kappa", "subdomain": subdomain, "admin_email": f"a@{subdomain}.example"}


@pytest.mark.parametrize(
    "subdomain",
    ["autodiscover", "autoconfig", "wpad", "isatap", "ns1", "ns7", "mx2", "smtp", "imap",
     "webmail", "operators", "mail3", "postmaster", "mta-sts"],
)  # fmt: skip
def test_infrastructure_names_are_reserved(db, subdomain):
    client = APIClient(HTTP_HOST=PLATFORM)
    response = client.post("/api/v1/signups/", _body(subdomain), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "subdomain_reserved"
    assert not Signup.objects.exists()


def test_nothing_is_built_until_the_address_is_confirmed(db, django_capture_on_commit_callbacks):
    client = APIClient(HTTP_HOST=PLATFORM)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client.post("/api/v1/signups/", _body("kappa"), format="json")
    assert response.status_code == 202
    assert response.json()["status"] == "unconfirmed"
    # One email to the address, and no provisioning queued.
    assert len(queued) == 1
    assert [m.to for m in mail.outbox] == [["a@kappa.example"]]
    signup = Signup.objects.get()
    token = confirmation_link()["token"]
    assert signup.confirm_token_hash
    assert token not in signup.confirm_token_hash
    # A worker handed the sign-up anyway builds nothing.
    assert signup_provision(signup_id=signup.pk).status == "unconfirmed"
    assert not schema_exists("kappa")

    wrong = client.post("/api/v1/signups/confirm/", {"token": "x" * 43}, format="json")
    assert wrong.status_code == 404
    with django_capture_on_commit_callbacks(execute=False) as queued:
        confirmed = client.post("/api/v1/signups/confirm/", {"token": token}, format="json")
    assert confirmed.json()["status"] == "pending"
    assert len(queued) == 1  # the provisioning task
    again = client.post("/api/v1/signups/confirm/", {"token": token}, format="json")
    assert again.status_code == 202
    assert signup_provision(signup_id=signup.pk).status == "ready"
    assert Library.objects.filter(schema_name="kappa").exists()


def test_an_old_confirmation_link_has_expired(db, settings, django_capture_on_commit_callbacks):
    client = APIClient(HTTP_HOST=PLATFORM)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/api/v1/signups/", _body("lambda"), format="json")
    Signup.objects.update(
        created_at=timezone.now() - timedelta(hours=settings.STACKS_SIGNUP_CONFIRM_HOURS + 1)
    )
    link = confirmation_link()
    response = client.post("/api/v1/signups/confirm/", {"token": link["token"]}, format="json")
    assert (response.status_code, response.json()["code"]) == (410, "link_expired")
    page = Client(HTTP_HOST=PLATFORM).post(link["path"])
    assert page.status_code == 410
    assert "expired" in page.content.decode()
    assert Signup.objects.get().status == "unconfirmed"


def test_unconfirmed_claims_do_not_hold_a_name(db, django_capture_on_commit_callbacks):
    """A stranger's unconfirmed sign-up does not keep the name from whoever confirms first."""
    client = APIClient(HTTP_HOST=PLATFORM)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/api/v1/signups/", _body("mu"), format="json")
    squatter = confirmation_link()["token"]
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(
            "/api/v1/signups/", {**_body("mu"), "admin_email": "head@mu.example"}, format="json"
        )
    assert second.status_code == 202
    owner = confirmation_link()["token"]
    assert (
        client.post("/api/v1/signups/confirm/", {"token": owner}, format="json").status_code == 202
    )
    late = client.post("/api/v1/signups/confirm/", {"token": squatter}, format="json")
    assert (late.status_code, late.json()["code"]) == (400, "subdomain_taken")


def test_the_platform_takes_a_bounded_number_of_sign_ups_an_hour(db, settings):
    settings.STACKS_SIGNUPS_PER_HOUR = 3
    for n in range(3):
        client = APIClient(HTTP_HOST=PLATFORM, REMOTE_ADDR=f"198.51.100.{n + 1}")
        assert client.post("/api/v1/signups/", _body(f"nu{n}"), format="json").status_code == 202
    # From yet another address: the budget is the platform's, not the address's.
    api = APIClient(HTTP_HOST=PLATFORM, REMOTE_ADDR="192.0.2.50")
    refused = api.post("/api/v1/signups/", _body("nu3"), format="json")
    assert (refused.status_code, refused.json()["code"]) == (429, "signups_paused")
    assert 0 < int(refused["Retry-After"]) <= 3601
    page = Client(HTTP_HOST=PLATFORM, REMOTE_ADDR="192.0.2.51").post("/signup/", _body("nu4"))
    assert page.status_code == 429
    assert "at most 3 sign-ups an hour" in page.content.decode()
    assert int(page["Retry-After"]) > 0
    assert Signup.objects.count() == 3
    # An hour later there is room again.
    Signup.objects.update(created_at=timezone.now() - timedelta(hours=1, seconds=1))
    assert api.post("/api/v1/signups/", _body("nu5"), format="json").status_code == 202
