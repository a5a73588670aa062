"""Platform operators on the platform host: libraries with counts, suspend, reactivate, delete."""

import json
import zipfile

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.test import Client
from django_tenants.utils import schema_context, schema_exists
from rest_framework.test import APIClient

from catalog.models import Item, Location, Record
from staff.models import User
from tenants.models import Domain, Library
from tenants.platform import library_counts
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST, PASSWORD
from tests.tenants.admin_helpers import operator_signed_in, signed_in

PLATFORM = "localhost"


@pytest.fixture
def operator(db) -> APIClient:  # type: ignore[no-untyped-def]
    return operator_signed_in()


def _catalog(schema: str, records: int, items_each: int) -> None:
    with schema_context(schema):
        location = Location.objects.create(code="MAIN", name="Main")
        for n in range(records):
            record = Record.objects.create(title=f"Book {n}")
            for c in range(items_each):
                Item.objects.create(record=record, barcode=f"{n}-{c}", location=location)


def test_library_list_has_counts_from_one_query(operator, django_assert_num_queries):
    _catalog("alpha", records=3, items_each=2)
    _catalog("beta", records=1, items_each=0)
    operator.get("/api/v1/libraries/")
    # session, account, page of libraries, their domains and every library's counts in one
    # query (the session's search_path is the public schema's already)
    with django_assert_num_queries(5):
        response = operator.get("/api/v1/libraries/")
    assert response.status_code == 200
    rows = {row["schema_name"]: row for row in response.json()["results"]}
    assert set(rows) == {"alpha", "beta"}
    assert (rows["alpha"]["records"], rows["alpha"]["items"]) == (3, 6)
    assert (rows["beta"]["records"], rows["beta"]["items"]) == (1, 0)
    assert rows["alpha"]["storage_bytes"] > 0
    assert rows["alpha"]["domains"] == [LIBRARY_HOST]


def test_counts_query_does_not_grow_with_libraries(db, django_assert_num_queries):
    # one query (after django-tenants' SET search_path)
    with django_assert_num_queries(2):
        counts = library_counts(["alpha", "beta", "alpha"])
    assert set(counts) == {"alpha", "beta"}


def test_operator_creates_a_library_whose_admin_gets_a_link(
    operator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = operator.post(
            "/api/v1/libraries/",
            {"schema_name": "mu", "name": "Mu Library", "domain": "mu.localhost",
             "admin_email": "head@mu.example"},
        )  # fmt: skip
    assert response.status_code == 201, response.json()
    assert response.json()["records"] == 0
    assert operator.get(response["Location"]).json()["name"] == "Mu Library"
    assert mail.outbox[-1].to == ["head@mu.example"]
    assert "http://mu.localhost/staff/invitations/" in mail.outbox[-1].body


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"schema_name": "alpha", "domain": "new.localhost"}, "schema_name_taken"),
        ({"schema_name": "nu", "domain": OTHER_LIBRARY_HOST}, "domain_taken"),
        ({"schema_name": "public", "domain": "new.localhost"}, "reserved_schema_name"),
        ({"schema_name": "nu", "domain": "new.localhost", "admin_email": "x"}, "invalid_email"),
    ],
)
def test_operator_bad_creations_leave_nothing(operator, body, code):
    before = (Library.objects.count(), Domain.objects.count())
    request = {"name": "Nu", "admin_email": "a@nu.example", **body}
    response = operator.post("/api/v1/libraries/", request)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert (Library.objects.count(), Domain.objects.count()) == before
    assert not schema_exists("nu")


def test_suspended_library_answers_403_until_reactivated(operator):
    assert Client(HTTP_HOST=LIBRARY_HOST).get("/").status_code == 200  # host lookup cached
    response = operator.post("/api/v1/libraries/alpha/suspend/")
    assert response.json()["status"] == "suspended"

    for path in ("/", "/api/v1/", "/staff/login/"):
        refused = Client(HTTP_HOST=LIBRARY_HOST).get(path)
        assert refused.status_code == 403
        assert refused.json()["code"] == "library_suspended"
    assert Client(HTTP_HOST=OTHER_LIBRARY_HOST).get("/").status_code == 200

    assert operator.post("/api/v1/libraries/alpha/reactivate/").json()["status"] == "active"
    assert Client(HTTP_HOST=LIBRARY_HOST).get("/").status_code == 200


def test_delete_writes_a_full_bundle_first(operator):
    _catalog("beta", records=2, items_each=1)
    response = operator.delete("/api/v1/libraries/beta/")
    assert response.status_code == 200
    bundle = response.json()["bundle"]
    assert not schema_exists("beta")
    assert not Library.objects.filter(schema_name="beta").exists()
    assert not Domain.objects.filter(domain=OTHER_LIBRARY_HOST).exists()
    assert Client(HTTP_HOST=OTHER_LIBRARY_HOST).get("/").status_code == 404

    with default_storage.open(bundle) as handle, zipfile.ZipFile(handle) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        records = [json.loads(line) for line in archive.read("record.jsonl").splitlines()]
        items = [json.loads(line) for line in archive.read("item.jsonl").splitlines()]
    assert manifest["counts"]["record"] == 2
    assert sorted(r["title"] for r in records) == ["Book 0", "Book 1"]
    assert sorted(i["barcode"] for i in items) == ["0-0", "1-0"]
    default_storage.delete(bundle)


def test_unknown_library_is_not_found(operator):
    assert operator.post("/api/v1/libraries/nobody/suspend/").status_code == 404
    assert operator.delete("/api/v1/libraries/public/").status_code == 404
    assert schema_exists("public")


def test_only_platform_operators_may_manage_libraries(db):
    with schema_context("public"):
        User.objects.create_user(email="nobody@stacks.example", password=PASSWORD)
    not_staff = signed_in(PLATFORM, "public", "nobody@stacks.example")
    anonymous = APIClient(HTTP_HOST=PLATFORM)
    # A library admin's session, presented to the platform host.
    library_cookie = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example").cookies["sessionid"]
    borrowed = APIClient(HTTP_HOST=PLATFORM)
    borrowed.cookies["sessionid"] = library_cookie.value
    for client in (not_staff, anonymous, borrowed):
        assert client.get("/api/v1/libraries/").status_code in (401, 403)
        assert client.post("/api/v1/libraries/alpha/suspend/").status_code in (401, 403)
        assert client.delete("/api/v1/libraries/alpha/").status_code in (401, 403)
    assert Library.objects.get(schema_name="alpha").status == "active"
    assert schema_exists("alpha")


def test_library_operations_are_not_on_library_hosts(db):
    admin = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example")
    assert admin.get("/api/v1/libraries/").status_code == 404
    assert admin.post("/api/v1/libraries/beta/suspend/").status_code == 404
    assert Library.objects.get(schema_name="beta").status == "active"
