"""Self-service sign-up on the platform host, through the API and the web form."""

import re
from email.utils import parseaddr

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context, schema_exists
from rest_framework.test import APIClient

from staff.models import Invitation, User
from tenants.models import Domain, Library, Signup
from tenants.onboarding import signup_provision
from tests.conftest import ROOT
from tests.tenants.admin_helpers import confirmation_link, last_invitation_link

PLATFORM = "localhost"


def _state() -> tuple[int, int, int, list[str]]:
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace ORDER BY 1")
        schemas = [row[0] for row in cursor.fetchall()]
    return Library.objects.count(), Domain.objects.count(), Signup.objects.count(), schemas


def test_api_sign_up_is_provisioned_and_the_admin_sets_a_password(
    db, django_capture_on_commit_callbacks
):
    client = APIClient(HTTP_HOST=PLATFORM)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/signups/",
            {"name": "Springfield Public Library", "subdomain": "springfield",
             "admin_email": "Head@Springfield.example"},
            format="json",
        )  # fmt: skip
    assert response.status_code == 202, response.json()
    body = response.json()
    assert (body["status"], body["host"]) == ("unconfirmed", "springfield.localhost")
    status_url = f"/api/v1/signups/{body['id']}/"
    assert response["Location"] == f"http://{PLATFORM}{status_url}"
    assert mail.outbox[-1].to == ["head@springfield.example"]
    confirmed = client.post(
        "/api/v1/signups/confirm/", {"token": confirmation_link()["token"]}, format="json"
    )
    assert confirmed.status_code == 202
    assert confirmed["Location"] == response["Location"]
    assert client.get(status_url).json()["status"] == "pending"

    # What the worker does (a real worker runs it in tests/worker/test_platform_tasks.py).
    with django_capture_on_commit_callbacks(execute=True):
        signup_provision(signup_id=Signup.objects.get(public_id=body["id"]).pk)
    assert client.get(status_url).json()["status"] == "ready"

    library = Library.objects.get(schema_name="springfield")
    assert Domain.objects.get(domain="springfield.localhost").tenant == library
    with schema_context("springfield"):
        admin = User.objects.get()
        assert (admin.email, admin.role, admin.is_active) == (
            "head@springfield.example", "admin", False,
        )  # fmt: skip
        assert not admin.has_usable_password()

    welcome = mail.outbox[-1]
    assert welcome.to == ["head@springfield.example"]
    # She signed the library up herself: nobody invited her.
    assert welcome.subject == "Your library Springfield Public Library is ready"
    assert "You have created the library Springfield Public Library" in welcome.body
    assert "invited" not in welcome.body
    host, path = last_invitation_link()
    assert host == "springfield.localhost"
    browser = Client(HTTP_HOST=host)
    assert browser.get(path).status_code == 200
    assert browser.post(path, {"password": "a-long-admin-password"}).status_code == 302
    signed_in = browser.post(
        "/staff/login/",
        {"username": "head@springfield.example", "password": "a-long-admin-password"},
    )
    assert signed_in.status_code == 302
    assert browser.get("/api/v1/staff/").status_code == 200

    # The link is single-use.
    reused = Client(HTTP_HOST=host).post(path, {"password": "another-long-password"})
    assert reused.status_code == 409
    assert "already been used" in reused.text


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"subdomain": "alpha"}, "subdomain_taken", "subdomain"),
        ({"subdomain": "www"}, "subdomain_reserved", "subdomain"),
        ({"subdomain": "admin"}, "subdomain_reserved", "subdomain"),
        ({"subdomain": "Bad_Name"}, "invalid", "subdomain"),
        ({"subdomain": "-x"}, "invalid", "subdomain"),
        ({"admin_email": "not-an-email"}, "invalid_email", "admin_email"),
        ({"name": "   "}, "invalid", "name"),
    ],
)
def test_api_bad_sign_ups_answer_a_clear_error_and_leave_nothing(db, body, code, field):
    before = _state()
    request = {"name": "Gamma", "subdomain": "gamma", "admin_email": "a@gamma.example", **body}
    response = APIClient(HTTP_HOST=PLATFORM).post("/api/v1/signups/", request, format="json")
    assert response.status_code == 400
    problem = response.json()
    assert problem["code"] == code
    assert field in problem["errors"]
    assert problem["detail"]
    assert _state() == before
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("subdomain", "code", "words"),
    [
        ("alpha", "subdomain_taken", "est déjà pris"),
        ("www", "subdomain_reserved", "est réservé"),
    ],
)
def test_sign_up_errors_keep_their_code_in_another_language(db, subdomain, code, words):
    request = {"name": "Gamma", "subdomain": subdomain, "admin_email": "a@gamma.example"}
    client = APIClient(HTTP_HOST=PLATFORM, HTTP_ACCEPT_LANGUAGE="fr")
    response = client.post("/api/v1/signups/", request, format="json")
    assert response.status_code == 400
    problem = response.json()
    assert problem["code"] == code
    assert words in problem["detail"]
    assert words in problem["errors"]["subdomain"][0]


def test_a_subdomain_in_flight_is_taken(db, django_capture_on_commit_callbacks):
    client = APIClient(HTTP_HOST=PLATFORM)
    first = {"name": "Gamma", "subdomain": "gamma", "admin_email": "a@gamma.example"}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/api/v1/signups/", first, format="json").status_code == 202
    token = confirmation_link()["token"]
    assert (
        client.post("/api/v1/signups/confirm/", {"token": token}, format="json").status_code == 202
    )
    second = client.post("/api/v1/signups/", {**first, "name": "Other"}, format="json")
    assert second.status_code == 400
    assert second.json()["code"] == "subdomain_taken"
    assert Signup.objects.count() == 1


def test_provisioning_twice_makes_one_library(db):
    signup = Signup.objects.create(name="Delta", subdomain="delta", admin_email="a@delta.example")
    assert signup_provision(signup_id=signup.pk).status == "ready"
    # A worker lost after creating the library but before recording it: adopted, not remade.
    Signup.objects.filter(pk=signup.pk).update(status="provisioning")
    again = signup_provision(signup_id=signup.pk)
    assert again.status == "ready"
    assert Library.objects.filter(schema_name="delta").count() == 1
    with schema_context("delta"):
        assert Invitation.objects.count() == 1


def test_a_failure_while_provisioning_is_reported_and_leaves_nothing(db):
    # The subdomain was free when asked for, but an operator took the schema meanwhile.
    signup = Signup.objects.create(name="Eps", subdomain="eps", admin_email="a@eps.example")
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "eps"')
    result = signup_provision(signup_id=signup.pk)
    assert result.status == "failed"
    assert "already exists" in result.error
    assert not Library.objects.filter(schema_name="eps").exists()
    assert not Domain.objects.filter(domain="eps.localhost").exists()
    response = APIClient(HTTP_HOST=PLATFORM).get(f"/api/v1/signups/{signup.public_id}/")
    assert response.json()["status"] == "failed"


def test_unknown_sign_up_ids_are_not_found(db):
    client = APIClient(HTTP_HOST=PLATFORM)
    assert client.get("/api/v1/signups/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get("/api/v1/signups/12/").status_code == 404
    assert Client(HTTP_HOST=PLATFORM).get("/signup/12/").status_code == 404


def test_sign_up_is_only_on_the_platform_host(db):
    body = {"name": "Zeta", "subdomain": "zeta", "admin_email": "a@zeta.example"}
    response = APIClient(HTTP_HOST="alpha.localhost").post("/api/v1/signups/", body, format="json")
    assert response.status_code in (401, 403, 404, 405)
    assert not Signup.objects.exists()


# The web form


def test_web_form_has_labelled_fields(db):
    page = Client(HTTP_HOST=PLATFORM).get("/signup/")
    assert page.status_code == 200
    for field, label in (("name", "Library name"), ("subdomain", "Subdomain"),
                         ("admin_email", "Your email")):  # fmt: skip
        assert f'<label for="id_{field}">{label}' in page.text
        assert f'id="id_{field}"' in page.text


def test_web_sign_up_shows_progress_until_ready(db, django_capture_on_commit_callbacks):
    browser = Client(HTTP_HOST=PLATFORM)
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            "/signup/", {"name": "Eta Library", "subdomain": "eta", "admin_email": "a@eta.example"}
        )
    assert response.status_code == 302
    signup = Signup.objects.get()
    assert response.url == f"/signup/{signup.public_id}/"
    unconfirmed = browser.get(response.url)
    assert 'data-status="unconfirmed"' in unconfirmed.text
    assert "a@eta.example a link to confirm" in unconfirmed.text
    assert 'http-equiv="refresh"' not in unconfirmed.text
    link = confirmation_link()["path"]
    assert "Confirm and create my library" in browser.get(link).text
    assert browser.post(link).url == response.url
    waiting = browser.get(response.url)
    assert 'data-status="pending"' in waiting.text
    # The applicant waits for their library to be made, not for a piece of the machinery.
    assert "Waiting for the library&#x27;s creation to start" in waiting.text
    assert "worker" not in waiting.text
    assert 'http-equiv="refresh"' in waiting.text

    with django_capture_on_commit_callbacks(execute=True):
        signup_provision(signup_id=signup.pk)
    ready = browser.get(response.url)
    assert 'data-status="ready"' in ready.text
    assert "eta.localhost" in ready.text
    assert 'http-equiv="refresh"' not in ready.text
    assert schema_exists("eta")


def test_a_library_signed_up_in_french_starts_in_french(db, django_capture_on_commit_callbacks):
    """The language the admin signed up in is the new library's: its first mail, the link to
    set a password, is in it, and so is its catalog for readers who ask for no language."""
    browser = Client(HTTP_HOST=PLATFORM, HTTP_ACCEPT_LANGUAGE="fr")
    body = {"name": "Médiathèque Iota", "subdomain": "iota", "admin_email": "a@iota.example"}
    with django_capture_on_commit_callbacks(execute=True):
        browser.post("/signup/", body)
    assert mail.outbox[-1].subject.startswith("Confirmez votre bibliothèque")
    assert "nommée \u00ab\u00a0Médiathèque Iota\u00a0\u00bb" in mail.outbox[-1].body
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(confirmation_link()["path"])
        signup_provision(signup_id=Signup.objects.get(subdomain="iota").pk)
    assert Library.objects.get(schema_name="iota").language == "fr"
    invitation = mail.outbox[-1]
    assert invitation.subject == "Votre bibliothèque Médiathèque Iota est prête"
    assert "Vous avez créé la bibliothèque Médiathèque Iota" in invitation.body
    assert "invité" not in invitation.body
    # Sent once the provisioning has left the library's schema, and still as the library.
    assert parseaddr(invitation.from_email)[0] == "Médiathèque Iota"
    assert "Choisissez votre mot de passe" in invitation.body
    # Signed up in a language Stacks does not speak: the platform's default.
    other = Client(HTTP_HOST=PLATFORM, HTTP_ACCEPT_LANGUAGE="pt")
    with django_capture_on_commit_callbacks(execute=True):
        other.post("/signup/", {**body, "subdomain": "kappa", "admin_email": "a@kappa.example"})
    with django_capture_on_commit_callbacks(execute=True):
        other.post(confirmation_link()["path"])
        signup_provision(signup_id=Signup.objects.get(subdomain="kappa").pk)
    assert Library.objects.get(schema_name="kappa").language == "en"


def test_the_sign_up_form_reads_the_browsers_time_zone_by_a_script_file(db):
    page = Client(HTTP_HOST=PLATFORM).get("/signup/").text
    assert '<input type="hidden" name="time_zone" id="id_time_zone">' in page
    assert re.search(r'<script src="/static/tenants/signup_zone\.js" defer></script>', page)
    script = (ROOT / "tenants" / "static" / "tenants" / "signup_zone.js").read_text()
    assert "Intl.DateTimeFormat().resolvedOptions().timeZone" in script


@pytest.mark.parametrize(
    ("language", "browser", "zone"),
    [
        ("de", "Europe/Berlin", "Europe/Berlin"),  # the browser's zone
        ("en", "America/Toronto", "America/Toronto"),
        ("de", "", "Europe/Berlin"),  # no script: the language's zone
        ("de-AT", "", "Europe/Vienna"),  # the country's only zone
        ("fr", "Mars/Olympus_Mons", "Europe/Paris"),  # no such zone
        ("es", "", "Europe/Madrid"),
        ("en", "", "UTC"),
    ],
)
def test_a_library_starts_in_its_admins_time_zone(
    db, django_capture_on_commit_callbacks, language, browser, zone
):
    """A library signed up in German no longer starts in UTC, an hour off its clocks."""
    client = Client(HTTP_HOST=PLATFORM, HTTP_ACCEPT_LANGUAGE=language)
    body = {"name": "Stadtbibliothek Müllheim", "subdomain": "muellheim",
            "admin_email": "a@muellheim.example", "time_zone": browser}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/signup/", body).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirmation_link()["path"])
        signup_provision(signup_id=Signup.objects.get(subdomain="muellheim").pk)
    assert Library.objects.get(schema_name="muellheim").time_zone == zone


@pytest.mark.parametrize(
    ("subdomain", "email", "message"),
    [
        ("beta", "a@x.example", "beta.localhost is taken; choose another."),
        ("static", "a@x.example", "static is reserved; choose another."),
        ("theta", "nope", "nope is not a valid email address."),
    ],
)
def test_web_form_errors_are_shown_beside_their_field(db, subdomain, email, message):
    before = _state()
    page = Client(HTTP_HOST=PLATFORM).post(
        "/signup/", {"name": "Theta", "subdomain": subdomain, "admin_email": email}
    )
    assert page.status_code == 400
    assert f'<span role="alert" class="error">{message}</span>' in page.text
    assert _state() == before


def test_sign_ups_from_one_address_are_limited_on_the_form_and_the_api(db, monkeypatch):
    """The form and the API share one budget per client address; the limit says when to retry."""
    from tenants.throttles import SignupThrottle

    monkeypatch.setattr(SignupThrottle, "rate", "2/hour")
    web = Client(HTTP_HOST="localhost", REMOTE_ADDR="203.0.113.9")
    api = APIClient(HTTP_HOST="localhost", REMOTE_ADDR="203.0.113.9")
    body = {"name": "Limited", "subdomain": "limited1", "admin_email": "a@limited.example"}
    assert web.post("/signup/", body).status_code == 302
    assert (
        api.post("/api/v1/signups/", {**body, "subdomain": "limited2"}, format="json").status_code
        == 202
    )

    refused = web.post("/signup/", {**body, "subdomain": "limited3"})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many sign-ups" in refused.content.decode()
    assert (
        api.post("/api/v1/signups/", {**body, "subdomain": "limited4"}, format="json").status_code
        == 429
    )
    assert not Signup.objects.filter(subdomain__in=["limited3", "limited4"]).exists()
    # Another address is not held back.
    other = Client(HTTP_HOST="localhost", REMOTE_ADDR="198.51.100.7")
    assert other.post("/signup/", {**body, "subdomain": "limited5"}).status_code == 302
