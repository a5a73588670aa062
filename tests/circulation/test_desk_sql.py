"""The desk's hand-written SQL against the ORM's answer: a check-out's terms in one statement,
a check-in's loan closed and read back in one, the hold a check-in traps, the item's and the
feed's writes, and the answers built without the serializer."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from api.circulation import LoanSerializer, ReturnSerializer, loan_answer, return_answer
from catalog.models import Change, Item
from catalog.services import changes_log
from circulation.models import ClosedDay, Hold, Loan, Patron
from circulation.selectors import checkout_terms, item_type_of, loan_rule_for, today
from circulation.services import (
    LoanRuleData,
    PatronData,
    hold_place,
    item_type_set,
    loan_checkin,
    loan_checkout,
    loan_rule_create,
    patron_create,
)
from tests.circulation.conftest import Desk

pytestmark = pytest.mark.usefixtures("in_library")


def test_checkout_terms_match_the_orm(desk: Desk) -> None:
    on = today()
    loan_rule_create(data=LoanRuleData(loan_days=14))
    loan_rule_create(data=LoanRuleData(patron_category="adult", loan_days=400))
    loan_rule_create(data=LoanRuleData(patron_category="child", item_type="dvd"))
    item_type_set(item_barcodes=[desk.items[1].barcode], item_type="dvd")
    loan_checkout(item_barcode=desk.items[2].barcode, patron_barcode=desk.patron.barcode)
    hold_place(record_id=desk.record.pk, patron_barcode=desk.other_patron.barcode)
    far = on + timedelta(days=400 + 300)  # inside a long loan's horizon
    for day in (on, on + timedelta(days=14), far, on + timedelta(days=2000)):
        ClosedDay.objects.create(date=day)
    for patron in Patron.objects.all():
        for item in Item.objects.select_related("circulation").all():
            terms = checkout_terms(patron=patron, item=item, on=on)
            rule = loan_rule_for(patron_category=patron.category, item_type=item_type_of(item))
            assert terms.rule.pk == rule.pk
            assert terms.rule.loan_days == rule.loan_days
            assert (
                terms.open_loans
                == Loan.objects.filter(patron=patron, returned_at__isnull=True).count()
            )
            holds = Hold.objects.filter(
                patron=patron, record_id=item.record_id, status__in=Hold.ACTIVE
            ) | Hold.objects.filter(item=item, status=Hold.Status.READY)
            assert sorted(h[0] for h in terms.holds) == sorted(h.pk for h in holds)
            ahead = (
                Hold.objects.filter(record_id=item.record_id, status=Hold.Status.WAITING)
                .exclude(patron=patron)
                .exclude(expires_on__lt=on)
                .order_by("placed_at", "id")
            )
            own = holds.filter(patron=patron).order_by("placed_at").first()
            if own is not None:
                ahead = ahead.filter(placed_at__lt=own.placed_at)
            first = ahead.select_related("patron").first()
            assert terms.waiting == (
                (first.patron.name, first.placed_at) if first is not None else None
            )
            horizon = on + timedelta(days=rule.loan_days + 366)
            expected = ClosedDay.objects.filter(date__gte=on, date__lte=horizon)
            assert set(expected.values_list("date", flat=True)) <= set(terms.closed)
            assert on + timedelta(days=2000) not in terms.closed


def test_checkout_writes_the_loan_the_orm_would(desk: Desk) -> None:
    columns = [f.attname for f in Loan._meta.concrete_fields]
    started = timezone.now()
    loan = loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
    # The instance handed back is the row as stored, as the ORM would load it.
    stored = Loan.objects.get(pk=loan.pk)
    assert [getattr(loan, c) for c in columns] == [getattr(stored, c) for c in columns]
    assert (loan._state.adding, loan._state.db) == (stored._state.adding, stored._state.db)
    assert started <= stored.checked_out_at <= timezone.now()
    # The row is the one Loan.objects.create writes for the same loan.
    made = Loan.objects.create(item=desk.items[1], patron=desk.patron, due_on=loan.due_on)
    made.refresh_from_db()
    same = [c for c in columns if c not in ("id", "item_id", "checked_out_at")]
    assert [getattr(stored, c) for c in same] == [getattr(made, c) for c in same]
    assert (stored.item_id, stored.returned_at) == (desk.item.pk, None)


def test_the_desk_answers_are_the_serializers(desk: Desk) -> None:
    loan = loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
    assert loan_answer(loan) == LoanSerializer(loan).data
    hold_place(record_id=desk.record.pk, patron_barcode=desk.other_patron.barcode)
    back = loan_checkin(item_barcode=desk.item.barcode)
    assert back.hold is not None
    assert return_answer(back) == ReturnSerializer(back).data
    reread = Loan.objects.select_related("patron", "item__record").get(pk=loan.pk)
    assert (back.loan.returned_at, back.loan.patron.pk) == (
        reread.returned_at, reread.patron_id,
    )  # fmt: skip
    assert loan_answer(back.loan) == LoanSerializer(reread).data
    # A copy marked on loan with no loan recorded comes back without one.
    Item.objects.filter(pk=desk.items[1].pk).update(status=Item.Status.ON_LOAN)
    unrecorded = loan_checkin(item_barcode=desk.items[1].barcode)
    assert unrecorded.loan is None
    assert return_answer(unrecorded) == ReturnSerializer(unrecorded).data


def test_checkin_traps_the_hold_the_orm_would_pick(desk: Desk) -> None:
    loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
    third = patron_create(data=PatronData(name="Odo", barcode=f"{desk.schema}-P003"))
    expired = hold_place(record_id=desk.record.pk, patron_barcode=third.barcode)
    first = hold_place(record_id=desk.record.pk, patron_barcode=desk.other_patron.barcode)
    fourth = patron_create(data=PatronData(name="Bedap", barcode=f"{desk.schema}-P004"))
    second = hold_place(record_id=desk.record.pk, patron_barcode=fourth.barcode)
    # The queue's oldest hold has lapsed; the next two were placed in the same instant.
    Hold.objects.filter(pk=expired.pk).update(expires_on=today() - timedelta(days=1))
    Hold.objects.filter(pk__in=[first.pk, second.pk]).update(placed_at=expired.placed_at)
    expected = (
        Hold.objects.filter(record_id=desk.record.pk, status=Hold.Status.WAITING)
        .exclude(expires_on__lt=today())
        .order_by("placed_at", "id")
        .first()
    )
    back = loan_checkin(item_barcode=desk.item.barcode)
    assert expected is not None
    assert back.hold is not None
    assert back.hold.pk == expected.pk == first.pk
    assert Hold.objects.get(pk=first.pk).status == Hold.Status.READY
    assert Hold.objects.get(pk=expired.pk).status == Hold.Status.WAITING


def test_checkout_and_checkin_write_the_item_and_the_feed(desk: Desk) -> None:
    before = Item.objects.get(pk=desk.item.pk)
    last = Change.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
    lent = Item.objects.get(pk=desk.item.pk)
    assert (lent.status, lent.version) == (Item.Status.ON_LOAN, before.version + 1)
    assert lent.updated_at > before.updated_at
    loan_checkin(item_barcode=desk.item.barcode)
    back = Item.objects.get(pk=desk.item.pk)
    assert (back.status, back.version) == (Item.Status.AVAILABLE, before.version + 2)
    fed = Change.objects.filter(pk__gt=last).order_by("pk")
    assert [(c.entity, c.entity_id, c.action) for c in fed] == [
        ("item", desk.item.pk, "updated"), ("item", desk.item.pk, "updated"),
    ]  # fmt: skip
    assert all(c.at >= lent.updated_at - timedelta(seconds=1) for c in fed)


def test_the_feed_takes_many_entries_in_their_order(desk: Desk) -> None:
    last = Change.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ids = list(range(5000, 2500, -1))  # more than one statement's worth
    with transaction.atomic():
        changes_log(Change.Entity.RECORD, ids, Change.Action.DELETED)
    fed = list(Change.objects.filter(pk__gt=last).order_by("pk").values_list("entity_id", "action"))
    assert fed == [(pk, "deleted") for pk in ids]
