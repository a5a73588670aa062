"""Checking out, in and renewing: the item's status, the change feed, rules and every refusal."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.utils import translation
from django_tenants.utils import schema_context

from catalog.models import Change, Item
from circulation.models import ClosedDay, Hold, Loan, LoanRule, Notice, Patron
from circulation.selectors import today
from circulation.services import (
    LoanRuleData,
    hold_place,
    hold_trap_item,
    item_type_set,
    loan_checkin,
    loan_checkout,
    loan_renew,
    loan_rule_create,
    loan_rule_update,
    loans_anonymize,
    patron_erase,
    patron_export,
)
from common.errors import ApplicationError, Conflict, NotFound
from tests.circulation.conftest import Desk, expired_on


def state(desk: Desk) -> dict[str, object]:
    with schema_context(desk.schema):
        return {
            "items": sorted(Item.objects.values_list("barcode", "status", "version")),
            "loans": sorted(
                Loan.objects.values_list(
                    "item_id", "patron_id", "due_on", "returned_at", "renewals"
                )
            ),
            "changes": Change.objects.count(),
            "holds": sorted(Hold.objects.values_list("id", "status")),
        }


@contextmanager
def refused(desk: Desk, error: type[ApplicationError], code: str) -> Iterator[pytest.ExceptionInfo]:
    """The block, run in the desk's library, raises `error` with `code` and changes nothing."""
    before = state(desk)
    with schema_context(desk.schema), pytest.raises(error) as caught:
        yield caught
    assert caught.value.code == code
    assert state(desk) == before


def test_checkout_lends_the_item_and_writes_the_feed(desk: Desk) -> None:
    with schema_context(desk.schema):
        last = Change.objects.order_by("-id").first()
        loan = loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        item = Item.objects.get(pk=desk.item.pk)
        assert item.status == Item.Status.ON_LOAN
        assert item.version == desk.item.version + 1
        assert loan.due_on == today() + timedelta(days=21)
        new = list(
            Change.objects.filter(pk__gt=last.pk).values_list("entity", "entity_id", "action")
        )
        assert new == [("item", item.pk, "updated")]


def test_checkin_returns_the_item_and_writes_the_feed(desk: Desk) -> None:
    with schema_context(desk.schema):
        loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        before = Change.objects.count()
        result = loan_checkin(item_barcode=f"  {desk.item.barcode} ")
        assert result.hold is None
        assert result.loan.returned_at is not None
        assert Item.objects.get(pk=desk.item.pk).status == Item.Status.AVAILABLE
        assert Change.objects.count() == before + 1


def test_an_item_on_loan_is_a_conflict_and_nothing_changes(desk: Desk) -> None:
    with schema_context(desk.schema):
        loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
    with refused(desk, Conflict, "item_on_loan"):
        loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.other_patron.barcode)


@pytest.mark.parametrize(
    ("case", "error", "code"),
    [
        ("unknown_item", NotFound, "unknown_item"),
        ("unknown_patron", NotFound, "unknown_patron"),
        ("expired_patron", ApplicationError, "patron_expired"),
        ("limit_reached", ApplicationError, "loan_limit_reached"),
        ("item_lost", ApplicationError, "item_not_for_loan"),
        ("reference_item", ApplicationError, "item_not_for_loan"),
    ],
)
def test_bad_checkouts_are_refused_and_change_nothing(desk: Desk, case, error, code) -> None:
    item_barcode, patron_barcode = desk.item.barcode, desk.patron.barcode
    with schema_context(desk.schema):
        if case == "unknown_item":
            item_barcode = "NO-SUCH-ITEM"
        elif case == "unknown_patron":
            patron_barcode = "NO-SUCH-PATRON"
        elif case == "expired_patron":
            Patron.objects.filter(pk=desk.patron.pk).update(expires_on=expired_on())
        elif case == "limit_reached":
            loan_rule_create(data=LoanRuleData(max_loans=1))
            loan_checkout(item_barcode=desk.items[1].barcode, patron_barcode=patron_barcode)
        elif case == "item_lost":
            Item.objects.filter(pk=desk.item.pk).update(status=Item.Status.LOST)
        elif case == "reference_item":
            item_type_set(item_barcodes=[item_barcode], item_type="reference")
            loan_rule_create(data=LoanRuleData(item_type="reference", for_loan=False))
    with refused(desk, error, code) as caught:
        loan_checkout(item_barcode=item_barcode, patron_barcode=patron_barcode)
    assert caught.value.message


def test_the_most_specific_rule_sets_the_loan_period(desk: Desk) -> None:
    with schema_context(desk.schema):
        loan_rule_create(data=LoanRuleData(loan_days=14))
        loan_rule_create(data=LoanRuleData(patron_category="adult", loan_days=28))
        loan_rule_create(data=LoanRuleData(patron_category="adult", item_type="dvd", loan_days=7))
        item_type_set(item_barcodes=[desk.items[1].barcode], item_type="dvd")
        book = loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        dvd = loan_checkout(item_barcode=desk.items[1].barcode, patron_barcode=desk.patron.barcode)
        assert book.due_on == today() + timedelta(days=28)
        assert dvd.due_on == today() + timedelta(days=7)


def test_due_dates_skip_closed_days(desk: Desk) -> None:
    with schema_context(desk.schema):
        due = today() + timedelta(days=21)
        ClosedDay.objects.create(date=due)
        ClosedDay.objects.create(date=due + timedelta(days=1))
        loan = loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        assert loan.due_on == due + timedelta(days=2)


def test_renewal_moves_the_due_date_up_to_the_limit(desk: Desk) -> None:
    with schema_context(desk.schema):
        loan_rule_create(data=LoanRuleData(loan_days=10, renewals=1))
        loan = loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        Loan.objects.filter(pk=loan.pk).update(due_on=today() + timedelta(days=2))
        renewed = loan_renew(item_barcode=desk.item.barcode)
        # Renewed early: a whole period more, from the due date rather than from today.
        assert renewed.due_on == today() + timedelta(days=12)
        assert renewed.renewals == 1
    with refused(desk, ApplicationError, "renewal_limit_reached"):
        loan_renew(item_barcode=desk.item.barcode)


def test_a_loan_of_a_patron_whose_card_expired_is_not_renewed(desk: Desk) -> None:
    """The desk refuses a renewal as it refuses a check-out: the card is renewed first."""
    with schema_context(desk.schema):
        loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        Patron.objects.filter(pk=desk.patron.pk).update(expires_on=expired_on())
    with refused(desk, ApplicationError, "patron_expired") as caught:
        loan_renew(item_barcode=desk.item.barcode)
    said = caught.value.message
    assert said == f"{desk.patron.name}'s card expired on 01/01/2000: renew it first."
    assert caught.value.fields == {}


def test_checking_in_an_item_not_on_loan_is_a_conflict(desk: Desk) -> None:
    with refused(desk, Conflict, "item_not_on_loan"):
        loan_checkin(item_barcode=desk.item.barcode)


def test_a_returned_item_with_a_hold_goes_to_the_hold_shelf(desk: Desk) -> None:
    with schema_context(desk.schema):
        loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        hold = Hold.objects.create(record=desk.record, patron=desk.other_patron)
        result = loan_checkin(item_barcode=desk.item.barcode)
        assert result.hold is not None
        assert result.hold.pk == hold.pk
        hold.refresh_from_db()
        assert hold.status == Hold.Status.READY
        assert hold.item_id == desk.item.pk
        assert Notice.objects.filter(hold=hold, kind="hold_ready").count() == 1
        # Held for Takver: Shevek cannot borrow it, Takver can.
        with pytest.raises(Conflict) as caught:
            loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        assert caught.value.code == "item_held"
        loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.other_patron.barcode)
        hold.refresh_from_db()
        assert hold.status == Hold.Status.FULFILLED


def test_erasing_a_patron_keeps_returned_loans_without_them(desk: Desk) -> None:
    with schema_context(desk.schema):
        loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        with pytest.raises(Conflict):
            patron_erase(patron_id=desk.patron.pk)
        exported = patron_export(patron_id=desk.patron.pk)
        assert exported["patron"]["barcode"] == desk.patron.barcode
        assert [loan["item_barcode"] for loan in exported["loans"]] == [desk.item.barcode]
        loan_checkin(item_barcode=desk.item.barcode)
        patron_erase(patron_id=desk.patron.pk)
        assert not Patron.objects.filter(pk=desk.patron.pk).exists()
        assert Loan.objects.get(item=desk.item).patron_id is None


def test_erasing_a_patron_passes_their_copy_on_the_hold_shelf_to_the_next(desk: Desk) -> None:
    """A copy waiting on the hold shelf for a patron who is erased goes to the next patron in
    the queue, as when the hold is cancelled, rather than sitting there for nobody."""
    with schema_context(desk.schema):
        Hold.objects.create(record=desk.record, patron=desk.patron)
        trapped = hold_trap_item(item_barcode=desk.item.barcode)
        assert trapped.patron_id == desk.patron.pk
        waiting = Hold.objects.create(record=desk.record, patron=desk.other_patron)
        changes = Change.objects.count()
        patron_erase(patron_id=desk.patron.pk)
        waiting.refresh_from_db()
        assert waiting.status == Hold.Status.READY
        assert waiting.item_id == desk.item.pk
        assert Notice.objects.filter(hold=waiting, kind="hold_ready").count() == 1
        assert Change.objects.count() == changes + 1  # the record page shows the copy held


def test_returned_loans_lose_their_patron_after_the_library_s_days(desk: Desk) -> None:
    with schema_context(desk.schema):
        loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        loan_checkout(item_barcode=desk.items[1].barcode, patron_barcode=desk.patron.barcode)
        result = loan_checkin(item_barcode=desk.item.barcode)
        assert loans_anonymize() == 0
        later = result.loan.returned_at + timedelta(days=31)
        assert loans_anonymize(now=later) == 1
        assert Loan.objects.get(item=desk.item).patron_id is None
        # The open loan keeps its patron.
        assert Loan.objects.get(item=desk.items[1]).patron_id == desk.patron.pk


def test_a_library_knows_nothing_of_another_s_barcodes(desk: Desk, other_desk: Desk) -> None:
    before = state(other_desk)
    with schema_context(desk.schema):
        with pytest.raises(NotFound):
            loan_checkout(item_barcode=other_desk.item.barcode, patron_barcode=desk.patron.barcode)
        with pytest.raises(NotFound):
            loan_checkout(item_barcode=desk.item.barcode, patron_barcode=other_desk.patron.barcode)
    assert state(other_desk) == before


def test_rules_are_unique_by_category_and_type(desk: Desk) -> None:
    with schema_context(desk.schema):
        loan_rule_create(data=LoanRuleData(patron_category="child"))
        with pytest.raises(ApplicationError):
            loan_rule_create(data=LoanRuleData(patron_category="child"))
        assert LoanRule.objects.count() == 1


def test_rules_keep_category_and_type_without_outer_spaces(desk: Desk) -> None:
    """A category typed " adult " is the rule for adults, on a new rule and a changed one."""
    with schema_context(desk.schema):
        rule = loan_rule_create(data=LoanRuleData(patron_category=" adult ", item_type="dvd "))
        assert (rule.patron_category, rule.item_type) == ("adult", "dvd")
        with pytest.raises(ApplicationError):
            loan_rule_create(data=LoanRuleData(patron_category="adult", item_type="dvd"))
        other = loan_rule_create(data=LoanRuleData(patron_category="child"))
        with pytest.raises(ApplicationError):
            loan_rule_update(
                rule_id=other.pk, data=LoanRuleData(patron_category=" adult\t", item_type=" dvd")
            )
        changed = loan_rule_update(rule_id=other.pk, data=LoanRuleData(patron_category=" teen "))
        assert (changed.patron_category, changed.item_type) == ("teen", "")
        rows = LoanRule.objects.values_list("patron_category", "item_type")
        assert sorted(rows) == [("adult", "dvd"), ("teen", "")]


def test_limits_of_one_are_said_in_the_singular(desk: Desk) -> None:
    """A rule allowing one loan, one renewal or one hold says "1 item", never "1 items"."""
    with schema_context(desk.schema):
        loan_rule_create(data=LoanRuleData(max_loans=1, renewals=1, max_holds=1))
        loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        loan_renew(item_barcode=desk.item.barcode)
        hold_place(record_id=desk.other_record.pk, patron_barcode=desk.other_patron.barcode)
    refusals = {
        "loan_limit_reached": lambda: loan_checkout(
            item_barcode=desk.items[1].barcode, patron_barcode=desk.patron.barcode
        ),
        "renewal_limit_reached": lambda: loan_renew(item_barcode=desk.item.barcode),
        "hold_limit_reached": lambda: hold_place(
            record_id=desk.record.pk, patron_barcode=desk.other_patron.barcode
        ),
    }
    said = {}
    for language in ("en", "fr"):
        for code, refusal in refusals.items():
            with translation.override(language), refused(desk, ApplicationError, code) as caught:
                refusal()
            said[language, code] = caught.value.message
    assert said["en", "loan_limit_reached"] == (
        "Shevek Anarres already has 1 item on loan, the most allowed."
    )
    assert said["en", "renewal_limit_reached"] == (
        f"Item {desk.item.barcode} has been renewed 1 time, the most allowed."
    )
    assert said["en", "hold_limit_reached"] == (
        "Takver Anarres already has 1 hold, the most allowed."
    )
    assert "a déjà 1 exemplaire en prêt," in said["fr", "loan_limit_reached"]
    assert "a déjà 1 réservation," in said["fr", "hold_limit_reached"]
