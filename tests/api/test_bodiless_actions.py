"""The actions that take no body (commit, cancel, revoke, ...) refuse a field sent to them as the
other writes refuse an unknown one, and still take no body, `{}`, or no content type at all."""

import io
from typing import Any

import pytest
from django.db.models import Model
from django_tenants.utils import schema_context
from drf_spectacular.generators import SchemaGenerator

from catalog.imports.jobs import import_job_create
from catalog.imports.models import ImportJob
from catalog.models import Change
from circulation.models import Hold, PatronImport, Stocktake
from circulation.patron_imports import patron_import_create
from circulation.services import PatronData, patron_create
from circulation.stocktake import stocktake_start
from staff.models import ApiKey, User
from staff.services import api_key_create, user_create
from tenants.models import Domain
from tests.catalog.imports.helpers import job_run

pytestmark = pytest.mark.django_db

REFUSED = ["Unknown field; this operation takes: none."]
# Every POST of a library's API that takes no body: path, and the model of what it acts on.
BODILESS = {
    "/api/v1/imports/{id}/commit/": ImportJob,
    "/api/v1/imports/{id}/preview/": ImportJob,
    "/api/v1/imports/{id}/revert/": ImportJob,
    "/api/v1/imports/{id}/cancel/": ImportJob,
    "/api/v1/holds/{id}/cancel/": Hold,
    "/api/v1/stocktakes/{id}/mark-missing/": Stocktake,
    "/api/v1/patron-imports/{id}/commit/": PatronImport,
    "/api/v1/patron-imports/{id}/cancel/": PatronImport,
    "/api/v1/staff/{id}/resend/": User,
    "/api/v1/staff/{id}/revoke/": User,
    "/api/v1/staff/{id}/deactivate/": User,
    "/api/v1/api-keys/{id}/revoke/": ApiKey,
    "/api/v1/domains/{id}/make-primary/": Domain,
    "/api/v1/domains/{id}/verify/": Domain,
}


def _objects(schema: str, catalog: Any) -> dict[type[Model], Model]:
    """One object of each kind a bodiless action acts on, in the library's schema."""
    with schema_context(schema):
        job = job_run(import_job_create(file=io.BytesIO(b"title\nDune\n"), file_name="books.csv"))
        patron = patron_create(data=PatronData(name="Ann Reader", barcode="P-BODILESS"))
        return {
            ImportJob: job,
            Hold: Hold.objects.create(record=catalog.record, patron=patron),
            Stocktake: stocktake_start(location_code=catalog.location.code),
            PatronImport: patron_import_create(
                content=b"name,barcode\nBo Reader,P-2\n", file_name="patrons.csv"
            ),
            User: user_create(email="new@alpha.example", role="librarian"),
            ApiKey: api_key_create(name="bodiless", scope="read").api_key,
            Domain: Domain.objects.filter(tenant__schema_name=schema).first(),
        }


def _rows(schema: str, objects: dict[type[Model], Model]) -> list[Any]:
    with schema_context(schema):
        rows = [list(type(o)._default_manager.filter(pk=o.pk).values()) for o in objects.values()]
        return [*rows, Change.objects.count()]


def test_every_post_the_document_gives_no_body_is_tested_here():
    document = SchemaGenerator(urlconf="config.urls_library").get_schema(request=None, public=True)
    bodiless = {path for path, item in document["paths"].items()
                if "post" in item and "requestBody" not in item["post"]}  # fmt: skip
    assert bodiless == set(BODILESS)


@pytest.mark.parametrize("path", list(BODILESS))
def test_a_field_sent_to_an_action_that_takes_none_is_refused_and_nothing_changes(
    callers, catalog, library, path
):
    schema = library.schema_name
    objects = _objects(schema, catalog)
    before = _rows(schema, objects)
    url = path.format(id=objects[BODILESS[path]].pk)
    response = callers["admin"].post(url, {"force": True}, format="json")
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == {"force": REFUSED}
    assert _rows(schema, objects) == before


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/api-keys/{id}/revoke/",
        "/api/v1/imports/{id}/cancel/",
        "/api/v1/patron-imports/{id}/cancel/",
    ],
)
@pytest.mark.parametrize("send", ["nothing", "empty object", "no content type"])
def test_an_action_that_takes_no_body_still_takes_none_or_an_empty_one(
    callers, catalog, library, path, send
):
    objects = _objects(library.schema_name, catalog)
    url = path.format(id=objects[BODILESS[path]].pk)
    client = callers["admin"]
    if send == "nothing":
        response = client.post(url, b"", content_type="application/json")
    elif send == "empty object":
        response = client.post(url, {}, format="json")
    else:
        response = client.generic("POST", url, content_type=None)
        assert "CONTENT_TYPE" not in response.wsgi_request.META
    assert response.status_code == 200, response.content[:300]
    done = response.json()
    assert done.get("revoked") is True or done["status"] in ("cancelled", "canceled")


def test_the_platform_suspends_a_library_only_without_fields(db):
    document = SchemaGenerator(urlconf="config.urls_platform").get_schema(request=None, public=True)
    for verb in ("suspend", "reactivate"):
        operation = document["paths"][f"/api/v1/libraries/{{schema_name}}/{verb}/"]["post"]
        assert "requestBody" not in operation
        refused = operation["responses"]["400"]["content"]["application/problem+json"]
        assert refused["examples"]["invalid"]["value"]["errors"] == {"force": REFUSED}
