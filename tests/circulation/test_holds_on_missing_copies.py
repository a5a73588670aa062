"""A hold trapped for a copy that staff marked missing or lost (before the hold shelf was a
status of its own, so the copy kept that status) goes back to waiting, in its place: the next
copy returned is trapped for it and its patron is told again, rather than waiting for a copy
nobody can find until the shelf date expires their hold."""

from importlib import import_module

from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from catalog.models import Item
from circulation.models import Hold, Notice
from circulation.services import PatronData, loan_checkin, loan_checkout, patron_create
from tests.circulation.conftest import Desk
from tests.circulation.test_hold_shelf_availability import trapped

MIGRATION = "circulation.migrations.0007_holds_on_missing_copies_requeued"


def test_a_hold_on_a_copy_marked_missing_is_trapped_by_the_next_copy_returned(
    desk: Desk,
) -> None:
    migration = import_module(MIGRATION)
    hold = trapped(desk)  # the first copy, for the other patron, who was emailed
    with schema_context(desk.schema):
        Notice.objects.filter(hold=hold).update(sent_at=timezone.now())
        Item.objects.filter(pk=desk.item.pk).update(status="missing")  # as staff left it
        later = patron_create(data=PatronData(name="Odo Urras", barcode="P-LATER"))
        behind = Hold.objects.create(record=desk.record, patron=later)
        with connection.cursor() as cursor:
            cursor.execute(migration.FORWARD)
            cursor.execute(migration.FORWARD)  # once is all it does

        hold.refresh_from_db()
        assert (hold.status, hold.item_id, hold.shelf_until) == ("waiting", None, None)
        second = desk.items[1]
        loan_checkout(
            item_barcode=second.barcode, patron_barcode=desk.patron.barcode, override_holds=True
        )
        returned = loan_checkin(item_barcode=second.barcode)

        assert returned.hold is not None
        assert returned.hold.pk == hold.pk  # first in the queue still, ahead of the later one
        hold.refresh_from_db()
        assert (hold.status, hold.item_id) == ("ready", second.pk)
        assert Hold.objects.get(pk=behind.pk).status == "waiting"
        notice = Notice.objects.get(hold=hold, kind=Notice.Kind.HOLD_READY)
        assert (notice.sent_at, notice.about_date) == (None, hold.shelf_until)  # told again
        assert Item.objects.get(pk=second.pk).status == "on_hold_shelf"
        assert Item.objects.get(pk=desk.item.pk).status == "missing"
        lent = loan_checkout(item_barcode=second.barcode, patron_barcode=desk.other_patron.barcode)
        assert lent.patron_id == desk.other_patron.pk
        assert Hold.objects.get(pk=hold.pk).status == "fulfilled"


def test_a_hold_whose_copy_waits_on_the_shelf_is_left_as_it_is(desk: Desk) -> None:
    migration = import_module(MIGRATION)
    hold = trapped(desk)
    with schema_context(desk.schema), connection.cursor() as cursor:
        cursor.execute(migration.FORWARD)
        hold.refresh_from_db()
        assert (hold.status, hold.item_id) == ("ready", desk.item.pk)
