"""What belongs to library A is worthless on library B's host: cache, session, link, key."""

from datetime import timedelta

from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from staff.invitations import staff_invite
from staff.models import Invitation, User
from staff.services import api_key_create
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST
from tests.tenants.admin_helpers import last_invitation_link, signed_in


def test_a_cache_entry_of_one_library_is_not_seen_by_another(library, other_library):
    with schema_context("alpha"):
        cache.set("settings:banner", "Alpha only")
    with schema_context("beta"):
        assert cache.get("settings:banner") is None
        cache.set("settings:banner", "Beta only")
    with schema_context("alpha"):
        assert cache.get("settings:banner") == "Alpha only"


def test_a_session_cookie_of_one_library_is_worthless_on_another(library, other_library):
    alpha = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)
    assert alpha.get("/staff/people/").status_code == 200
    beta = Client(HTTP_HOST=OTHER_LIBRARY_HOST)
    beta.cookies["sessionid"] = alpha.cookies["sessionid"].value
    assert beta.get("/staff/people/").status_code == 302
    assert beta.get("/api/v1/staff/").status_code in (401, 403)


def test_an_invitation_link_of_one_library_is_worthless_on_another(
    library, other_library, django_capture_on_commit_callbacks
):
    with schema_context("alpha"), django_capture_on_commit_callbacks(execute=True):
        staff_invite(email="new@alpha.example", role="admin", invited_by=None, host=LIBRARY_HOST)
    _, path = last_invitation_link()
    on_beta = Client(HTTP_HOST=OTHER_LIBRARY_HOST)
    assert on_beta.get(path).status_code == 404
    assert on_beta.post(path, {"password": "a-long-new-password"}).status_code == 404
    with schema_context("beta"):
        assert not User.objects.filter(email="new@alpha.example").exists()
    with schema_context("alpha"):
        invitation = Invitation.objects.get()
        assert invitation.accepted_at is None
        assert not invitation.user.is_active
    assert len(mail.outbox) == 1


def test_an_api_key_of_one_library_is_worthless_on_another(library, other_library):
    with schema_context("alpha"):
        secret = api_key_create(name="Alpha key", scope="write").secret
    assert (
        Client(HTTP_HOST=LIBRARY_HOST, HTTP_AUTHORIZATION=f"Api-Key {secret}")
        .get("/api/v1/")
        .status_code
        == 200
    )
    on_beta = Client(HTTP_HOST=OTHER_LIBRARY_HOST, HTTP_AUTHORIZATION=f"Api-Key {secret}")
    response = on_beta.get("/api/v1/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_expired_invitation_says_so_and_changes_nothing(
    library, django_capture_on_commit_callbacks
):
    with schema_context("alpha"), django_capture_on_commit_callbacks(execute=True):
        issued = staff_invite(email="late@alpha.example", role="viewer", invited_by=None,
                              host=LIBRARY_HOST)  # fmt: skip
        Invitation.objects.filter(pk=issued.invitation.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
    _, path = last_invitation_link()
    page = Client(HTTP_HOST=LIBRARY_HOST).post(path, {"password": "a-long-new-password"})
    assert page.status_code == 409
    assert "expired" in page.text
    with schema_context("alpha"):
        user = User.objects.get(email="late@alpha.example")
        assert not user.is_active
        assert not user.has_usable_password()


def test_weak_password_is_refused_and_the_link_still_works(
    library, django_capture_on_commit_callbacks
):
    with schema_context("alpha"), django_capture_on_commit_callbacks(execute=True):
        staff_invite(email="w@alpha.example", role="viewer", invited_by=None, host=LIBRARY_HOST)
    _, path = last_invitation_link()
    browser = Client(HTTP_HOST=LIBRARY_HOST)
    weak = browser.post(path, {"password": "123"})
    assert weak.status_code == 400
    assert 'role="alert"' in weak.text
    assert browser.post(path, {"password": "a-long-new-password"}).status_code == 302
