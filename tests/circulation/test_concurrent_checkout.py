"""Two desks checking out one item at the same instant, on two connections and committed data:
one lends it, the other gets 409, and the item has one open loan and one feed entry."""

import threading
import time
from functools import partial

import pytest
from django.db import transaction
from django_tenants.utils import schema_context

from catalog.models import Change, Item
from circulation.models import Loan
from circulation.services import loan_checkout
from common.errors import Conflict
from tenants.services import ProvisionedLibrary
from tests.circulation.conftest import desk_make
from tests.threads import SchemaThread


def test_one_of_two_desks_lends_the_item(live_library: ProvisionedLibrary) -> None:
    schema = live_library.library.schema_name
    desk = desk_make(schema)
    with schema_context(schema):
        changes_before = Change.objects.count()
    first_holds_lock = threading.Event()
    release_first = threading.Event()

    def first_desk() -> Loan:
        try:
            with transaction.atomic():
                loan = loan_checkout(
                    item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode
                )
                first_holds_lock.set()
                # Hold the transaction open until the second desk is waiting on the item.
                release_first.wait(30)
            return loan
        finally:
            first_holds_lock.set()  # a failure must not keep the test waiting

    def second_desk() -> Loan:
        return loan_checkout(
            item_barcode=desk.item.barcode, patron_barcode=desk.other_patron.barcode
        )

    first = SchemaThread(schema, first_desk)
    first.start()
    assert first_holds_lock.wait(30)
    second = SchemaThread(schema, second_desk)
    second.start()
    time.sleep(0.5)
    assert second.is_alive(), "the second desk should wait for the first desk's commit"
    release_first.set()
    first.join(30)
    second.join(30)

    assert first.error is None, first.error
    assert isinstance(first.result, Loan)
    assert isinstance(second.error, Conflict)
    assert second.error.status_code == 409
    with schema_context(schema):
        assert Item.objects.get(pk=desk.item.pk).status == Item.Status.ON_LOAN
        assert list(Loan.objects.filter(item=desk.item).values_list("patron_id", flat=True)) == [
            desk.patron.pk
        ]
        assert Change.objects.count() == changes_before + 1


@pytest.mark.parametrize("rounds", [5])
def test_desks_racing_on_a_barrier_never_lend_twice(
    live_library: ProvisionedLibrary, rounds: int
) -> None:
    schema = live_library.library.schema_name
    desk = desk_make(schema, copies=rounds + 1)
    for n in range(rounds):
        barcode = desk.items[n].barcode
        barrier = threading.Barrier(2)

        def lend(patron_barcode: str, barcode: str = barcode, barrier=barrier) -> Loan:
            barrier.wait(10)
            return loan_checkout(item_barcode=barcode, patron_barcode=patron_barcode)

        threads = [
            SchemaThread(schema, partial(lend, desk.patron.barcode)),
            SchemaThread(schema, partial(lend, desk.other_patron.barcode)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        results = [thread.error or thread.result for thread in threads]
        assert sorted(type(r).__name__ for r in results) == ["Conflict", "Loan"]
        with schema_context(schema):
            assert Loan.objects.filter(item__barcode=barcode).count() == 1
