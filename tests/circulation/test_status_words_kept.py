"""A status in a refusal is said as its label is written: German keeps the capitals of its nouns
("In Bearbeitung", "Die Datei"), which a label put into lower case would lose, and a hold that
has ended says how in a whole sentence of each language."""

import pytest
from django.utils import translation
from django_tenants.utils import schema_context

from catalog.models import Item
from circulation.models import Hold, PatronImport
from circulation.patron_imports import patron_import_cancel, patron_import_commit
from circulation.services import hold_cancel, loan_checkout
from common.errors import ApplicationError
from tests.circulation.conftest import Desk


def test_a_copy_not_for_loan_is_named_by_its_german_status_as_written(desk: Desk) -> None:
    with schema_context(desk.schema):
        Item.objects.filter(pk=desk.item.pk).update(status=Item.Status.IN_PROCESSING)
        with translation.override("de"), pytest.raises(ApplicationError) as refused:
            loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
    assert refused.value.message == (
        f"Das Exemplar {desk.item.barcode} ist nicht ausleihbar (Status: In Bearbeitung)."
    )


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "This hold is already cancelled."),
        ("de", "Diese Vormerkung ist bereits storniert."),
        ("fr", "Cette réservation est déjà annulée."),
    ],
)
def test_cancelling_a_cancelled_hold_says_so_in_a_whole_sentence(
    desk: Desk, language: str, said: str
) -> None:
    with schema_context(desk.schema):
        hold = Hold.objects.create(record=desk.record, patron=desk.patron)
        hold_cancel(hold_id=hold.pk)
        with translation.override(language), pytest.raises(ApplicationError) as refused:
            hold_cancel(hold_id=hold.pk)
    assert refused.value.message == said


def test_a_patron_import_refused_names_its_german_status_as_written(desk: Desk) -> None:
    with schema_context(desk.schema):
        job = PatronImport.objects.create(file_name="leser.csv")
        with translation.override("de"), pytest.raises(ApplicationError) as commit:
            patron_import_commit(job_id=job.pk)
        PatronImport.objects.filter(pk=job.pk).update(status=PatronImport.Status.COMMITTING)
        with translation.override("de"), pytest.raises(ApplicationError) as cancel:
            patron_import_cancel(job_id=job.pk)
    assert "(dieser: In der Warteschlange: Die Datei wird gelesen)" in commit.value.message
    assert cancel.value.message == (
        "Dieser Import kann nicht mehr abgebrochen werden (Status: Leser werden geschrieben)."
    )
