"""Reads of circulation: patrons, loans, holds, rules, and what readers may see of copies."""

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import connection
from django.db.models import CharField, Count, Exists, Func, OuterRef, Q, QuerySet
from django.db.models.functions import Lower, Upper
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from catalog.models import Item, Record
from catalog.selectors import ITEM_AVAILABLE, barcode_as_stored
from catalog.services import barcodes_matching
from catalog.text import search_fold, search_fold_sql, search_forms, search_text_sql
from circulation.models import (
    PATRON_CATEGORIES,
    CirculationSettings,
    ClosedDay,
    Hold,
    ItemCirculation,
    Loan,
    LoanRule,
    Patron,
    patron_category_label,
)
from common.errors import NotFound, first_or_not_found
from common.language import quoted


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def library_zone() -> ZoneInfo:
    """The current library's time zone (its `time_zone` setting): due dates and closed days are
    dates there. Outside a library, the site's zone."""
    tenant = getattr(connection, "tenant", None)
    return _zone(getattr(tenant, "time_zone", "") or settings.TIME_ZONE)


def local_date(moment: datetime | None = None) -> date:
    """The date in the library's zone at `moment` (now by default)."""
    return timezone.localdate(moment, timezone=library_zone())


def today() -> date:
    """The library's date now: a loan due on this date falls due at the end of it, there."""
    return local_date()


def circulation_settings_get() -> CirculationSettings:
    found, _ = CirculationSettings.objects.get_or_create(pk=1)
    return found


class _SearchFolded(Func):
    """Text folded as search folds it (catalog.text.search_fold): without accents."""

    template = search_fold_sql("%(expressions)s")
    output_field = CharField()


# A patron's name as the desk finds and lists it: "muller" finds "Müller", and "de Vries",
# "Émile" and "Zola" come in the order of a card index, not of their letters' codes.
PATRON_NAME_KEY = Lower(_SearchFolded("name"))


class _SearchText(Func):
    """Text as catalog search indexes it (catalog.text.search_text_sql): "Müller" is
    "Muller ... Mueller", "O'Brien" is "OBrien O Brien"."""

    template = search_text_sql("%(expressions)s")
    output_field = CharField()


# What the desk's search looks a patron's name up in, as the catalog's search does: "muller",
# "mueller" and "Müller" find "Müller"; "obrien", a curly "O'Brien" and "brien" find "O'Brien".
_PATRON_SEARCH_KEY = Lower(_SearchText("name"))


def patron_list(
    *, q: str = "", barcode: str = "", category: str = "", blocked: bool = False
) -> QuerySet[Patron]:
    """Patrons with their open loans counted; `blocked`: only those blocked."""
    patrons = Patron.objects.annotate(
        open_loans=Count("loans", filter=Q(loans__returned_at__isnull=True))
    )
    if blocked:
        patrons = patrons.filter(blocked_at__isnull=False)
    if barcode:
        patrons = patrons.filter(barcode=barcode.strip())
    if category:
        patrons = patrons.filter(category=category)
    if q.strip():
        text = q.strip()
        named = Q()
        for form in search_forms(text):
            named |= Q(name_key__contains=form.lower())
        patrons = patrons.alias(name_key=_PATRON_SEARCH_KEY).filter(
            named | Q(barcode=text) | Q(email__iexact=text)
        )
    return patrons


def patron_get(*, patron_id: int) -> Patron:
    return first_or_not_found(patron_list().filter(pk=patron_id), gettext("No such patron."))


def barcode_several_alike(*, barcode: str) -> bool:
    """Whether no card and no copy has `barcode` as typed, but several have it in another
    case (cards or copies given such barcodes before they were kept apart): which of them a
    scan of it means, the desk cannot tell."""
    barcode = barcode.strip()
    if not barcode:
        return False
    cards = barcodes_matching(Patron.objects.all(), [barcode]).values_list("barcode")[:3]
    copies = barcodes_matching(Item.objects.all(), [barcode]).values_list("barcode")[:3]
    found = [stored for (stored,) in cards.union(copies, all=True)]
    return len(found) > 1 and barcode not in found


def patrons_holding(barcodes: Collection[str]) -> dict[str, str]:
    """Who holds each of these barcodes, in any case, that is a patron's card
    (catalog.services.barcodes). The patron is not named: whoever gives a copy a barcode may
    not see patrons."""
    held = barcodes_matching(Patron.objects.all(), barcodes).values_list("barcode", flat=True)
    return dict.fromkeys(held, gettext("a patron's card"))


@dataclass(frozen=True)
class BarcodeClash:
    """A barcode (in any case) both a patron's card and a copy have, given before the two were
    kept apart: the desk cannot tell which of them a scan of it means."""

    patron: Patron
    item: Item


def barcode_clashes(*, limit: int = 200) -> list[BarcodeClash]:
    """Every card that shares its barcode with a copy, each with that copy (a card in one
    case and two copies in others make two), in barcode order; at most `limit`. Each card
    is looked up in the copies' index on upper(barcode), so the copies are never all read."""
    copies = Item.objects.annotate(barcode_upper=Upper("barcode"))
    shared = copies.filter(barcode_upper=Upper(OuterRef("barcode")))
    patrons = list(Patron.objects.filter(Exists(shared)).order_by(Upper("barcode"), "id")[:limit])
    items = barcodes_matching(
        Item.objects.select_related("record"), [patron.barcode for patron in patrons]
    ).order_by("id")
    by_key: dict[str, list[Item]] = {}
    for item in items:
        by_key.setdefault(item.barcode.upper(), []).append(item)
    clashes = [
        BarcodeClash(patron=patron, item=item)
        for patron in patrons
        for item in by_key.get(patron.barcode.upper(), [])
    ]
    return clashes[:limit]


def patron_at_desk(*, barcode: str) -> Patron | None:
    """The patron whose card this is (in whatever case it was typed), or None."""
    barcode = barcode_as_stored(Patron.objects.all(), barcode.strip())
    return Patron.objects.filter(barcode=barcode).first() if barcode else None


def copy_at_desk(*, barcode: str) -> Item | None:
    """The copy with this barcode (in whatever case it was typed), with its record, or None."""
    barcode = barcode_as_stored(Item.objects.all(), barcode.strip())
    return (
        Item.objects.filter(barcode=barcode).select_related("record").first() if barcode else None
    )


def loan_open_to(*, patron_id: int, barcode: str) -> Loan | None:
    """The open loan to this patron of the copy with this barcode (in whatever case it was
    typed), with its copy and record, or None."""
    copy = copy_at_desk(barcode=barcode)
    if copy is None:
        return None
    return loan_list(patron_id=patron_id, open_only=True).filter(item_id=copy.pk).first()


def patron_get_by_barcode(*, barcode: str) -> Patron:
    patron = patron_list(barcode=barcode).first() if barcode.strip() else None
    if patron is None:
        raise NotFound(
            gettext("No patron has the barcode %(barcode)s.")
            % {"barcode": quoted(barcode.strip())},
            code="unknown_patron",
            fields={"patron_barcode": [gettext("No patron has this barcode.")]},
        )
    return patron


def loan_list(
    *, patron_id: int | None = None, open_only: bool = False, overdue: bool = False,
    item_barcode: str = "", record_id: int | None = None,
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
    if record_id is not None:
        loans = loans.filter(item__record_id=record_id)
    return loans


def loan_get(*, loan_id: int) -> Loan:
    return first_or_not_found(loan_list().filter(pk=loan_id), gettext("No such loan."))


def loan_overdue(loan: Loan) -> bool:
    """Whether `loan` is open and past its due date in the library's zone (as overdue_list)."""
    return loan.returned_at is None and loan.due_on < today()


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
    return first_or_not_found(hold_list().filter(pk=hold_id), gettext("No such hold."))


def hold_shelf_list() -> QuerySet[Hold]:
    return hold_list(status=Hold.Status.READY).order_by("shelf_until", "id")


@dataclass
class HoldToPull:
    """A waiting hold and a copy of its title on the shelves that could fill it."""

    hold: Hold
    item: Item


def holds_to_pull_list(*, limit: int = 500) -> list[HoldToPull]:
    """Waiting holds (not expired) whose title has a copy on the shelves, oldest hold first,
    each with its own copy: a title with one copy and three holds is pulled once, for the
    first in its queue. A copy already on the hold shelf for someone is not offered."""
    waiting = hold_list(status=Hold.Status.WAITING).exclude(expires_on__lt=today())
    copies = (
        Item.objects.filter(ITEM_AVAILABLE, record_id__in=waiting.values("record_id"))
        .select_related("location")
        .order_by("record_id", "id")
    )
    on_shelf: dict[int, list[Item]] = {}
    for item in copies:
        on_shelf.setdefault(item.record_id, []).append(item)
    pulls: list[HoldToPull] = []
    holds = waiting.filter(record_id__in=list(on_shelf)).order_by("placed_at", "id")
    for hold in holds.iterator(chunk_size=500):
        free = on_shelf.get(hold.record_id)
        if free:
            pulls.append(HoldToPull(hold=hold, item=free.pop(0)))
            if len(pulls) >= limit:
                break
    return pulls


def loan_rule_list() -> QuerySet[LoanRule]:
    return LoanRule.objects.all()


def loan_rule_for(*, patron_category: str, item_type: str) -> LoanRule:
    """The most specific rule: category and type, then category, then type, then the library's
    catch-all; without any, the defaults of LoanRule."""
    return _rule_pick(
        LoanRule.objects.filter(
            patron_category__in=[patron_category, ""], item_type__in=[item_type, ""]
        ),
        patron_category,
        item_type,
    )


def _rule_pick(rules: Iterable[LoanRule], patron_category: str, item_type: str) -> LoanRule:
    found = {(rule.patron_category, rule.item_type): rule for rule in rules}
    for key in ((patron_category, item_type), (patron_category, ""), ("", item_type), ("", "")):
        if key in found:
            return found[key]
    return LoanRule()


@dataclass
class RenewalTerms:
    """What renewing a batch of open loans on one date depends on beyond the loans, their
    items and their patrons: read once for them all, however many they are."""

    rules: list[LoanRule]
    # Each loan's copy's type, by item id.
    item_types: dict[int, str]
    # The records some patron's hold waits for.
    held_records: set[int]
    # Closed days from the earliest renewal's start on, for as long as any due date could move.
    closed: list[date]

    def rule_for(self, loan: Loan) -> LoanRule:
        """The rule loan_rule_for picks for the loan's patron and copy."""
        category = loan.patron.category if loan.patron else ""
        return _rule_pick(self.rules, category, self.item_types.get(loan.item_id, ""))

    def due_date(self, *, start: date, days: int) -> date:
        """`days` after `start`, moved past the library's closed days (as due_date reads them)."""
        return due_date_after(start=start, days=days, closed=self.closed)


def renewal_terms(loans: Collection[Loan], on: date) -> RenewalTerms:
    """The terms of renewing `loans` (with their items and patrons) on `on`: four queries at
    most, whatever the number of loans; a copy whose type is loaded already costs none."""
    if not loans:
        return RenewalTerms(rules=[], item_types={}, held_records=set(), closed=[])
    categories = {loan.patron.category for loan in loans if loan.patron} | {""}
    rules = list(LoanRule.objects.filter(patron_category__in=categories))
    circulation = Item._meta.get_field("circulation")
    item_types = {
        loan.item_id: item_type_of(loan.item) for loan in loans if circulation.is_cached(loan.item)
    }
    unknown = [loan.item_id for loan in loans if loan.item_id not in item_types]
    if unknown:
        item_types.update(dict.fromkeys(unknown, ""))
        item_types.update(
            ItemCirculation.objects.filter(item_id__in=unknown).values_list("item_id", "item_type")
        )
    held = Hold.objects.filter(
        record_id__in={loan.item.record_id for loan in loans}, status=Hold.Status.WAITING
    )
    starts = [max(loan.due_on, on) for loan in loans]
    longest = max([LoanRule().loan_days, *(rule.loan_days for rule in rules)])
    closed = ClosedDay.objects.filter(
        date__gte=min(starts), date__lte=max(starts) + timedelta(days=longest + MAX_CLOSED_RUN)
    )
    return RenewalTerms(
        rules=rules,
        item_types=item_types,
        held_records=set(held.values_list("record_id", flat=True).distinct()),
        closed=list(closed.values_list("date", flat=True)),
    )


# Due dates move past closed days; a year of them in a row means the calendar is wrong.
MAX_CLOSED_RUN = 366


def due_date_after(*, start: date, days: int, closed: Iterable[date]) -> date:
    """`days` after `start`, moved on past the days in `closed` (the library's closed days)."""
    shut = set(closed)
    due = start + timedelta(days=days)
    while due in shut:
        due += timedelta(days=1)
    return due


@dataclass
class CheckoutTerms:
    """What lending an item to a patron depends on beyond the two rows themselves."""

    rule: LoanRule
    # (id, patron_id, item_id, status) of the holds the item waits on the shelf for, and of
    # the patron's own active holds on the item's record.
    holds: list[tuple[int, int, int | None, str]]
    open_loans: int
    # Closed days from `on` on, for as long as any due date could be moved.
    closed: list[date]
    # (name, placed_at) of the first other patron waiting for the item's record ahead of this
    # patron (who may have no hold of their own), if any: lending the item passes them over.
    waiting: tuple[str, datetime] | None = None


_RULE_COLUMNS = [f.attname for f in LoanRule._meta.concrete_fields]
_TERMS_SQL = f"""
WITH rules AS (
    SELECT {", ".join(_RULE_COLUMNS)} FROM circulation_loanrule
    WHERE patron_category IN (%(category)s, '') AND item_type IN (%(item_type)s, '')
)
SELECT
    (SELECT coalesce(json_agg(json_build_array({", ".join(_RULE_COLUMNS)})), '[]') FROM rules),
    (SELECT coalesce(json_agg(json_build_array(id, patron_id, item_id, status)), '[]')
     FROM circulation_hold
     WHERE (item_id = %(item_id)s AND status = 'ready')
        OR (patron_id = %(patron_id)s AND record_id = %(record_id)s
            AND status IN ('waiting', 'ready'))),
    (SELECT count(*) FROM circulation_loan
     WHERE patron_id = %(patron_id)s AND returned_at IS NULL),
    ARRAY(SELECT date FROM circulation_closedday
          WHERE date >= %(on)s AND date <= %(on)s
                + (SELECT coalesce(max(loan_days), 0) FROM rules) + %(horizon)s
          ORDER BY date),
    (SELECT json_build_array(p.name, h.placed_at)
     FROM circulation_hold h JOIN circulation_patron p ON p.id = h.patron_id
     WHERE h.record_id = %(record_id)s AND h.status = 'waiting' AND h.patron_id <> %(patron_id)s
       AND (h.expires_on IS NULL OR h.expires_on >= %(on)s)
       AND h.placed_at < coalesce(
           (SELECT min(placed_at) FROM circulation_hold
            WHERE record_id = %(record_id)s AND patron_id = %(patron_id)s
              AND status IN ('waiting', 'ready')), 'infinity')
     ORDER BY h.placed_at, h.id LIMIT 1)
"""  # noqa: S608 - column names only


def checkout_terms(*, patron: Patron, item: Item, on: date) -> CheckoutTerms:
    """The rule, holds, open loans and closed days a check-out on `on` reads, in one statement
    (the desk's busiest path: one round trip rather than four)."""
    item_type = item_type_of(item)
    with connection.cursor() as cursor:
        cursor.execute(
            _TERMS_SQL,
            {
                "category": patron.category, "item_type": item_type, "item_id": item.pk,
                "patron_id": patron.pk, "record_id": item.record_id, "on": on,
                "horizon": MAX_CLOSED_RUN + LoanRule._meta.get_field("loan_days").default,
            },
        )  # fmt: skip
        rules, holds, open_loans, closed, waiting = cursor.fetchone()
    return CheckoutTerms(
        rule=_rule_pick(
            (LoanRule(**dict(zip(_RULE_COLUMNS, row, strict=True))) for row in rules),
            patron.category,
            item_type,
        ),
        holds=[tuple(row) for row in holds],  # type: ignore[misc]
        open_loans=open_loans,
        closed=list(closed),
        waiting=(waiting[0], datetime.fromisoformat(waiting[1])) if waiting else None,
    )


def closed_day_list() -> QuerySet[ClosedDay]:
    return ClosedDay.objects.all()


def item_ids_by_barcode(barcodes: list[str], *, field: str) -> dict[str, int]:
    """Each barcode's item id, in the barcodes' order; NotFound, naming the unknown barcodes
    under the input's `field`, if any barcode is no item's."""
    ids = dict(Item.objects.filter(barcode__in=barcodes).values_list("barcode", "id"))
    unknown = [b for b in barcodes if b not in ids]
    if unknown:
        raise NotFound(
            gettext("No item has the barcode %(barcode)s.") % {"barcode": quoted(unknown[0])},
            code="unknown_item",
            fields={
                field: [gettext("unknown: %(barcodes)s") % {"barcodes": ", ".join(unknown[:20])}]
            },
        )
    return {b: ids[b] for b in barcodes}


def item_type_of(item: Item) -> str:
    try:
        return item.circulation.item_type  # type: ignore[attr-defined, no-any-return]
    except ItemCirculation.DoesNotExist:
        return ""


def copies_public_notes(item_ids: Iterable[int]) -> dict[int, str]:
    """What a reader may know of these copies beyond their status: when one on loan is due.
    Never who has it (a copy kept for a hold says so by its status)."""
    ids = list(item_ids)
    if not ids:
        return {}
    return {
        item_id: gettext("due back on %(date)s") % {"date": date_format(due_on, "DATE_FORMAT")}
        for item_id, due_on in Loan.objects.filter(
            item_id__in=ids, returned_at__isnull=True
        ).values_list("item_id", "due_on")
    }


def item_lent(item_id: int) -> bool:
    """Whether the item has an open loan (its status alone may say on loan without one)."""
    return Loan.objects.filter(item_id=item_id, returned_at__isnull=True).exists()


def items_lent_reason(items: QuerySet[Item]) -> str:
    """Why these copies must not be deleted, or "": a copy on loan is with a patron, and one
    lent before keeps its loans (anonymised or not) for the library's statistics. Asked by
    the catalog before it deletes copies (see circulation.apps)."""
    lent = items.filter(pk__in=Loan.objects.values("item_id")).order_by("barcode")
    on_loan = lent.filter(pk__in=Loan.objects.filter(returned_at__isnull=True).values("item_id"))
    count = on_loan.count()
    if count:
        return ngettext(
            "%(count)s copy is on loan (%(barcodes)s): check it in, then mark it withdrawn "
            "rather than deleting it, since a copy that has been lent keeps its loans for the "
            "library's statistics.",
            "%(count)s copies are on loan (%(barcodes)s): check them in, then mark them "
            "withdrawn rather than deleting them, since a copy that has been lent keeps its "
            "loans for the library's statistics.",
            count,
        ) % {"count": count, "barcodes": ", ".join(on_loan.values_list("barcode", flat=True)[:5])}
    count = lent.count()
    if count:
        return ngettext(
            "%(count)s copy has been lent (%(barcodes)s) and keeps its loans for the library's "
            "statistics: mark it withdrawn rather than deleting it.",
            "%(count)s copies have been lent (%(barcodes)s) and keep their loans for the "
            "library's statistics: mark them withdrawn rather than deleting them.",
            count,
        ) % {"count": count, "barcodes": ", ".join(lent.values_list("barcode", flat=True)[:5])}
    return ""


def item_removal_refused(item: Item) -> str:
    """Why this one copy cannot be removed from the catalog, in words about it, or "": said
    on its page before anyone asks to remove it (the deletion itself is refused for the same
    reasons, by items_lent_reason and the catalog's hold shelf check)."""
    if item.status == Item.Status.ON_HOLD_SHELF:
        return gettext(
            "This copy cannot be removed: it waits on the hold shelf for a patron. Lend it to "
            "them or cancel their hold first."
        )
    loans = Loan.objects.filter(item_id=item.pk)
    if loans.filter(returned_at__isnull=True).exists():
        return gettext(
            "This copy cannot be removed while it is on loan. Once it is checked in, mark it "
            "withdrawn instead: a copy that has been lent keeps its loans for the library's "
            "statistics."
        )
    if loans.exists():
        return gettext(
            "This copy cannot be removed: it has been lent before, and keeps its loans for the "
            "library's statistics. Mark it withdrawn instead."
        )
    return ""


def records_held_reason(records: QuerySet[Record]) -> str:
    """Why these records must not be deleted, or "": patrons wait for them (a hold waiting or
    ready), and would lose their place without a word. Asked by the catalog before it deletes
    records (see circulation.apps); holds that have ended go with their record."""
    held = Hold.objects.filter(record__in=records, status__in=Hold.ACTIVE)
    count = held.count()
    if not count:
        return ""
    return ngettext(
        "%(count)s patron has a hold on it: cancel the hold first, or keep the record.",
        "%(count)s patrons have holds on it: cancel their holds first, or keep the record.",
        count,
    ) % {"count": count}


def patron_category_list() -> list[str]:
    """The library's patron categories: the codes Stacks names in every language (adult,
    child...) and any other its patrons or lending rules use, by code."""
    used = set(Patron.objects.values_list("category", flat=True).distinct())
    used |= set(
        LoanRule.objects.exclude(patron_category="").values_list("patron_category", flat=True)
    )
    return sorted({*PATRON_CATEGORIES, *(code for code in used if code)})


def patron_category_choices(saved: object = None) -> list[tuple[str, str]]:
    """The library's patron categories as (code, name in the active language), by name, for
    the patron form and the lending rules alike; a saved code the list lacks stays offered,
    not lost. Two categories are never offered under one name: one Stacks names whose name is
    another's code (an "Erwachsene" typed in beside adult, shown "Erwachsene" in German) shows
    its code beside its name."""
    codes = patron_category_list()
    if saved and str(saved) not in codes:
        codes.append(str(saved))
    choices = [(code, patron_category_label(code)) for code in codes]
    named = Counter(label for _code, label in choices)
    choices = [
        (code, f"{label} ({code})" if named[label] > 1 and label != code else label)
        for code, label in choices
    ]
    return sorted(choices, key=lambda c: c[1].lower())


def patron_category_key(name: str) -> str:
    """A category's name as names are compared: case, accents and spaces aside."""
    return " ".join(search_fold(name).casefold().split())


def patron_category_names() -> dict[str, str]:
    """The library's patron categories (patron_category_list) by each name they go by, as
    patron_category_key has it: their codes, and for those Stacks names, their names in each
    of its languages ("Erwachsene", "adulte": adult). A library's code wins over a name."""
    names = {patron_category_key(code): code for code in patron_category_list()}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for code, label in PATRON_CATEGORIES.items():
                names.setdefault(patron_category_key(str(label)), code)
    return names


def patron_category_find(given: str, names: dict[str, str] | None = None) -> str | None:
    """The code of the library's category `given` names: its code, or its name in any of
    Stacks's languages, case, accents and spaces aside ("Erwachsene", "adulte": adult); None
    when it names none. A caller that asks for many passes patron_category_names() once."""
    known = patron_category_names() if names is None else names
    return known.get(patron_category_key(given))
