"""Patron data stays out of the catalog's exports and the catalog's own API answers."""

import pytest
from django_tenants.utils import schema_context

from catalog.imports.exports import export_job_create, export_job_write
from circulation.services import loan_checkout
from tests.api.conftest import callers_of
from tests.circulation.conftest import Desk
from tests.conftest import LIBRARY_HOST


@pytest.mark.parametrize("export_format", ["jsonl", "csv", "marcxml"])
def test_catalog_exports_carry_no_patron(desk: Desk, export_format: str) -> None:
    with schema_context(desk.schema):
        loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        job = export_job_create(format=export_format, filters={}, queue=False)
        job = export_job_write(job_id=job.pk)
        with job.file.open("rb") as exported:
            content = exported.read().decode()
    assert desk.item.barcode in content
    for secret in (desk.patron.name, desk.patron.barcode, desk.patron.email, "Shevek"):
        assert secret not in content


def test_catalog_api_answers_carry_no_patron(library, desk: Desk) -> None:
    with schema_context(desk.schema):
        loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
    callers = callers_of(library.schema_name, LIBRARY_HOST)
    for role in ("anonymous", "read_key", "write_key", "admin"):
        for path in (f"/api/v1/items/{desk.item.pk}/", f"/api/v1/records/{desk.record.pk}/",
                     "/api/v1/changes/", f"/api/v1/records/{desk.record.pk}/items/"):  # fmt: skip
            body = callers[role].get(path).content.decode()
            assert desk.patron.name not in body, (role, path)
            assert desk.patron.barcode not in body, (role, path)
