"""A record patrons wait for (a hold waiting or on the shelf) is not deleted with their holds:
not by deleting it, nor by reverting the import that made it. The librarian is told how many
patrons wait and what to do; another library's holds are no reason."""

import io

from django_tenants.utils import schema_context

from catalog.imports.jobs import import_job_create
from catalog.models import Record
from circulation.models import Hold
from circulation.services import hold_cancel, hold_place
from tests.catalog.imports.helpers import job_run
from tests.circulation.conftest import Desk
from tests.circulation.test_lent_copies_kept import _writer


def test_a_record_with_holds_is_not_deleted_until_they_end(desk: Desk) -> None:
    with schema_context(desk.schema):
        record = Record.objects.create(title="The Lathe of Heaven")
        first = hold_place(record_id=record.pk, patron_barcode=desk.patron.barcode)
        hold_place(record_id=record.pk, patron_barcode=desk.other_patron.barcode)
    writer = _writer(desk)

    refused = writer.delete(f"/api/v1/records/{record.pk}/")

    assert refused.status_code == 409, refused.content
    assert refused.json()["code"] == "record_has_holds"
    assert "2 patrons have holds on it: cancel their holds first" in refused.json()["detail"]
    with schema_context(desk.schema):
        assert Record.objects.filter(pk=record.pk).exists()
        assert Hold.objects.filter(record=record, status="waiting").count() == 2
        hold_cancel(hold_id=first.pk)
        for hold in Hold.objects.filter(record=record, status="waiting"):
            hold_cancel(hold_id=hold.pk)
    assert writer.delete(f"/api/v1/records/{record.pk}/").status_code == 204


def test_an_import_whose_record_patrons_wait_for_is_not_reverted(desk: Desk) -> None:
    with schema_context(desk.schema):
        job = job_run(
            import_job_create(
                file=io.BytesIO(b"title\nThe Word for World Is Forest\n"), file_name="new.csv",
                one_shot=True,
            )
        )  # fmt: skip
        record = Record.objects.get(title="The Word for World Is Forest")
        hold_place(record_id=record.pk, patron_barcode=desk.patron.barcode)

    refused = _writer(desk).post(f"/api/v1/imports/{job.pk}/revert/")

    assert refused.status_code == 409, refused.content
    assert refused.json()["code"] == "revert_refused"
    assert "1 patron has a hold on it" in refused.json()["detail"]
    with schema_context(desk.schema):
        assert Hold.objects.filter(record=record, status="waiting").count() == 1


def test_another_library_s_holds_do_not_keep_a_record(desk: Desk, other_desk: Desk) -> None:
    with schema_context(other_desk.schema):
        hold_place(record_id=other_desk.record.pk, patron_barcode=other_desk.patron.barcode)
    with schema_context(desk.schema):
        record = Record.objects.create(title="Rocannon's World")
    assert _writer(desk).delete(f"/api/v1/records/{record.pk}/").status_code == 204
    with schema_context(other_desk.schema):
        assert Hold.objects.filter(record=other_desk.record, status="waiting").count() == 1
