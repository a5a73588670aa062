"""Ending a trapped hold and lending its copy at the same moment, on two connections and
committed data: both lock the copy before the hold, so neither ends on a deadlock error, and
the copy ends lent with the hold fulfilled, or the hold ended and the copy passed on."""

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django_tenants.utils import schema_context

from catalog.models import Item
from circulation.models import Hold, Loan
from circulation.selectors import today
from circulation.services import (
    hold_cancel,
    hold_trap_item,
    holds_expire,
    loan_checkin,
    loan_checkout,
)
from common.errors import Conflict
from tenants.services import ProvisionedLibrary
from tests.circulation.conftest import Desk, desk_make
from tests.threads import SchemaThread, waiting_on_locks


def _trapped(desk: Desk) -> Hold:
    """The desk's first copy on the hold shelf for the other patron."""
    with schema_context(desk.schema):
        hold = Hold.objects.create(record=desk.record, patron=desk.other_patron)
        hold_trap_item(item_barcode=desk.item.barcode)
        hold.refresh_from_db()
    assert hold.status == Hold.Status.READY
    return hold


def _lend(desk: Desk) -> Callable[[], Loan]:
    return lambda: loan_checkout(
        item_barcode=desk.item.barcode, patron_barcode=desk.other_patron.barcode
    )


@pytest.mark.parametrize("ending", ["cancel", "expire"])
def test_the_desk_lending_a_trapped_copy_while_its_hold_ends_is_no_deadlock(
    live_library: ProvisionedLibrary, ending: str
) -> None:
    """The copy's row is held by a third session while the desk asks to lend it and then the
    hold is ended, so that both wait on the copy in that order: the desk lends it first."""
    schema = live_library.library.schema_name
    desk = desk_make(schema)
    hold = _trapped(desk)
    if ending == "expire":
        with schema_context(schema):
            Hold.objects.filter(pk=hold.pk).update(shelf_until=today() - timedelta(days=1))
    holding, release = threading.Event(), threading.Event()

    def hold_the_copy() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM catalog_item WHERE id = %s FOR UPDATE", [desk.item.pk])
            holding.set()
            release.wait(30)

    def end() -> object:
        return hold_cancel(hold_id=hold.pk) if ending == "cancel" else holds_expire()

    third = SchemaThread(schema, hold_the_copy)
    third.start()
    assert holding.wait(30)
    lending = SchemaThread(schema, _lend(desk))
    lending.start()
    waiting_on_locks(1)
    ended = SchemaThread(schema, end)
    ended.start()
    waiting_on_locks(2)
    release.set()
    for thread in (third, lending, ended):
        thread.join(60)

    assert lending.error is None, lending.error
    assert isinstance(lending.result, Loan)
    if ending == "cancel":
        assert isinstance(ended.error, Conflict), ended.error  # "already fulfilled"
    else:
        assert (ended.error, ended.result) == (None, 0)
    with schema_context(schema):
        assert Hold.objects.get(pk=hold.pk).status == Hold.Status.FULFILLED
        assert Item.objects.get(pk=desk.item.pk).status == Item.Status.ON_LOAN
        assert Loan.objects.get(item=desk.item, returned_at__isnull=True).patron_id == (
            desk.other_patron.pk
        )


def test_cancelling_and_lending_at_once_always_ends_consistent(
    live_library: ProvisionedLibrary,
) -> None:
    schema = live_library.library.schema_name
    desk = desk_make(schema)
    for _ in range(12):
        hold = _trapped(desk)
        barrier = threading.Barrier(2)

        def at_once(work: Callable[[], object], barrier: threading.Barrier = barrier) -> object:
            barrier.wait(10)
            return work()

        cancel = SchemaThread(
            schema, lambda b=barrier, h=hold: at_once(lambda: hold_cancel(hold_id=h.pk), b)
        )
        lend = SchemaThread(schema, lambda b=barrier: at_once(_lend(desk), b))
        for thread in (cancel, lend):
            thread.start()
        for thread in (cancel, lend):
            thread.join(60)

        assert lend.error is None, lend.error  # lent first, or lent once the hold ended
        assert cancel.error is None or isinstance(cancel.error, Conflict), cancel.error
        with schema_context(schema):
            status = Hold.objects.get(pk=hold.pk).status
            assert status == (
                Hold.Status.CANCELLED if cancel.error is None else Hold.Status.FULFILLED
            )
            assert Item.objects.get(pk=desk.item.pk).status == Item.Status.ON_LOAN
            assert Loan.objects.filter(item=desk.item, returned_at__isnull=True).count() == 1
            loan_checkin(item_barcode=desk.item.barcode)
