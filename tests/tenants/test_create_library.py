"""`create_library`: a schema, a domain and an admin who can sign in on that host only."""

import re
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context, schema_exists

from staff.models import User
from tenants.models import Domain, Library
from tests.conftest import OTHER_LIBRARY_HOST, ROOT, subprocess_env

NEW_PASSWORD = "a-password-of-the-admins-own-choosing"


def _sign_in(host: str, email: str, password: str) -> Client:
    client = Client(HTTP_HOST=host)
    response = client.post("/staff/login/", {"username": email, "password": password})
    client.signed_in = response.status_code == 302 and response.url == "/staff/"  # type: ignore[attr-defined]
    return client


def test_create_library_makes_schema_domain_and_admin(db, capsys):
    call_command(
        "create_library", "springfield", "--name", "Springfield Public Library",
        "--domain", "springfield.localhost", "--admin-email", "Head@Springfield.example",
    )  # fmt: skip
    output = capsys.readouterr().out
    assert "password:" not in output.lower()  # no password that would stay valid
    link = re.search(r"once, for 7 days\): https?://springfield\.localhost[^/]*(/\S+)$", output)
    assert link, output

    library = Library.objects.get(schema_name="springfield")
    assert library.name == "Springfield Public Library"
    assert schema_exists("springfield")
    assert Domain.objects.get(domain="springfield.localhost").tenant == library
    with schema_context("springfield"):
        admin = User.objects.get()
        assert (admin.email, admin.role) == ("head@springfield.example", "admin")
        assert not admin.has_usable_password()

    # The admin chooses a password through the link, which then works no more.
    page = Client(HTTP_HOST="springfield.localhost")
    assert page.get(link[1]).status_code == 200
    chosen = page.post(link[1], {"password": NEW_PASSWORD})
    assert (chosen.status_code, chosen.url) == (302, "/staff/login/")
    assert page.get(link[1]).status_code != 200
    assert page.post(link[1], {"password": "another-password-entirely"}).status_code != 302

    home = _sign_in("springfield.localhost", "head@springfield.example", NEW_PASSWORD)
    assert home.signed_in  # type: ignore[attr-defined]
    staff_page = home.get("/staff/")
    assert staff_page.status_code == 200
    assert "head@springfield.example" in staff_page.text
    again = _sign_in(
        "springfield.localhost", "head@springfield.example", "another-password-entirely"
    )
    assert not again.signed_in  # type: ignore[attr-defined]

    # The same account does not exist on another library's host.
    elsewhere = _sign_in(OTHER_LIBRARY_HOST, "head@springfield.example", NEW_PASSWORD)
    assert not elsewhere.signed_in  # type: ignore[attr-defined]
    assert elsewhere.get("/staff/").status_code == 302
    assert Client(HTTP_HOST=OTHER_LIBRARY_HOST).get(link[1]).status_code != 200


def test_a_password_given_is_the_admins_and_is_not_printed(db, capsys):
    call_command(
        "create_library", "gamma", "--name", "Gamma", "--domain", "gamma.localhost",
        "--admin-email", "a@gamma.example", "--admin-password", NEW_PASSWORD,
    )  # fmt: skip
    output = capsys.readouterr().out
    assert NEW_PASSWORD not in output
    assert "/staff/invitations/" not in output
    assert _sign_in("gamma.localhost", "a@gamma.example", NEW_PASSWORD).signed_in  # type: ignore[attr-defined]


def test_session_of_one_library_is_worthless_on_another(db):
    alpha = _sign_in("alpha.localhost", "admin@alpha.example", "correct-horse-battery-staple")
    assert alpha.signed_in  # type: ignore[attr-defined]
    cookie = alpha.cookies["sessionid"].value

    beta = Client(HTTP_HOST=OTHER_LIBRARY_HOST)
    beta.cookies["sessionid"] = cookie
    response = beta.get("/staff/")
    assert response.status_code == 302
    assert response.url.startswith("/staff/login/")


def test_a_name_with_a_hyphen_is_taken_as_sign_up_takes_it(db, capsys):
    call_command(
        "create_library", "lycee-curie", "--name", "CDI du lycée Curie",
        "--domain", "lycee-curie.localhost", "--admin-email", "cdi@curie.example",
    )  # fmt: skip
    library = Library.objects.get(schema_name="lycee_curie")
    assert Domain.objects.get(domain="lycee-curie.localhost").tenant == library
    assert "Created library 'lycee_curie'" in capsys.readouterr().out


def _state() -> tuple[int, int, list[str]]:
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace ORDER BY 1")
        schemas = [row[0] for row in cursor.fetchall()]
    return Library.objects.count(), Domain.objects.count(), schemas


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["alpha", "--domain", "new.localhost"], "A library named \u201calpha\u201d already"),
        (["gamma", "--domain", "alpha.localhost"], "host name \u201calpha.localhost\u201d is"),
        (["Bad-Name", "--domain", "new.localhost"], "Invalid library name \u201cBad-Name\u201d"),
        (["pg_catalog2", "--domain", "new.localhost"], "name \u201cpg_catalog2\u201d is reserved"),
        (["public", "--domain", "new.localhost"], "The name \u201cpublic\u201d is reserved"),
        (["www", "--domain", "new.localhost"], "The name \u201cwww\u201d is reserved"),
        (["gamma", "--domain", "bad host!"], "Invalid host name \u201cbad host!\u201d"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_and_leaves_nothing(db, args, reason):
    before = _state()
    with pytest.raises(CommandError, match=reason.replace(".", r"\.").replace("(", r"\(")):
        call_command("create_library", *args, "--name", "Gamma", "--admin-email", "a@gamma.example")
    assert _state() == before


def test_invalid_email_is_refused_and_leaves_nothing(db):
    before = _state()
    with pytest.raises(CommandError, match="Invalid admin email \u201cnot-an-email\u201d"):
        call_command(
            "create_library", "gamma", "--name", "Gamma", "--domain", "gamma.localhost",
            "--admin-email", "not-an-email",
        )  # fmt: skip
    assert _state() == before


def test_command_exits_non_zero_with_a_one_line_reason(db):
    result = subprocess.run(
        [sys.executable, "manage.py", "create_library", "public", "--name", "X",
         "--domain", "x.localhost", "--admin-email", "a@x.example"],
        cwd=ROOT, env=subprocess_env(DJANGO_SETTINGS_MODULE="tests.settings"),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    assert (
        result.stderr.strip()
        == "CommandError: The name \u201cpublic\u201d is reserved; choose another."
    )
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("1", "This password is too short. It must contain at least 8 characters."),
        ("password123", "This password is too common."),
        ("a@gamma.example", "The password is too similar to the email"),
    ],
)
def test_a_weak_admin_password_is_refused_and_leaves_nothing(db, password, reason):
    before = _state()
    with pytest.raises(CommandError, match=re.escape(reason)):
        call_command(
            "create_library", "gamma", "--name", "Gamma", "--domain", "gamma.localhost",
            "--admin-email", "a@gamma.example", "--admin-password", password,
        )  # fmt: skip
    assert _state() == before
    assert not schema_exists("gamma")
