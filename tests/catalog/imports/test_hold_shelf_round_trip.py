"""A copy on the hold shelf is exported as such, and a file saying so brings the copy into
another catalog as available (a hold does not travel in a file), with a warning on its row;
an import whose copy was since trapped for a hold is not reverted."""

import io

import pymarc
import pytest
from django_tenants.utils import schema_context

from catalog.imports.jobs import import_job_create, import_job_revert
from catalog.imports.models import ImportJob
from catalog.models import Item, Record
from circulation.models import Hold
from circulation.services import PatronData, hold_cancel, hold_trap_item, patron_create
from common.errors import Conflict
from tests.catalog.imports.helpers import job_run
from tests.catalog.imports.test_round_trip import IMPORTED, export
from tests.circulation.conftest import desk_make


def imported_with_status(fmt: str, data: bytes, barcode: str, status: str) -> ImportJob:
    """The one-shot import, into the current library, of an export that gives copy `barcode`
    the `status` (in MARC 21, in its 852 $9), committed with nothing rejected."""
    if fmt == "marc":
        statuses = {
            field["p"]: field["9"]
            for record in pymarc.MARCReader(data)
            for field in record.get_fields("852")
        }
        assert statuses[barcode] == status
    else:
        assert status.encode() in data
    job = import_job_create(
        file=io.BytesIO(data), file_name=IMPORTED[fmt], one_shot=True, create_locations=True
    )
    job = job_run(job)
    assert (job.status, job.rejected) == ("committed", 0), job.error
    return job


@pytest.mark.parametrize("fmt", sorted(IMPORTED))
def test_a_copy_on_the_hold_shelf_goes_out_as_such_and_comes_in_available(
    library, other_library, fmt: str
) -> None:
    desk = desk_make(library.schema_name)
    with schema_context(desk.schema):
        Hold.objects.create(record=desk.record, patron=desk.other_patron)
        hold_trap_item(item_barcode=desk.item.barcode)
        data = export(fmt)
    held = desk.item.barcode
    with schema_context(other_library.schema_name):
        job = imported_with_status(fmt, data, held, "on_hold_shelf")
        copies = dict(Item.objects.values_list("barcode", "status"))
        # Every copy came in; the one kept for a patron there is on the shelves here.
        assert copies == {item.barcode: "available" for item in desk.items}
        reasons = " ".join(job.rows.values_list("reason", flat=True))
        assert f"Copy {held} was on the hold shelf where the file comes from" in reasons
    with schema_context(desk.schema):
        assert Item.objects.get(barcode=held).status == "on_hold_shelf"


def test_an_import_whose_copy_waits_on_the_hold_shelf_is_not_reverted(in_library) -> None:
    job = import_job_create(
        file=io.BytesIO(b"title,barcode\nThe Dispossessed,HS-1\n"), file_name="new.csv",
        one_shot=True,
    )  # fmt: skip
    job = job_run(job)
    assert job.created == 1
    item = Item.objects.get(barcode="HS-1")
    patron = patron_create(data=PatronData(name="Takver Anarres", barcode="P-HS"))
    hold = Hold.objects.create(record_id=item.record_id, patron=patron)
    hold_trap_item(item_barcode="HS-1")
    with pytest.raises(Conflict, match="HS-1") as refused:
        import_job_revert(job_id=job.pk)
    assert refused.value.code == "revert_refused"
    assert Item.objects.get(pk=item.pk).status == "on_hold_shelf"
    assert Record.objects.filter(pk=item.record_id).exists()
    # Back on the shelf, the copy has still changed since the import, which is refused as an
    # edit would be.
    hold_cancel(hold_id=hold.pk)
    with pytest.raises(Conflict, match="changed after it"):
        import_job_revert(job_id=job.pk)
    assert Item.objects.get(pk=item.pk).status == "available"
