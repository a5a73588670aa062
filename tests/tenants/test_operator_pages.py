"""Platform operators' pages: libraries with counts, create, suspend, reactivate, delete."""

import pytest
from django.core import mail
from django.test import Client
from django_tenants.utils import schema_context, schema_exists

from catalog.models import Record
from staff.models import User
from tenants.models import Domain, Library
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST, PASSWORD
from tests.tenants.admin_helpers import operator_signed_in, signed_in

PLATFORM = "localhost"
PAGE = "/operators/libraries/"


@pytest.fixture
def operator(db) -> Client:  # type: ignore[no-untyped-def]
    return operator_signed_in(client_class=Client)


def _status(schema: str) -> str:
    return Library.objects.get(schema_name=schema).status


def test_the_list_shows_every_library_with_its_counts(operator):
    with schema_context("alpha"):
        Record.objects.create(title="Counted")
    page = operator.get(PAGE)
    assert page.status_code == 200
    rows = page.context["rows"]
    by_schema = {library.schema_name: counts for library, counts in rows}
    assert set(by_schema) >= {"alpha", "beta"}
    assert by_schema["alpha"].records == 1
    assert "alpha.localhost" in page.content.decode()


def test_suspend_then_reactivate(operator):
    response = operator.post(f"{PAGE}alpha/suspend/")
    assert response.status_code == 302
    assert _status("alpha") == "suspended"
    assert Client(HTTP_HOST=LIBRARY_HOST).get("/").status_code == 403
    operator.post(f"{PAGE}alpha/reactivate/")
    assert _status("alpha") == "active"
    assert Client(HTTP_HOST=LIBRARY_HOST).get("/").status_code == 200


def test_create_invites_the_admin(operator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = operator.post(
            PAGE,
            {"schema_name": "gamma", "name": "Gamma Library", "domain": "gamma.localhost",
             "admin_email": "head@gamma.example"},
        )  # fmt: skip
    assert response.status_code == 302
    assert Domain.objects.filter(domain="gamma.localhost", tenant__schema_name="gamma").exists()
    assert "/staff/invitations/" in mail.outbox[-1].body


@pytest.mark.parametrize(
    ("schema", "domain", "email"),
    [
        ("public", "x.localhost", "a@x.example"),  # reserved name
        ("beta", "beta2.localhost", "a@x.example"),  # taken schema
        ("delta", OTHER_LIBRARY_HOST, "a@x.example"),  # taken host
        ("delta", "delta.localhost", "not-an-email"),
    ],
)
def test_bad_creations_answer_400_and_make_nothing(operator, schema, domain, email):
    before = (Library.objects.count(), Domain.objects.count())
    response = operator.post(
        PAGE, {"schema_name": schema, "name": "X", "domain": domain, "admin_email": email}
    )
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert (Library.objects.count(), Domain.objects.count()) == before
    assert not schema_exists("delta")


def test_delete_needs_the_schema_name_typed(operator):
    response = operator.post(f"{PAGE}beta/delete/", {"confirm": "alpha"})
    assert response.status_code == 302
    assert Library.objects.filter(schema_name="beta").exists()
    operator.post(f"{PAGE}beta/delete/", {"confirm": "beta"})
    assert not Library.objects.filter(schema_name="beta").exists()
    assert not schema_exists("beta")


def test_unknown_library_and_verb_are_not_found(operator):
    assert operator.post(f"{PAGE}nobody/suspend/").status_code == 404
    assert operator.post(f"{PAGE}public/suspend/").status_code == 404
    assert operator.post(f"{PAGE}alpha/explode/").status_code == 404
    assert _status("alpha") == "active"


def test_only_platform_operators_get_in(db):
    anonymous = Client(HTTP_HOST=PLATFORM)
    response = anonymous.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert anonymous.post(f"{PAGE}alpha/suspend/").status_code == 302
    with schema_context("public"):
        User.objects.create_user(email="clerk@stacks.example", password=PASSWORD, role="viewer")
    clerk = signed_in(PLATFORM, "public", "clerk@stacks.example", client_class=Client)
    assert clerk.get(PAGE).status_code == 302
    assert clerk.post(f"{PAGE}alpha/suspend/").status_code == 302
    assert _status("alpha") == "active"


def test_a_library_admin_cannot_reach_operator_pages(db):
    """A library's own admin, on its own host or with its cookie on the platform host."""
    admin = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)
    assert admin.get(PAGE).status_code == 404  # library hosts have no operator pages
    cookie = admin.cookies["sessionid"].value
    platform = Client(HTTP_HOST=PLATFORM)
    platform.cookies["sessionid"] = cookie
    assert platform.get(PAGE).status_code == 302
    assert platform.post(f"{PAGE}beta/suspend/").status_code == 302
    assert _status("beta") == "active"
