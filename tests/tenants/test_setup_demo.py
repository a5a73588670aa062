"""`manage.py setup_demo`, which `make up` runs on every start: the demo admin's login is as
printed, and a restart does not end the tokens the admin was given."""

import io

from django.core.management import call_command
from django_tenants.utils import schema_context

from staff.models import User
from staff.services import staff_token_authenticate, staff_token_create


def _setup(password: str) -> str:
    out = io.StringIO()
    call_command(
        "setup_demo", "--schema", "alpha", "--domain", "alpha.localhost",
        "--admin-email", "admin@alpha.example", "--admin-password", password, stdout=out,
    )  # fmt: skip
    return out.getvalue()


def test_a_restart_keeps_the_admin_s_tokens_and_a_changed_password_is_said_to_be_set(library):
    first = _setup("demo-password-1")
    assert "admin password: demo-password-1" in first
    with schema_context("alpha"):
        admin = User.objects.get(email="admin@alpha.example")
        assert admin.check_password("demo-password-1")
        secret = staff_token_create(user=admin).secret

    again = _setup("demo-password-1")
    assert "set again" not in again
    with schema_context("alpha"):
        assert staff_token_authenticate(secret) is not None

    with schema_context("alpha"):
        admin.set_password("chosen-by-the-admin")
        admin.save()
    reset = _setup("demo-password-1")
    assert "admin password: demo-password-1  (set again: it had been changed)" in reset
    with schema_context("alpha"):
        assert User.objects.get(email="admin@alpha.example").check_password("demo-password-1")


def test_make_up_gives_setup_demo_a_generated_password_that_begins_with_a_dash(library):
    # secrets.token_urlsafe draws "-" first once in 64 starts; `make up` then stopped.
    from config.up import setup_demo_args

    out = io.StringIO()
    call_command(
        *setup_demo_args("-yLLu5ZbBI4zq4zl"), "--schema", "alpha", "--domain", "alpha.localhost",
        "--admin-email", "admin@alpha.example", stdout=out,
    )  # fmt: skip
    assert "admin password: -yLLu5ZbBI4zq4zl" in out.getvalue()
    with schema_context("alpha"):
        assert User.objects.get(email="admin@alpha.example").check_password("-yLLu5ZbBI4zq4zl")


def test_make_up_gives_the_sign_up_page_s_whole_address(db, settings):
    from config.up import running_message

    settings.STACKS_SITE_PORT = "8381"
    out = io.StringIO()
    call_command("bootstrap_platform", stdout=out)
    assert out.getvalue().strip() == (
        "Platform ready: sign a library up at http://localhost:8381/signup/"
    )
    said = running_message("8381")
    assert "http://demo.localhost:8381/" in said
    assert "http://localhost:8381/signup/" in said
