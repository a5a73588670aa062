"""The library admin API: staff, API keys, domains, settings and audit, each on its own host."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from catalog.models import Location
from common.errors import ApplicationError
from staff.models import ApiKey, AuditEvent, Invitation, User
from staff.services import api_key_create
from tenants.administration import library_settings_update
from tenants.domains import library_for_host
from tenants.models import Domain, Library
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST, PASSWORD, domain_prove
from tests.tenants.admin_helpers import last_invitation_link, signed_in

ALPHA_ADMIN = "admin@alpha.example"
BETA_ADMIN = "admin@beta.example"


@pytest.fixture
def admin(library):  # type: ignore[no-untyped-def]
    return signed_in(LIBRARY_HOST, "alpha", ALPHA_ADMIN)


@pytest.fixture
def other_admin(other_library):  # type: ignore[no-untyped-def]
    return signed_in(OTHER_LIBRARY_HOST, "beta", BETA_ADMIN)


def _audit(schema: str) -> list[tuple[str, str, str]]:
    with schema_context(schema):
        return list(AuditEvent.objects.order_by("id").values_list("actor", "action", "target"))


# Staff


def test_invite_creates_a_pending_account_and_emails_a_one_time_link(
    admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            "/api/v1/staff/", {"email": "New@Alpha.example", "role": "librarian"}, format="json"
        )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "invited"
    assert response.json()["email"] == "new@alpha.example"
    assert mail.outbox[-1].to == ["new@alpha.example"]
    host, path = last_invitation_link()
    assert host == LIBRARY_HOST

    page = Client(HTTP_HOST=host).post(path, {"password": "a-long-new-password-1"})
    assert page.status_code == 302
    signed = Client(HTTP_HOST=LIBRARY_HOST)
    login = signed.post(
        "/staff/login/", {"username": "new@alpha.example", "password": "a-long-new-password-1"}
    )
    assert login.status_code == 302
    assert _audit("alpha")[-2:] == [
        (ALPHA_ADMIN, "staff.invite", "new@alpha.example"),
        ("new@alpha.example", "staff.invitation_accept", "new@alpha.example"),
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "role": "viewer"}, "email"),
        ({"email": ALPHA_ADMIN, "role": "viewer"}, "email"),
        ({"email": "x@alpha.example", "role": "owner"}, "role"),
    ],
)
def test_bad_invitations_are_refused_and_make_nothing(admin, body, field):
    with schema_context("alpha"):
        before = (User.objects.count(), Invitation.objects.count(), AuditEvent.objects.count())
    response = admin.post("/api/v1/staff/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    with schema_context("alpha"):
        after = (User.objects.count(), Invitation.objects.count(), AuditEvent.objects.count())
    assert after == before
    assert mail.outbox == []


def test_resend_replaces_the_link_and_the_old_one_stops_working(
    admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = admin.post("/api/v1/staff/", {"email": "r@alpha.example", "role": "viewer"})
    _, old_path = last_invitation_link()
    with django_capture_on_commit_callbacks(execute=True):
        resent = admin.post(f"/api/v1/staff/{created.json()['id']}/resend/")
    assert resent.status_code == 200
    _, new_path = last_invitation_link()
    assert new_path != old_path

    browser = Client(HTTP_HOST=LIBRARY_HOST)
    assert browser.get(old_path).status_code == 409
    assert "withdrawn" in browser.get(old_path).text
    assert browser.get(new_path).status_code == 200


def test_revoke_removes_the_pending_account_and_its_link(admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = admin.post("/api/v1/staff/", {"email": "v@alpha.example", "role": "viewer"})
    _, path = last_invitation_link()
    assert admin.post(f"/api/v1/staff/{created.json()['id']}/revoke/").status_code == 204
    with schema_context("alpha"):
        assert not User.objects.filter(email="v@alpha.example").exists()
    assert Client(HTTP_HOST=LIBRARY_HOST).get(path).status_code == 404


def test_deactivate_ends_sessions_and_sign_in(admin):
    with schema_context("alpha"):
        member = User.objects.create_user(
            email="m@alpha.example", password=PASSWORD, role="librarian"
        )
    member_client = Client(HTTP_HOST=LIBRARY_HOST)
    member_client.post("/staff/login/", {"username": "m@alpha.example", "password": PASSWORD})
    assert member_client.get("/staff/").status_code == 200

    response = admin.post(f"/api/v1/staff/{member.pk}/deactivate/")
    assert response.status_code == 200
    assert response.json()["status"] == "deactivated"
    assert member_client.get("/staff/").status_code == 302
    again = Client(HTTP_HOST=LIBRARY_HOST).post(
        "/staff/login/", {"username": "m@alpha.example", "password": PASSWORD}
    )
    assert again.status_code == 200  # the form again, with its error


def test_the_last_admin_cannot_deactivate_themselves(admin):
    with schema_context("alpha"):
        me = User.objects.get(email=ALPHA_ADMIN)
    response = admin.post(f"/api/v1/staff/{me.pk}/deactivate/")
    assert response.status_code == 400
    assert response.json()["code"] == "self_deactivate"
    with schema_context("alpha"):
        assert User.objects.get(pk=me.pk).is_active


def test_a_staff_account_is_read_by_id_and_a_missing_one_is_named(admin, other_admin):
    with schema_context("alpha"):
        me = User.objects.create_user(email="s@alpha.example", password=None, role="viewer")
    with schema_context("beta"):
        assert not User.objects.filter(pk=me.pk).exists()
    read = admin.get(f"/api/v1/staff/{me.pk}/")
    assert read.status_code == 200
    assert read.json()["email"] == "s@alpha.example"
    missing = admin.get("/api/v1/staff/9999/")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "No such staff account."
    # Another library's admin: the account is not theirs, so not found, in the same words.
    theirs = other_admin.get(f"/api/v1/staff/{me.pk}/")
    assert theirs.status_code == 404
    assert theirs.json()["detail"] == "No such staff account."


def test_staff_list_query_count(admin, django_assert_num_queries):
    with schema_context("alpha"):
        for n in range(5):
            User.objects.create_user(email=f"s{n}@alpha.example", password=None, role="viewer")
    admin.get("/api/v1/staff/")  # the host lookup is cached from here on
    # session, account, page of staff (the session's search_path is the library's already)
    with django_assert_num_queries(3):
        response = admin.get("/api/v1/staff/")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 6


def test_librarians_and_api_keys_cannot_administer(library):
    with schema_context("alpha"):
        User.objects.create_user(email="lib@alpha.example", password=PASSWORD, role="librarian")
        secret = api_key_create(name="Writer", scope="write").secret
    librarian = signed_in(LIBRARY_HOST, "alpha", "lib@alpha.example")
    keyed = Client(HTTP_HOST=LIBRARY_HOST, HTTP_AUTHORIZATION=f"Api-Key {secret}")
    anonymous = Client(HTTP_HOST=LIBRARY_HOST)
    for path in ("/api/v1/staff/", "/api/v1/api-keys/", "/api/v1/domains/",
                 "/api/v1/settings/", "/api/v1/audit/"):  # fmt: skip
        assert librarian.get(path).status_code == 403, path
        assert keyed.get(path).status_code == 403, path
        assert anonymous.get(path).status_code in (401, 403), path


# API keys


def test_api_key_secret_is_shown_once_and_works_until_revoked(admin):
    expires = (timezone.now() + timedelta(days=30)).isoformat()
    created = admin.post(
        "/api/v1/api-keys/",
        {"name": "Discovery", "scope": "read", "expires_at": expires},
        format="json",
    )
    assert created.status_code == 201
    body = created.json()
    secret = body["key"]
    assert body["scope"] == "read"
    assert body["created_by"] == ALPHA_ADMIN

    listed = admin.get("/api/v1/api-keys/").json()["results"]
    assert all("key" not in entry for entry in listed)
    with schema_context("alpha"):
        assert secret not in str(list(ApiKey.objects.values()))

    integrator = Client(HTTP_HOST=LIBRARY_HOST, HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert integrator.get("/api/v1/").status_code == 200
    used = admin.get("/api/v1/api-keys/").json()["results"][0]
    assert used["last_used_at"] is not None

    revoked = admin.post(f"/api/v1/api-keys/{body['id']}/revoke/")
    assert revoked.json()["revoked"] is True
    refused = integrator.get("/api/v1/")
    assert refused.status_code == 401
    assert refused.json()["detail"] == "Invalid, expired or revoked API key."
    assert [a for _, a, _ in _audit("alpha")][-2:] == ["api_key.create", "api_key.revoke"]
    # Revoked again (a second tab, a retried call): still revoked, and logged once.
    again = admin.post(f"/api/v1/api-keys/{body['id']}/revoke/")
    assert again.json()["revoked"] is True
    assert [a for _, a, _ in _audit("alpha")].count("api_key.revoke") == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "", "scope": "read"}, "name"),
        ({"name": "K", "scope": "admin"}, "scope"),
        ({"name": "K", "scope": "read", "expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
    ],
)
def test_bad_api_keys_are_refused_and_make_nothing(admin, body, field):
    response = admin.post("/api/v1/api-keys/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    with schema_context("alpha"):
        assert ApiKey.objects.count() == 0
        assert AuditEvent.objects.count() == 0


def test_one_api_key_is_read_by_its_id_without_its_secret(admin, other_admin):
    created = admin.post("/api/v1/api-keys/", {"name": "Kiosk", "patrons": True}, format="json")
    body = created.json()
    listed = admin.get("/api/v1/api-keys/").json()["results"][0]

    one = admin.get(f"/api/v1/api-keys/{body['id']}/")
    assert one.status_code == 200
    assert one.json() == listed
    assert (one.json()["name"], one.json()["patrons"]) == ("Kiosk", True)
    assert body["key"] not in one.content.decode()
    assert "key" not in one.json()


def test_another_librarys_api_key_is_not_found_by_its_id(admin, other_admin):
    with schema_context("beta"):
        beta_key = api_key_create(name="Beta key", scope="read").api_key
    with schema_context("alpha"):
        ApiKey.objects.filter(pk=beta_key.pk).delete()
    before = _beta_state()
    response = admin.get(f"/api/v1/api-keys/{beta_key.pk}/")
    assert response.status_code == 404
    assert "Beta key" not in response.content.decode()
    assert _beta_state() == before
    with schema_context("beta"):
        assert ApiKey.objects.get(pk=beta_key.pk).revoked_at is None


@pytest.mark.parametrize("patrons", ["yes", "true", 1, "1", None, "flase"])
def test_an_api_keys_patrons_flag_takes_json_booleans_only(admin, patrons):
    response = admin.post(
        "/api/v1/api-keys/", {"name": "K", "scope": "read", "patrons": patrons}, format="json"
    )
    assert response.status_code == 400
    message = response.json()["errors"]["patrons"][0]
    assert message.startswith("Give true or false (JSON booleans, without quotes), not ")
    with schema_context("alpha"):
        assert ApiKey.objects.count() == 0


def test_an_api_key_expiring_in_the_past_is_refused_in_words(admin):
    response = admin.post(
        "/api/v1/api-keys/",
        {"name": "K", "scope": "read", "expires_at": "2001-01-01T00:00:00Z"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "L\u2019expiration doit être dans le futur."
    assert body["errors"] == {"expires_at": [body["detail"]]}
    with schema_context("alpha"):
        assert ApiKey.objects.count() == 0


def test_api_key_list_query_count(admin, django_assert_num_queries):
    with schema_context("alpha"):
        for n in range(4):
            api_key_create(name=f"K{n}", scope="read")
    admin.get("/api/v1/api-keys/")
    # three statements (the session's search_path is the library's already)
    with django_assert_num_queries(3):
        response = admin.get("/api/v1/api-keys/")
    assert len(response.json()["results"]) == 4


# Domains


def test_domains_add_make_primary_and_remove(
    admin, library, dns_records, django_capture_on_commit_callbacks
):
    listed = admin.get("/api/v1/domains/").json()
    assert [(d["domain"], d["is_primary"], d["is_verified"]) for d in listed] == [
        (LIBRARY_HOST, True, True)
    ]
    # The lookup of the new host is cached as a miss before the domain exists.
    assert library_for_host("catalog.alpha-town.example") is None

    domain_prove(dns_records, library, "catalog.alpha-town.example")
    with django_capture_on_commit_callbacks(execute=True):
        added = admin.post("/api/v1/domains/", {"domain": "Catalog.Alpha-Town.example"})
    assert added.status_code == 201
    custom_id = added.json()["id"]
    assert added["Location"].endswith(f"/api/v1/domains/{custom_id}/")
    body = {
        k: v for k, v in added.json().items() if k in ("id", "domain", "is_primary", "is_verified")
    }
    assert body == {"id": custom_id, "domain": "catalog.alpha-town.example",
                    "is_primary": False, "is_verified": True}  # fmt: skip
    served = Client(HTTP_HOST="catalog.alpha-town.example").get("/")
    assert served.status_code == 200

    assert admin.post(f"/api/v1/domains/{custom_id}/make-primary/").status_code == 200
    assert Domain.objects.get(domain="catalog.alpha-town.example").is_primary
    assert not Domain.objects.get(domain=LIBRARY_HOST).is_primary

    with django_capture_on_commit_callbacks(execute=True):
        assert admin.delete(f"/api/v1/domains/{custom_id}/").status_code == 204
    assert Domain.objects.get(domain=LIBRARY_HOST).is_primary
    assert Client(HTTP_HOST="catalog.alpha-town.example").get("/").status_code == 404
    assert [a for _, a, _ in _audit("alpha")] == [
        "domain.add", "domain.make_primary", "domain.remove",
    ]  # fmt: skip


def test_the_platform_subdomain_stays(admin):
    platform_id = admin.get("/api/v1/domains/").json()[0]["id"]
    response = admin.delete(f"/api/v1/domains/{platform_id}/")
    assert response.status_code == 409
    assert response.json()["code"] == "platform_domain"
    assert Domain.objects.filter(domain=LIBRARY_HOST).exists()


@pytest.mark.parametrize(
    ("domain", "status", "code"),
    [
        ("beta.localhost", 400, "platform_domain"),
        ("other.localhost", 400, "platform_domain"),
        ("not a host", 400, "invalid_domain"),
    ],
)
def test_bad_domains_are_refused(admin, domain, status, code):
    before = Domain.objects.count()
    response = admin.post("/api/v1/domains/", {"domain": domain})
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert Domain.objects.count() == before


def test_an_internationalised_domain_is_refused_with_its_ascii_form(admin):
    before = Domain.objects.count()
    response = admin.post("/api/v1/domains/", {"domain": "Bibliothèque.example"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_domain"
    assert "\u201cxn--bibliothque-59a.example\u201d" in body["errors"]["domain"][0]
    assert Domain.objects.count() == before
    # The ASCII form it names is taken as it is.
    assert (
        admin.post("/api/v1/domains/", {"domain": "xn--bibliothque-59a.example"}).status_code == 201
    )


def test_a_domain_of_another_library_is_taken(admin, other_admin):
    assert other_admin.post("/api/v1/domains/", {"domain": "books.example"}).status_code == 201
    response = admin.post("/api/v1/domains/", {"domain": "books.example"})
    assert response.status_code == 409
    assert response.json()["code"] == "domain_taken"
    assert Domain.objects.get(domain="books.example").tenant.schema_name == "beta"


# Settings


def test_settings_change_name_public_catalog_and_default_location(
    admin, library, django_capture_on_commit_callbacks
):
    with schema_context("alpha"):
        Location.objects.create(code="MAIN", name="Main branch")
    assert library_for_host(LIBRARY_HOST).public_catalog is True  # cached from here on
    read = admin.get("/api/v1/settings/")
    assert read.json() == {
        "version": 1, "name": "Alpha Library", "public_catalog": True, "default_location_code": "",
        "share_records": False, "cors_origins": [], "language": "en", "time_zone": "UTC",
        "contact_email": "",
    }  # fmt: skip
    assert read["ETag"] == '"v1"'

    with django_capture_on_commit_callbacks(execute=True):
        response = admin.patch(
            "/api/v1/settings/",
            {
                "name": "Alpha Town Library",
                "public_catalog": False,
                "default_location_code": "MAIN",
            },
        )
    assert response.status_code == 200
    assert (response.json()["version"], response["ETag"]) == (2, '"v2"')
    library.refresh_from_db()
    assert (library.name, library.public_catalog, library.default_location_code) == (
        "Alpha Town Library", False, "MAIN",
    )  # fmt: skip
    # The host lookup was forgotten: anonymous readers are now refused.
    assert library_for_host(LIBRARY_HOST).public_catalog is False
    assert _audit("alpha")[-1][1] == "settings.update"


def test_a_settings_save_over_a_later_one_is_refused(admin, library):
    first = admin.patch("/api/v1/settings/", {"name": "Alpha Town"}, HTTP_IF_MATCH='"v1"')
    assert first.status_code == 200
    # A second editor who read version 1 would put the old values back: refused.
    stale = admin.patch("/api/v1/settings/", {"name": "Alpha Library"}, HTTP_IF_MATCH='"v1"')
    assert stale.status_code == 412
    assert stale.json()["code"] == "settings_changed"
    library.refresh_from_db()
    assert (library.name, library.settings_version) == ("Alpha Town", 2)


def test_a_stale_save_with_a_wrong_value_is_told_the_value_first(admin, library):
    assert admin.patch("/api/v1/settings/", {"name": "Alpha Town"}).status_code == 200
    # Read at version 1, now 2, and naming a location the library does not have: correcting
    # the version alone would not make the save go through.
    both = admin.patch("/api/v1/settings/", {"default_location_code": "NOPE"},
                       HTTP_IF_MATCH='"v1"', format="json")  # fmt: skip
    assert both.status_code == 400, both.content
    assert both.json()["code"] == "unknown_location"
    stale = admin.patch("/api/v1/settings/", {"default_location_code": ""},
                        HTTP_IF_MATCH='"v1"', format="json")  # fmt: skip
    assert stale.status_code == 412
    library.refresh_from_db()
    assert (library.default_location_code, library.settings_version) == ("", 2)


def test_a_settings_save_that_changes_nothing_keeps_the_version(admin, library):
    """A client that sends the settings back as it read them must not make every other
    editor's copy stale, nor fill the audit log."""
    read = admin.get("/api/v1/settings/").json()
    audited = len(_audit("alpha"))
    again = admin.patch(
        "/api/v1/settings/",
        {name: read[name] for name in ("name", "public_catalog", "language", "time_zone")},
        HTTP_IF_MATCH='"v1"', format="json",
    )  # fmt: skip
    assert again.status_code == 200, again.content
    assert (again.json()["version"], again["ETag"]) == (1, '"v1"')
    assert len(_audit("alpha")) == audited
    assert (
        admin.patch("/api/v1/settings/", {"name": "Alpha Town"}, format="json").status_code == 200
    )
    stale = admin.patch("/api/v1/settings/", {"name": "Alpha"}, HTTP_IF_MATCH='"v1"')
    assert "read them again" in stale.json()["detail"]
    assert "page" not in stale.json()["detail"]


def _default_served() -> str:
    """The default location as the library's requests see it (the cached host lookup)."""
    with schema_context("public"):
        library = library_for_host(LIBRARY_HOST)
    assert library is not None
    return library.default_location_code


def test_the_default_location_follows_its_location(
    admin, other_admin, library, other_library, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    """The default is kept by code: renaming the location's code, or deleting it, must not
    leave the library pointing at a code no location has (the add page would lose it)."""
    ids = {}
    for schema, client in (("alpha", admin), ("beta", other_admin)):
        with schema_context(schema):
            ids[schema] = Location.objects.create(code="MAIN", name="Main branch").pk
        with django_capture_on_commit_callbacks(execute=True):
            saved = client.patch(
                "/api/v1/settings/", {"default_location_code": "MAIN"}, format="json"
            )
        assert saved.status_code == 200, saved.content
    assert _default_served() == "MAIN"  # cached from here on

    location = f"/api/v1/locations/{ids['alpha']}/"
    with django_capture_on_commit_callbacks(execute=True):
        renamed = admin.patch(location, {"code": "CENTRAL"}, format="json")
    assert renamed.status_code == 200, renamed.content
    read = admin.get("/api/v1/settings/").json()
    assert (read["default_location_code"], read["version"]) == ("CENTRAL", 3)
    assert _default_served() == "CENTRAL"
    assert _audit("alpha")[-1][1:] == ("settings.update", "alpha")
    # The other library's location of the same code, and its default, are its own.
    assert other_admin.get("/api/v1/settings/").json()["default_location_code"] == "MAIN"

    with django_capture_on_commit_callbacks(execute=True):
        assert admin.delete(location).status_code == 204
    assert admin.get("/api/v1/settings/").json()["default_location_code"] == ""
    assert _default_served() == ""
    other_library.refresh_from_db()
    assert other_library.default_location_code == "MAIN"


def test_unknown_default_location_is_refused(admin, library):
    response = admin.patch("/api/v1/settings/", {"default_location_code": "NOPE"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_location"
    library.refresh_from_db()
    assert library.default_location_code == ""


@pytest.mark.parametrize("field", ["share_records", "public_catalog"])
@pytest.mark.parametrize("given", ["yes", "true", 1, 0, "no", None, ["x"]])
def test_a_boolean_setting_takes_only_true_or_false(admin, library, field, given):
    before = (library.share_records, library.public_catalog, library.settings_version)
    response = admin.patch("/api/v1/settings/", {field: given}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == [field]
    assert "true or false" in errors[field][0]
    library.refresh_from_db()
    assert (library.share_records, library.public_catalog, library.settings_version) == before


def test_the_settings_service_refuses_a_value_that_is_not_a_boolean(library):
    with pytest.raises(ApplicationError) as refused:
        library_settings_update(library=library, actor="test", share_records="yes")  # type: ignore[arg-type]
    assert list(refused.value.fields) == ["share_records"]
    library.refresh_from_db()
    assert library.share_records is False


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"language": "xx"}, "Choisissez l\u2019une des langues que parle Stacks"),
        ({"time_zone": "Mars/Olympus"}, "n\u2019est pas un fuseau horaire"),
        (
            {"default_location_code": "NOPE"},
            "Aucune localisation n\u2019a le code \u00ab\u00a0NOPE\u00a0\u00bb\u00a0: ajoutez-la",
        ),
    ],
)
def test_a_refused_setting_is_told_in_words_in_the_callers_language(admin, library, change, words):
    response = admin.patch("/api/v1/settings/", change, format="json", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    body = response.json()
    assert words in body["detail"]
    assert body["errors"] == {next(iter(change)): [body["detail"]]}
    library.refresh_from_db()
    assert (library.language, library.time_zone, library.default_location_code) == ("en", "UTC", "")


def test_every_wrong_setting_is_named_in_one_answer(admin, other_admin, library):
    before = Library.objects.values_list("name", "language", "time_zone", "settings_version")
    before = before.get(pk=library.pk)
    change = {"name": "Renamed", "language": "it", "time_zone": "Mars/Base",
              "contact_email": "nobody", "default_location_code": "NOPE"}  # fmt: skip
    response = admin.patch("/api/v1/settings/", change, format="json")
    assert response.status_code == 400
    body = response.json()
    assert sorted(body["errors"]) == [
        "contact_email", "default_location_code", "language", "time_zone"
    ]  # fmt: skip
    assert "\u201cit\u201d" in body["errors"]["language"][0]
    assert "\u201cMars/Base\u201d" in body["errors"]["time_zone"][0]
    for problems in body["errors"].values():
        assert problems[0] in body["detail"]
    # Another library's administrator sending the same is refused, and changes nothing.
    assert (
        other_admin.patch(
            "/api/v1/settings/", change, format="json", HTTP_HOST=LIBRARY_HOST
        ).status_code
        == 401
    )
    after = Library.objects.values_list("name", "language", "time_zone", "settings_version")
    assert after.get(pk=library.pk) == before


def test_settings_refused_by_the_serializer_and_the_service_are_named_in_one_answer(
    admin, other_admin, library
):
    before = Library.objects.values_list("public_catalog", "language", "settings_version")
    before = before.get(pk=library.pk)
    change = {"public_catalog": "yes", "cors_origins": [7], "language": "it", "name": "Renamed"}
    response = admin.patch("/api/v1/settings/", change, format="json")
    assert response.status_code == 400
    body = response.json()
    assert sorted(body["errors"]) == ["cors_origins.0", "language", "public_catalog"]
    assert "true or false" in body["errors"]["public_catalog"][0]
    assert "\u201cit\u201d" in body["errors"]["language"][0]
    assert body["detail"] == (
        "Check these fields: \u201cpublic_catalog\u201d, \u201ccors_origins.0\u201d, "
        "\u201clanguage\u201d."
    )
    assert other_admin.patch("/api/v1/settings/", change, format="json").status_code == 400
    after = Library.objects.values_list("public_catalog", "language", "settings_version")
    assert after.get(pk=library.pk) == before


# Audit


def test_audit_log_lists_newest_first_with_bounded_queries(admin, django_assert_num_queries):
    for name in ("One", "Two", "Three"):
        admin.post("/api/v1/api-keys/", {"name": name, "scope": "read"})
    admin.get("/api/v1/audit/")
    # three statements (the session's search_path is the library's already)
    with django_assert_num_queries(3):
        response = admin.get("/api/v1/audit/")
    events = response.json()["results"]
    assert [e["action"] for e in events] == ["api_key.create"] * 3
    assert [e["actor"] for e in events] == [ALPHA_ADMIN] * 3


# Across libraries


def _beta_state() -> tuple:
    with schema_context("beta"):
        return (
            list(User.objects.order_by("id").values_list("email", "is_active")),
            list(ApiKey.objects.order_by("id").values_list("prefix", "revoked_at")),
            AuditEvent.objects.count(),
            Invitation.objects.count(),
            list(
                Domain.objects.filter(tenant__schema_name="beta").values_list(
                    "domain", "is_primary"
                )
            ),
            Library.objects.filter(schema_name="beta").values_list("name", "public_catalog").get(),
        )


def test_ids_of_another_library_answer_not_found_and_change_nothing(admin, other_library):
    with schema_context("beta"):
        beta_user = User.objects.create_user(email="b@beta.example", password=None, role="viewer")
        beta_user.is_active = False
        beta_user.save()
        beta_key = api_key_create(name="Beta key", scope="read").api_key
    beta_domain = Domain.objects.get(domain=OTHER_LIBRARY_HOST)
    before = _beta_state()

    for path in (f"/api/v1/staff/{beta_user.pk}/resend/", f"/api/v1/staff/{beta_user.pk}/revoke/",
                 f"/api/v1/staff/{beta_user.pk}/deactivate/",
                 f"/api/v1/api-keys/{beta_key.pk}/revoke/",
                 f"/api/v1/domains/{beta_domain.pk}/make-primary/"):  # fmt: skip
        with schema_context("alpha"):
            # The same ids may exist in alpha; make sure they do not, so 404 is the answer.
            User.objects.filter(pk=beta_user.pk).exclude(email=ALPHA_ADMIN).delete()
            ApiKey.objects.filter(pk=beta_key.pk).delete()
        response = admin.post(path)
        assert response.status_code in (404, 400), (path, response.status_code)
    assert admin.delete(f"/api/v1/domains/{beta_domain.pk}/").status_code == 404
    assert _beta_state() == before


def test_credentials_of_another_library_are_refused_everywhere(library, other_library):
    with schema_context("beta"):
        beta_secret = api_key_create(name="Beta admin-ish", scope="write").secret
    beta_session = signed_in(OTHER_LIBRARY_HOST, "beta", BETA_ADMIN).cookies["sessionid"].value
    before = _beta_state()

    for path, method in (("/api/v1/staff/", "post"), ("/api/v1/api-keys/", "post"),
                         ("/api/v1/domains/", "post"), ("/api/v1/settings/", "patch"),
                         ("/api/v1/audit/", "get")):  # fmt: skip
        keyed = Client(HTTP_HOST=LIBRARY_HOST, HTTP_AUTHORIZATION=f"Api-Key {beta_secret}")
        assert getattr(keyed, method)(path, {}, content_type="application/json").status_code == 401
        cookie = Client(HTTP_HOST=LIBRARY_HOST)
        cookie.cookies["sessionid"] = beta_session
        response = getattr(cookie, method)(path, {}, content_type="application/json")
        assert response.status_code in (401, 403), path
    assert _beta_state() == before


def test_the_api_root_links_every_resource(admin):
    """An integrator starts at /api/v1/: every resource is linked from it, the library's
    settings and the change feed as well as the collections, and every link answers."""
    root = admin.get("/api/v1/")
    assert root.status_code == 200
    links = root.json()
    expected = ["records", "settings", "circulation-settings", "changes", "item-types"]
    expected += ["labels", "schema", "records/lookup", "auth/token", "patrons", "api-keys"]
    for name in expected:
        assert links[name] == f"http://{LIBRARY_HOST}/api/v1/{name}/", name
    answers = {
        name: admin.get(url.removeprefix(f"http://{LIBRARY_HOST}")).status_code
        for name, url in links.items()
    }
    # Actions take a POST; the lookup wants an ISBN or barcode to look for.
    for action in ("auth/token", "item-types", "labels"):
        assert answers.pop(action) == 405, action
    assert answers.pop("records/lookup") == 400
    assert set(answers.values()) == {200}, answers
