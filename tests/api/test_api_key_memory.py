"""API keys held in each web process's memory: a key in use costs no query, a revoked key is
refused by every process from its next request, and a key held for one library is never used
on another."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from api import authentication
from staff.models import ApiKey
from staff.services import api_key_create
from tests.api.test_library_admin_api import admin  # noqa: F401 - the fixture
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST


def _key_queries(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "staff_apikey" in q["sql"]]


def _integrator(host: str, secret: str) -> Client:
    return Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Api-Key {secret}")


def test_a_key_in_use_is_not_read_again(library):
    with schema_context(library.schema_name):
        secret = api_key_create(name="Discovery", scope="read").secret
    integrator = _integrator(LIBRARY_HOST, secret)
    assert integrator.get("/api/v1/records/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        again = integrator.get("/api/v1/records/")
    assert again.status_code == 200
    assert again.has_header("RateLimit-Remaining")
    assert _key_queries(queries) == []
    with schema_context(library.schema_name):
        assert ApiKey.objects.get().last_used_at is not None


def test_a_revoked_key_is_refused_by_every_process_at_once(
    admin,  # noqa: F811 - the fixture
    django_capture_on_commit_callbacks,
):
    created = admin.post("/api/v1/api-keys/", {"name": "Kiosk", "scope": "read"}, format="json")
    integrator = _integrator(LIBRARY_HOST, created.json()["key"])
    assert integrator.get("/api/v1/records/").status_code == 200
    # Another web process holds the key as it was before the revocation.
    elsewhere = dict(authentication._keys)
    assert elsewhere
    with django_capture_on_commit_callbacks(execute=True):
        revoked = admin.post(f"/api/v1/api-keys/{created.json()['id']}/revoke/")
    assert revoked.status_code == 200
    authentication._keys.update(elsewhere)
    refused = integrator.get("/api/v1/records/")
    assert refused.status_code == 401
    assert refused.json()["detail"] == "Invalid, expired or revoked API key."


def test_a_key_held_for_one_library_is_refused_on_another(library, other_library):
    with schema_context(library.schema_name):
        secret = api_key_create(name="Alpha only", scope="write").secret
    assert _integrator(LIBRARY_HOST, secret).get("/api/v1/records/").status_code == 200
    elsewhere = _integrator(OTHER_LIBRARY_HOST, secret).get("/api/v1/records/")
    assert elsewhere.status_code == 401
    with schema_context(other_library.schema_name):
        assert not ApiKey.objects.exists()
