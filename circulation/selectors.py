"""Reads of circulation: patrons, loans, holds, rules, and what readers may see of copies."""

from collections.abc import Iterable
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from catalog.models import Item
from circulation.models import (
    CirculationSettings,
    ClosedDay,
    Hold,
    ItemCirculation,
    Loan,
    LoanRule,
    Patron,
)
from common.errors import NotFound


def today() -> date:
    return timezone.localdate()


def circulation_settings_get() -> CirculationSettings:
    found, _ = CirculationSettings.objects.get_or_create(pk=1)
    return found


def patron_list(*, q: str = "", barcode: str = "", category: str = "") -> QuerySet[Patron]:
    patrons = Patron.objects.annotate(
        open_loans=Count("loans", filter=Q(loans__returned_at__isnull=True))
    )
    if barcode:
        patrons = patrons.filter(barcode=barcode.strip())
    if category:
        patrons = patrons.filter(category=category)
    if q.strip():
        text = q.strip()
        patrons = patrons.filter(Q(name__icontains=text) | Q(barcode=text) | Q(email__iexact=text))
    return patrons


def patron_get(*, patron_id: int) -> Patron:
    patron = patron_list().filter(pk=patron_id).first()
    if patron is None:
        raise NotFound("No such patron.")
    return patron


def patron_get_by_barcode(*, barcode: str) -> Patron:
    patron = patron_list(barcode=barcode).first() if barcode.strip() else None
    if patron is None:
        raise NotFound(
            f"No patron has the barcode {barcode.strip()!r}.",
            code="unknown_patron",
            fields={"patron_barcode": ["No patron has this barcode."]},
        )
    return patron


def loan_list(
    *, patron_id: int | None = None, open_only: bool = False, overdue: bool = False,
    item_barcode: str = "",
) -> QuerySet[Loan]:  # fmt: skip
    loans = Loan.objects.select_related("item", "item__record", "patron").defer(
        "item__record__source_marc"
    )
    if patron_id is not None:
        loans = loans.filter(patron_id=patron_id)
    if open_only or overdue:
        loans = loans.filter(returned_at__isnull=True)
    if overdue:
        loans = loans.filter(due_on__lt=today())
    if item_barcode:
        loans = loans.filter(item__barcode=item_barcode.strip())
    return loans


def loan_get(*, loan_id: int) -> Loan:
    loan = loan_list().filter(pk=loan_id).first()
    if loan is None:
        raise NotFound("No such loan.")
    return loan


def overdue_list() -> QuerySet[Loan]:
    """Open loans past their due date, the longest overdue first."""
    return loan_list(overdue=True).order_by("due_on", "id")


def hold_list(
    *, patron_id: int | None = None, record_id: int | None = None, active_only: bool = False,
    status: str = "",
) -> QuerySet[Hold]:  # fmt: skip
    holds = Hold.objects.select_related("record", "patron", "item").defer("record__source_marc")
    if patron_id is not None:
        holds = holds.filter(patron_id=patron_id)
    if record_id is not None:
        holds = holds.filter(record_id=record_id)
    if active_only:
        holds = holds.filter(status__in=Hold.ACTIVE)
    if status:
        holds = holds.filter(status=status)
    return holds


def hold_get(*, hold_id: int) -> Hold:
    hold = hold_list().filter(pk=hold_id).first()
    if hold is None:
        raise NotFound("No such hold.")
    return hold


def hold_shelf_list() -> QuerySet[Hold]:
    return hold_list(status=Hold.Status.READY).order_by("shelf_until", "id")


def loan_rule_list() -> QuerySet[LoanRule]:
    return LoanRule.objects.all()


def loan_rule_for(*, patron_category: str, item_type: str) -> LoanRule:
    """The most specific rule: category and type, then category, then type, then the library's
    catch-all; without any, the defaults of LoanRule."""
    rules = {
        (rule.patron_category, rule.item_type): rule
        for rule in LoanRule.objects.filter(
            patron_category__in=[patron_category, ""], item_type__in=[item_type, ""]
        )
    }
    for key in (
        (patron_category, item_type),
        (patron_category, ""),
        ("", item_type),
        ("", ""),
    ):
        if key in rules:
            return rules[key]
    return LoanRule()


def closed_day_list() -> QuerySet[ClosedDay]:
    return ClosedDay.objects.all()


def item_type_of(item: Item) -> str:
    try:
        return item.circulation.item_type  # type: ignore[attr-defined, no-any-return]
    except ItemCirculation.DoesNotExist:
        return ""


def copies_public_notes(item_ids: Iterable[int]) -> dict[int, str]:
    """What a reader may know of these copies: when one on loan is due, or that one waits on
    the hold shelf. Never who has it."""
    ids = list(item_ids)
    if not ids:
        return {}
    notes = {
        item_id: gettext("due %(date)s") % {"date": date_format(due_on, "d M Y")}
        for item_id, due_on in Loan.objects.filter(
            item_id__in=ids, returned_at__isnull=True
        ).values_list("item_id", "due_on")
    }
    for item_id in Hold.objects.filter(item_id__in=ids, status=Hold.Status.READY).values_list(
        "item_id", flat=True
    ):
        notes.setdefault(item_id, gettext("on the hold shelf"))
    return notes
