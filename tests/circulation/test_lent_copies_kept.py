"""A copy that has been lent is never deleted with its loans: not by reverting the import that
added it, nor by deleting it or its record (API, services, staff pages). One on loan is with a
patron; one returned keeps its loans, anonymised or not, for the library's statistics."""

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from catalog.imports.jobs import import_job_create, import_job_revert
from catalog.imports.models import ImportJob
from catalog.models import Item, Record
from catalog.services import RecordData, item_delete, record_delete, record_update
from circulation.models import Loan
from circulation.services import loan_checkin, loan_checkout, loans_anonymize
from common.errors import Conflict
from staff.services import api_key_create, user_create
from tests.api.conftest import client_for
from tests.catalog.imports.helpers import job_run
from tests.circulation.conftest import Desk
from tests.conftest import LIBRARY_HOST, PASSWORD
from tests.tenants.admin_helpers import signed_in


def _writer(desk: Desk):  # type: ignore[no-untyped-def]
    with schema_context(desk.schema):
        issued = api_key_create(name="Cataloguing", scope="write")
    return client_for(LIBRARY_HOST, f"Api-Key {issued.secret}")


def withdraw_in_admin(librarian: Client, items: list[Item]) -> list[str]:
    """Withdraw `items` with the staff admin's bulk action; what the librarian is told."""
    chosen = [str(item.pk) for item in items]
    done = librarian.post(
        "/admin/catalog/item/", {"action": "items_withdraw", "_selected_action": chosen},
        follow=True,
    )  # fmt: skip
    return [str(message) for message in done.context["messages"]]


def _imported(desk: Desk) -> ImportJob:
    """A one-shot import of one record with two copies, IMP-1 and IMP-2."""
    with schema_context(desk.schema):
        job = import_job_create(
            file=io.BytesIO(b"title,barcode\nThe Word for World,IMP-1\nThe Word for World,IMP-2\n"),
            file_name="new.csv", one_shot=True,
        )  # fmt: skip
        job = job_run(job)
        assert Item.objects.filter(barcode__in=["IMP-1", "IMP-2"]).count() == 2
    return job


def test_an_import_whose_copy_is_on_loan_is_not_reverted(desk: Desk) -> None:
    job = _imported(desk)
    with schema_context(desk.schema):
        loan = loan_checkout(item_barcode="IMP-1", patron_barcode=desk.patron.barcode)
    writer = _writer(desk)

    refused = writer.post(f"/api/v1/imports/{job.pk}/revert/")

    assert refused.status_code == 409, refused.content
    body = refused.json()
    assert body["code"] == "revert_refused"
    assert "1 copy is on loan (IMP-1): check it in" in body["detail"]
    with schema_context(desk.schema):
        assert Loan.objects.filter(pk=loan.pk, returned_at__isnull=True).exists()
        assert Item.objects.get(barcode="IMP-1").status == "on_loan"
        assert ImportJob.objects.get(pk=job.pk).status == "committed"
        # Back on the shelf, its loan is part of the library's history: still not reverted.
        loan_checkin(item_barcode="IMP-1")
        loans_anonymize(now=timezone.now() + timedelta(days=400))
        assert Loan.objects.get(pk=loan.pk).patron_id is None
        with pytest.raises(Conflict, match=r"1 copy has been lent \(IMP-1\)") as again:
            import_job_revert(job_id=job.pk)
        assert again.value.code == "revert_refused"
        assert Loan.objects.filter(pk=loan.pk).exists()
        assert Item.objects.filter(barcode__in=["IMP-1", "IMP-2"]).count() == 2


def test_a_refused_revert_says_every_reason_with_counts_and_titles(desk: Desk) -> None:
    """A record of the import edited since and both its copies on loan: the refusal names the
    record by its title and says the copies are on loan, counting each, in the page's
    language."""
    job = _imported(desk)
    with schema_context(desk.schema):
        record = Item.objects.get(barcode="IMP-1").record
        record_update(record_id=record.pk, data=RecordData(title="The Word for World Is Forest"))
        for barcode in ("IMP-1", "IMP-2"):
            loan_checkout(item_barcode=barcode, patron_barcode=desk.patron.barcode)
        user_create(email="revert@alpha.example", role="librarian", password=PASSWORD)
    librarian = signed_in(LIBRARY_HOST, desk.schema, "revert@alpha.example", client_class=Client)

    refused = librarian.post(
        f"/staff/imports/{job.pk}/revert/", {"confirm": "yes"}, HTTP_ACCEPT_LANGUAGE="fr"
    )

    assert refused.status_code == 409
    page = refused.content.decode()
    assert (
        "1 notice de cet import a été modifiée depuis "
        f"(\u00ab\u00a0The Word for World Is Forest\u00a0\u00bb, notice {record.pk})."
    ) in page
    assert "2 exemplaires sont en prêt (IMP-1, IMP-2)" in page
    with schema_context(desk.schema):
        assert ImportJob.objects.get(pk=job.pk).status == "committed"


def test_an_import_whose_copies_were_never_lent_is_reverted(desk: Desk) -> None:
    job = _imported(desk)
    with schema_context(desk.schema):
        # Another copy of the library's being lent does not hold the import back.
        loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        assert import_job_revert(job_id=job.pk).status == "reverted"
        assert not Item.objects.filter(barcode__startswith="IMP-").exists()
        assert Loan.objects.filter(item=desk.item).exists()


def test_a_lent_copy_and_its_record_are_not_deleted_over_the_api(desk: Desk) -> None:
    with schema_context(desk.schema):
        loan = loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
    writer = _writer(desk)

    item = writer.delete(f"/api/v1/items/{desk.item.pk}/")
    record = writer.delete(f"/api/v1/records/{desk.record.pk}/")

    assert item.status_code == 409, item.content
    assert item.json()["code"] == "item_has_loans"
    assert f"Item {desk.item.barcode} cannot be deleted: 1 copy is on loan" in item.json()["detail"]
    assert record.status_code == 409, record.content
    assert record.json()["code"] == "item_has_loans"
    with schema_context(desk.schema):
        assert Loan.objects.filter(pk=loan.pk, item=desk.item).exists()
        assert Record.objects.filter(pk=desk.record.pk).exists()
        loan_checkin(item_barcode=desk.item.barcode)
        with pytest.raises(Conflict, match="1 copy has been lent") as returned:
            item_delete(item_id=desk.item.pk)
        assert returned.value.code == "item_has_loans"
        with pytest.raises(Conflict, match="mark it withdrawn"):
            record_delete(record_id=desk.record.pk)
        assert Loan.objects.filter(pk=loan.pk, item=desk.item).exists()
        # A copy never lent goes as before.
        spare = desk.items[1]
        item_delete(item_id=spare.pk)
        assert not Item.objects.filter(pk=spare.pk).exists()
        record_delete(record_id=desk.other_record.pk)
        assert not Record.objects.filter(pk=desk.other_record.pk).exists()


def test_the_staff_pages_do_not_delete_a_lent_copy(desk: Desk) -> None:
    with schema_context(desk.schema):
        user_create(email="pages@alpha.example", role="librarian", password=PASSWORD)
        loan = loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
    librarian = signed_in(LIBRARY_HOST, desk.schema, "pages@alpha.example", client_class=Client)

    item = librarian.post(f"/admin/catalog/item/{desk.item.pk}/delete/", {"post": "yes"})
    record = librarian.post(f"/admin/catalog/record/{desk.record.pk}/delete/", {"post": "yes"})

    for page in (item, record):
        assert page.status_code == 200  # the confirmation page again, saying why not
        assert f"1 copy is on loan ({desk.item.barcode}): check it in" in page.text

    with schema_context(desk.schema):
        assert Loan.objects.filter(pk=loan.pk, item=desk.item).exists()
        assert Record.objects.filter(pk=desk.record.pk).exists()


def test_withdrawing_copies_keeps_a_lent_one(desk: Desk, librarian: Client) -> None:
    """Withdrawn while a patron has it, a copy would leave their loan open behind a status
    that says otherwise: it is kept, and the others go."""
    with schema_context(desk.schema):
        loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
    said = withdraw_in_admin(librarian, desk.items[:2])
    assert said == [
        f"1 copy withdrawn. 1 copy is on loan and was kept (check it in first): "
        f"{desk.items[0].barcode}."
    ]
    with schema_context(desk.schema):
        assert Item.objects.get(pk=desk.items[0].pk).status == "on_loan"
        assert Item.objects.get(pk=desk.items[1].pk).status == "withdrawn"
        assert Loan.objects.filter(item=desk.item, returned_at__isnull=True).exists()
