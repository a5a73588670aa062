"""Who may do what: anonymous readers, viewers, librarians, admins, read keys, write keys."""

import pytest
from django_tenants.utils import schema_context

from catalog.imports.models import ExportJob
from catalog.models import Location, Record
from tenants.models import Library
from tests.api.conftest import catalog_private, client_for
from tests.conftest import LIBRARY_HOST

READERS = {"viewer", "librarian", "admin", "read_key", "write_key"}
WRITERS = {"librarian", "admin", "write_key"}
ALL = ("anonymous", "viewer", "librarian", "admin", "read_key", "write_key")


@pytest.fixture
def private_catalog(library):
    with catalog_private(library):
        yield


def _reads(catalog):
    return [
        "/api/v1/records/",
        f"/api/v1/records/{catalog.record.pk}/",
        f"/api/v1/records/{catalog.record.pk}/items/",
        "/api/v1/records/facets/?q=darkness",
        "/api/v1/items/",
        f"/api/v1/items/{catalog.item.pk}/",
        f"/api/v1/items/by-barcode/{catalog.item.barcode}/",
        "/api/v1/locations/",
        "/api/v1/contributors/",
        "/api/v1/subjects/",
    ]


@pytest.mark.parametrize("role", ALL)
def test_reads_of_a_public_catalog(callers, catalog, role):
    for url in _reads(catalog):
        assert callers[role].get(url).status_code == 200, url


@pytest.mark.parametrize("role", ALL)
def test_reads_of_a_private_catalog(callers, catalog, private_catalog, role):
    expected = 200 if role in READERS else 401
    for url in _reads(catalog):
        response = callers[role].get(url)
        assert response.status_code == expected, url
        if expected == 401:
            assert response.json()["code"] == "not_authenticated"
            assert response["WWW-Authenticate"]


@pytest.mark.parametrize("role", ALL)
def test_change_feed_is_for_staff_and_keys(callers, catalog, role):
    expected = 200 if role in READERS else 401
    assert callers[role].get("/api/v1/changes/").status_code == expected


@pytest.mark.parametrize("role", ALL)
def test_writes(callers, catalog, library, role):
    client = callers[role]
    denied = 401 if role == "anonymous" else 403
    record_url = f"/api/v1/records/{catalog.record.pk}/"
    attempts = [
        (client.post, "/api/v1/records/", {"title": "New"}, 201),
        (client.patch, record_url, {"edition": "2nd"}, 200),
        (client.post, "/api/v1/items/", {"record": catalog.record.pk, "barcode": "P-1"}, 201),
        (client.patch, f"/api/v1/items/{catalog.item.pk}/", {"status": "missing"}, 200),
        (client.post, "/api/v1/locations/", {"code": "NEW"}, 201),
        (client.put, f"/api/v1/locations/{catalog.location.pk}/", {"code": "MAIN2"}, 200),
    ]
    for method, url, body, ok in attempts:
        response = method(url, body, format="json")
        assert response.status_code == (ok if role in WRITERS else denied), url
    response = client.delete(f"/api/v1/records/{catalog.other_record.pk}/")
    assert response.status_code == (204 if role in WRITERS else denied)
    with schema_context(library.schema_name):
        if role not in WRITERS:
            assert Record.objects.count() == 2
            assert Record.objects.get(pk=catalog.record.pk).version == 1
            assert list(Location.objects.values_list("code", flat=True)) == ["MAIN"]
        else:
            assert Record.objects.count() == 2  # one created, one deleted


def test_staff_token_for_this_librarys_staff_only(api_client, other_api_client, library):
    from tests.conftest import PASSWORD

    good = {"email": "admin@alpha.example", "password": PASSWORD}
    response = api_client.post("/api/v1/auth/token/", good, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert response.json()["role"] == "admin"
    again = api_client.post("/api/v1/auth/token/", good, format="json")
    assert again.json()["token"] != token

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api_client.post("/api/v1/locations/", {"code": "T"}, format="json").status_code == 201
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/v1/changes/").status_code == 200

    wrong = api_client.post("/api/v1/auth/token/", {**good, "password": "nope"}, format="json")
    assert wrong.status_code == 401
    elsewhere = other_api_client.post("/api/v1/auth/token/", good, format="json")
    assert elsewhere.status_code == 401
    other_api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert other_api_client.get("/api/v1/records/").status_code == 401


def test_revoked_key_is_refused(callers, library, api_client):
    from staff.services import api_key_create, api_key_revoke

    with schema_context(library.schema_name):
        issued = api_key_create(name="temp", scope="write")
        api_key_revoke(api_key_id=issued.api_key.pk)
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {issued.secret}")
    assert api_client.get("/api/v1/records/").status_code == 401


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        ("Api-Key one two", "Invalid API key header."),
        ("Api-Key", "Invalid API key header."),
        (b"Api-Key \xff\xfe", "Invalid API key."),
        ("Bearer one two", "Invalid token header."),
        (b"Token \xff", "Invalid token."),
        ("Api-Key not-a-key", "Invalid, expired or revoked API key."),
        ("Bearer not-a-token", "Invalid or expired token."),
    ],
)
def test_a_malformed_credential_is_refused_and_named(api_client, catalog, header, detail):
    response = api_client.post(
        "/api/v1/locations/", {"code": "NEW", "name": "New"}, HTTP_AUTHORIZATION=header
    )
    assert response.status_code == 401
    assert response.json()["detail"] == detail
    with schema_context("alpha"):
        assert not Location.objects.filter(code="NEW").exists()


@pytest.mark.parametrize("header", ["ApiKey stk_abc", "Token-Key abc", "Digest user=x"])
def test_a_mistyped_scheme_is_refused_not_read_as_anonymous(api_client, catalog, header):
    """A public catalog answers anonymous readers; a caller who meant to give a key but wrote
    its scheme wrong is told so, rather than quietly served as one of them."""
    assert api_client.get("/api/v1/records/").status_code == 200
    response = api_client.get("/api/v1/records/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    scheme = header.split()[0]
    assert response.json()["detail"] == (
        f"The Authorization header's scheme {scheme} is not one this API takes: "
        "use Api-Key <key> or Bearer <token>."
    )
    assert response["WWW-Authenticate"] == "Api-Key"
    # A proxy's Basic credentials in front of the site are not the API's business.
    assert api_client.get("/api/v1/records/", HTTP_AUTHORIZATION="Basic dTpw").status_code == 200


def _settings():  # type: ignore[no-untyped-def]
    return Library.objects.filter(schema_name="alpha").values_list("name", "settings_version")[0]


def test_a_write_key_on_the_settings_is_told_an_administrator_is_needed(callers, other_callers):
    before = _settings()
    for method in ("get", "patch"):
        response = getattr(callers["write_key"], method)(
            "/api/v1/settings/", {"name": "Renamed"}, format="json"
        )
        assert response.status_code == 403, method
        assert "Only an administrator of this library" in response.json()["detail"]
    # Another library's administrator is no one here.
    token = other_callers["admin"]._credentials["HTTP_AUTHORIZATION"]
    stranger = client_for(LIBRARY_HOST, token).patch(
        "/api/v1/settings/", {"name": "Renamed"}, format="json"
    )
    assert stranger.status_code == 401
    assert _settings() == before


def test_a_read_key_starting_an_export_is_told_the_write_scope_is_needed(
    callers, other_callers, catalog
):
    response = callers["read_key"].post("/api/v1/exports/", {"format": "csv"}, format="json")
    assert response.status_code == 403
    assert "an API key with the write scope" in response.json()["detail"]
    other = other_callers["read_key"]._credentials["HTTP_AUTHORIZATION"]
    stranger = client_for(LIBRARY_HOST, other).post(
        "/api/v1/exports/", {"format": "csv"}, format="json"
    )
    assert stranger.status_code == 401
    with schema_context("alpha"):
        assert not ExportJob.objects.exists()


def test_a_read_key_changing_a_record_is_told_what_is_needed(callers, catalog):
    url = f"/api/v1/records/{catalog.record.pk}/"
    response = callers["read_key"].patch(url, {"title": "Changed"}, format="json")
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert detail.startswith("You do not have permission to change this library's catalog: ")
    assert "write scope" in detail
    with schema_context("alpha"):
        assert Record.objects.get(pk=catalog.record.pk).title != "Changed"
