"""The admin's buttons on the staff pages: POST only, a known verb, and a refusal said plainly."""

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from staff.models import ApiKey, User
from staff.services import api_key_create, user_create
from tenants.models import Domain
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST, PASSWORD
from tests.tenants.admin_helpers import signed_in


@pytest.fixture
def browser(library) -> Client:  # type: ignore[no-untyped-def]
    return signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)


def test_buttons_answer_only_posts_of_known_verbs(browser):
    with schema_context("alpha"):
        viewer = user_create(email="v@alpha.example", role="viewer", password=PASSWORD)
        key = api_key_create(name="k", scope="read").api_key
        domain = Domain.objects.get(tenant__schema_name="alpha", is_primary=True)
    for path in (f"/staff/people/{viewer.pk}/deactivate/", f"/staff/api-keys/{key.pk}/revoke/",
                 f"/staff/domains/{domain.pk}/remove/"):  # fmt: skip
        assert browser.get(path).status_code == 405, path
    assert browser.post(f"/staff/people/{viewer.pk}/promote/").status_code == 405
    assert browser.post(f"/staff/domains/{domain.pk}/rename/").status_code == 405
    with schema_context("alpha"):
        assert User.objects.get(pk=viewer.pk).is_active
        assert ApiKey.objects.get(pk=key.pk).revoked_at is None

    done = browser.post(f"/staff/people/{viewer.pk}/deactivate/")
    assert (done.status_code, done.url) == (302, "/staff/people/")
    with schema_context("alpha"):
        assert not User.objects.get(pk=viewer.pk).is_active


def test_a_refused_button_shows_why_with_the_refusals_status(browser, other_library):
    with schema_context("alpha"):
        me = User.objects.get(email="admin@alpha.example")
    refused = browser.post(f"/staff/people/{me.pk}/deactivate/")
    assert refused.status_code == 400
    assert "You cannot deactivate your own account." in refused.text
    assert 'name="email"' in refused.text  # the people page, with its invitation form

    with schema_context("beta"):
        theirs = api_key_create(name="beta key", scope="write").api_key
    stranger = browser.post(f"/staff/api-keys/{theirs.pk}/revoke/")
    assert stranger.status_code == 404
    assert stranger["Content-Type"].startswith("text/plain")
    with schema_context("beta"):
        assert ApiKey.objects.get(pk=theirs.pk).revoked_at is None
    with schema_context("alpha"):
        assert User.objects.get(pk=me.pk).is_active
    beta = signed_in(OTHER_LIBRARY_HOST, "beta", "admin@beta.example", client_class=Client)
    assert beta.get("/staff/people/").status_code == 200
