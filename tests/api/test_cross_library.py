"""Every operation of the schema, across libraries: library A's credentials on B's host, and
B's object ids on A's host, answer 401 or 404 and change nothing in either library."""

import re

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from catalog.models import Change, Item, Location, Record
from circulation.models import Hold, Loan, Patron
from staff.models import ApiKey, StaffToken, User
from tests.api.conftest import catalog_make, catalog_private, client_for
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST, PASSWORD

METHODS = ("get", "post", "put", "patch", "delete")
# The library's own administration answers 403 to any caller that is not one of its admins,
# whatever the id: that reveals nothing about which objects exist.
ADMIN_ONLY = ("/api/v1/staff/", "/api/v1/api-keys/", "/api/v1/domains/", "/api/v1/audit/",
              "/api/v1/settings/")  # fmt: skip
# Lending answers 403 to keys without the patron scope, whatever the id
# (tests/api/test_circulation_api.py crosses libraries with patron-scoped keys).
PATRON_SCOPE = ("/api/v1/patrons/", "/api/v1/patron-imports/", "/api/v1/loans/",
                "/api/v1/holds/", "/api/v1/loan-rules/", "/api/v1/closed-days/",
                "/api/v1/item-types/", "/api/v1/circulation-settings/")  # fmt: skip
# An export's file answers 403 to a read key, whatever the id: it holds staff data.
EXPORT_FILE = "/api/v1/exports/{id}/download/"


def operations(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    return [(path, method) for path, item in schema["paths"].items()
            for method in item if method in METHODS]  # fmt: skip


def snapshot(schema):
    with schema_context(schema):
        return {
            model.__name__: sorted(model.objects.values_list("pk", flat=True))
            for model in (Record, Item, Location, Change, ApiKey, User, StaffToken, Patron, Loan,
                          Hold)
        } | {"versions": sorted(Record.objects.values_list("pk", "version"))
             + sorted(Item.objects.values_list("pk", "version"))}  # fmt: skip


def body_for(path, catalog):
    if "/auth/token/" in path:
        return {"email": "admin@alpha.example", "password": PASSWORD}
    if "/items/" in path:
        return {"record": catalog.record.pk, "barcode": "CROSS-1", "status": "lost"}
    if "/locations/" in path:
        return {"code": "CROSS"}
    if "/loan-rules/" in path:
        return {"patron_category": "cross", "loan_days": 7}
    return {"title": "Cross-library write", "publication_year": 2000}


def fill(path, catalog):
    """The path with the ids (or barcode) of `catalog`'s objects."""

    def value(match):
        if match.group(0) == "{barcode}":
            return catalog.item.barcode
        if path.startswith("/api/v1/items/"):
            return str(catalog.item.pk)
        if path.startswith("/api/v1/locations/"):
            return str(catalog.location.pk)
        if path.startswith("/api/v1/contributors/"):
            return str(catalog.record.credits.get().contributor_id)
        if path.startswith("/api/v1/subjects/"):
            return str(catalog.record.subject_links.get().subject_id)
        return str(catalog.record.pk)

    return re.sub(r"\{[a-z_]+\}", value, path)


@pytest.fixture
def b_private(other_library):
    with catalog_private(other_library):
        yield


@pytest.fixture
def far_apart_catalogs(library, other_library):
    """A's and B's catalogs, with B's ids far above any of A's so an id never names both."""
    with schema_context(other_library.schema_name), connection.cursor() as cursor:
        for table in ("record", "item", "location", "contributor", "subject"):
            # Two statements: on Citus one naming the table would run on its worker, where
            # neither the search_path nor the sequence the coordinator draws ids from is.
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM catalog_{table}")  # noqa: S608
            top = cursor.fetchone()[0]
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('catalog_{table}', 'id'), %s)",
                [max(1000000, top + 1000000)],
            )
    a, b = catalog_make(library.schema_name), catalog_make(other_library.schema_name)
    return a, b


def a_session_cookie():
    client = Client(HTTP_HOST=LIBRARY_HOST)
    response = client.post("/staff/login/", {"username": "admin@alpha.example",
                                             "password": PASSWORD})  # fmt: skip
    assert response.status_code == 302
    return client.cookies


def call(client, method, path, body):
    if method in ("post", "put", "patch"):
        return getattr(client, method)(path, body, format="json")
    return getattr(client, method)(path)


def test_a_credentials_on_b_host_are_refused_for_every_operation(
    callers, far_apart_catalogs, b_private, library, other_library
):
    _, b = far_apart_catalogs
    ops = operations(callers["admin"])
    assert len(ops) >= 25
    cookies = a_session_cookie()
    headers = {name: c._credentials for name, c in callers.items() if name != "anonymous"}
    visitors = {name: client_for(OTHER_LIBRARY_HOST, h["HTTP_AUTHORIZATION"])
                for name, h in headers.items()}  # fmt: skip
    session = client_for(OTHER_LIBRARY_HOST)
    session.cookies = cookies
    visitors["session"] = session
    before = (snapshot(library.schema_name), snapshot(other_library.schema_name))
    for path, method in ops:
        with schema_context(other_library.schema_name):
            url = fill(path, b)
        for name, client in visitors.items():
            response = call(client, method, url, body_for(path, b))
            assert response.status_code == 401, (name, method, url, response.content[:200])
            assert response.json()["status"] == 401
    assert (snapshot(library.schema_name), snapshot(other_library.schema_name)) == before


def test_b_ids_on_a_host_are_not_found_for_every_operation(
    callers, far_apart_catalogs, library, other_library
):
    a, b = far_apart_catalogs
    ops = [(p, m) for p, m in operations(callers["admin"]) if "{" in p]
    assert len(ops) >= 15
    before = (snapshot(library.schema_name), snapshot(other_library.schema_name))
    for path, method in ops:
        with schema_context(other_library.schema_name):
            url = fill(path, b)
        for name in ("admin", "write_key", "read_key"):
            response = call(callers[name], method, url, body_for(path, a))
            refused = name != "admin" and path.startswith(ADMIN_ONLY)
            refused = refused or (name == "read_key" and method != "get")
            refused = refused or (name.endswith("_key") and path.startswith(PATRON_SCOPE))
            refused = refused or (name == "read_key" and path == EXPORT_FILE)
            expected = {403, 404} if refused else {404}
            assert response.status_code in expected, (name, method, url, response.content[:200])
    assert (snapshot(library.schema_name), snapshot(other_library.schema_name)) == before
