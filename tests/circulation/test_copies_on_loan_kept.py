"""A copy on loan is not deleted, nor its record, nor by reverting the import that added it:
its open loan would go with it, and the library would no longer know who has the book."""

import io

import pytest
from django_tenants.utils import schema_context

from catalog.imports.jobs import import_job_create, import_job_revert
from catalog.models import Item, Record
from catalog.services import item_delete
from circulation.models import Loan
from circulation.services import PatronData, loan_checkin, loan_checkout, patron_create
from common.errors import Conflict
from staff.services import api_key_create
from tests.api.conftest import client_for
from tests.catalog.imports.helpers import job_run
from tests.circulation.conftest import Desk
from tests.conftest import LIBRARY_HOST


def open_loans(desk: Desk) -> list[tuple[str, int]]:
    with schema_context(desk.schema):
        rows = Loan.objects.filter(returned_at__isnull=True)
        return list(rows.values_list("item__barcode", "patron_id"))


def test_neither_a_copy_on_loan_nor_its_record_is_deleted(desk: Desk) -> None:
    with schema_context(desk.schema):
        loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        issued = api_key_create(name="Cataloguing", scope="write")
    writer = client_for(LIBRARY_HOST, f"Api-Key {issued.secret}")
    for url in (f"/api/v1/items/{desk.item.pk}/", f"/api/v1/records/{desk.record.pk}/"):
        response = writer.delete(url)
        assert response.status_code == 409, (url, response.content)
        assert response.json()["code"] == "item_on_loan"
    assert open_loans(desk) == [(desk.item.barcode, desk.patron.pk)]
    with schema_context(desk.schema):
        assert Item.objects.filter(pk=desk.item.pk, record=desk.record).exists()
        loan_checkin(item_barcode=desk.item.barcode)
    # Once it is back, the copy and its record go like any others.
    assert writer.delete(f"/api/v1/items/{desk.item.pk}/").status_code == 204
    assert writer.delete(f"/api/v1/records/{desk.record.pk}/").status_code == 204


def test_an_import_whose_copy_is_on_loan_is_not_reverted(in_library) -> None:
    job = import_job_create(
        file=io.BytesIO(b"title,barcode\nThe Dispossessed,OL-1\n"), file_name="new.csv",
        one_shot=True,
    )  # fmt: skip
    job = job_run(job)
    assert job.created == 1
    item = Item.objects.get(barcode="OL-1")
    patron_create(data=PatronData(name="Takver Anarres", barcode="P-OL"))
    loan_checkout(item_barcode="OL-1", patron_barcode="P-OL")
    with pytest.raises(Conflict, match="OL-1") as refused:
        import_job_revert(job_id=job.pk)
    assert refused.value.code == "revert_refused"
    assert Loan.objects.filter(item=item, returned_at__isnull=True).exists()
    assert Record.objects.filter(pk=item.record_id).exists()
    with pytest.raises(Conflict):
        item_delete(item_id=item.pk)
    loan_checkin(item_barcode="OL-1")
    assert import_job_revert(job_id=job.pk).status == "reverted"
    assert not Item.objects.filter(pk=item.pk).exists()
