"""A copy lent in one library is exported as on loan, and a file saying so brings the copy
into another catalog as available (a loan does not travel in a file), with a warning on its
row and a count in the preview; the desk there lends it like any copy on the shelves."""

import io

import pytest
from django_tenants.utils import schema_context

from catalog.imports.jobs import import_job_commit, import_job_create
from catalog.imports.selectors import import_job_desk_statuses_warned
from catalog.models import Item
from catalog.services import ItemData, RecordData, item_create, record_create
from circulation.models import Loan
from circulation.services import PatronData, loan_checkin, loan_checkout, patron_create
from common.errors import Conflict
from tests.catalog.imports.helpers import job_run
from tests.catalog.imports.test_hold_shelf_round_trip import imported_with_status
from tests.catalog.imports.test_round_trip import IMPORTED, export
from tests.circulation.conftest import desk_make


@pytest.mark.parametrize("fmt", sorted(IMPORTED))
def test_a_lent_copy_goes_out_on_loan_and_comes_in_available(
    library, other_library, fmt: str
) -> None:
    desk = desk_make(library.schema_name)
    lent = desk.item.barcode
    with schema_context(desk.schema):
        loan_checkout(item_barcode=lent, patron_barcode=desk.patron.barcode)
        data = export(fmt)
    with schema_context(other_library.schema_name):
        job = imported_with_status(fmt, data, lent, "on_loan")
        assert dict(Item.objects.values_list("barcode", "status")) == {
            item.barcode: "available" for item in desk.items
        }
        reasons = " ".join(job.rows.values_list("reason", flat=True))
        assert (
            f"Copy {lent} was on loan in the file: loans are made at the desk, so it is "
            "imported as available."
        ) in reasons
        # Nobody here has it: the desk does not take it back, and lends it as it lends any.
        with pytest.raises(Conflict, match=f"Item {lent} is not on loan"):
            loan_checkin(item_barcode=lent)
        reader = patron_create(data=PatronData(name="Bedap Anarres", barcode="B-P1"))
        loan = loan_checkout(item_barcode=lent, patron_barcode="B-P1")
        assert (loan.patron_id, loan.due_on is not None) == (reader.pk, True)
        assert Loan.objects.filter(returned_at__isnull=True).count() == 1
    with schema_context(desk.schema):
        assert Item.objects.get(barcode=lent).status == "on_loan"


def test_the_preview_counts_the_new_copies_given_a_desk_status(in_library) -> None:
    record = record_create(data=RecordData(title="Dune", identifiers=[("isbn", "9780441172719")]))
    item_create(record_id=record.pk, data=ItemData(barcode="D-1", status="on_loan"))
    rows = (
        "title,isbn,barcode,status\n"
        "Dune,9780441172719,D-1;D-2,on_loan;on_loan\n"
        "The Dispossessed,,L-1;L-2;L-3,on_loan;missing;on_hold_shelf\n"
    )
    job = job_run(import_job_create(file=io.BytesIO(rows.encode()), file_name="lent.csv"))
    assert (job.status, job.rejected) == ("staged", 0)
    counted = (
        "3 copies were on loan or on the hold shelf in the file: loans and holds are made at "
        "the desk, so they are imported as available."
    )
    assert import_job_desk_statuses_warned(job) == [counted]
    job = job_run(import_job_commit(job_id=job.pk))
    assert job.status == "committed", job.error
    assert dict(Item.objects.values_list("barcode", "status")) == {
        # The copy the catalog had keeps its status; the library's own status comes as it is.
        "D-1": "on_loan", "D-2": "available",
        "L-1": "available", "L-2": "missing", "L-3": "available",
    }  # fmt: skip
