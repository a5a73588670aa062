"""Writes of circulation. Each service owns its transaction; lending an item or taking it back
changes the item's status and writes the catalog's change feed in that same transaction."""

import json
from collections.abc import Collection
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy, gettext_noop, ngettext

from catalog.models import Change, Item, Record
from catalog.services import (
    barcode_unprintable,
    barcodes_alike,
    barcodes_held,
    barcodes_hold,
    changes_log,
)
from circulation.models import (
    CirculationSettings,
    ClosedDay,
    Hold,
    ItemCirculation,
    Loan,
    LoanRule,
    Notice,
    Patron,
    patron_category_label,
)
from circulation.selectors import (
    MAX_CLOSED_RUN,
    RenewalTerms,
    barcode_as_stored,
    checkout_terms,
    circulation_settings_get,
    due_date_after,
    item_ids_by_barcode,
    loan_rule_for,
    local_date,
    patron_at_desk,
    patron_category_find,
    patron_category_list,
    renewal_terms,
    today,
)
from common.emails import is_email_address
from common.errors import (
    ApplicationError,
    Conflict,
    NotFound,
    Versions,
    delete_or_not_found,
    first_or_not_found,
    version_expected_check,
)
from common.language import quoted
from common.saves import values_changed
from common.tasks import task_enqueue, task_name
from staff.audit import audit_record
from staff.models import AuditEvent

NOTICES_SEND = task_name("worker.circulation_notices_send")
CIRCULATION_DAILY = "worker.circulation_daily"


# --- Patrons -----------------------------------------------------------------------------------


@dataclass
class PatronData:
    """What a patron record says, as sent: checked by patron_create and patron_update."""

    name: str
    barcode: str
    email: str = ""
    category: str = "adult"
    expires_on: date | None = None
    notes: str = ""
    # None keeps the patron's block as it is (a patron file, say, says nothing of blocks).
    blocked: bool | None = None
    block_reason: str | None = None


def patron_fields_apply(
    patron: Patron, data: PatronData, *, actor: str = "", new_categories: bool = False
) -> bool:
    """Check `data` as a write of `patron` would (every problem named by its field) and set
    it on the instance, unsaved: whether that changed anything. `actor` is who writes it (as
    staff.audit.actor_label names them), kept with a block they set. The category is one of
    the library's, by its code or its name in any language, as a patron file names it
    (patron_category_find); with `new_categories` (a patron file's, whose preview lists those
    it creates), any code."""
    errors: dict[str, list[str]] = {}
    block = _block_values(patron, data, actor, errors)
    name, barcode = data.name.strip(), data.barcode.strip()
    email, category = data.email.strip(), data.category.strip()
    if not name:
        errors["name"] = [gettext("A patron needs a name.")]
    if barcode and barcode != patron.barcode:
        # Held before other cards are asked for it in any case, not only before copies are:
        # a card given it in another case at the same time is then saved before we ask.
        barcodes_hold(asking="patron")
    if not barcode:
        errors["barcode"] = [gettext("A patron needs a barcode.")]
    elif len(barcode) > 64:
        errors["barcode"] = [gettext("A barcode has at most 64 characters.")]
    elif unprintable := barcode_unprintable(barcode):
        errors["barcode"] = [unprintable]
    elif Patron.objects.filter(barcode=barcode).exclude(pk=patron.pk).exists():
        errors["barcode"] = [
            gettext("Barcode %(barcode)s is already another patron's.")
            % {"barcode": quoted(barcode)}
        ]
    elif barcode != patron.barcode and (alike := _patrons_alike(barcode, patron)):
        # Asked only of a new barcode, as below: two cards that differ only by case from
        # before can still be saved, and the desk asks for such a barcode to be typed exactly.
        errors["barcode"] = [
            gettext(
                "Barcode %(barcode)s is already %(name)s's card %(stored)s (the desk does not "
                "tell upper and lower case apart): give this card another barcode."
            )
            % {"barcode": quoted(barcode), "stored": alike[0], "name": alike[1]}
        ]
    elif barcode != patron.barcode and (
        holder := barcodes_held([barcode], asking="patron").get(barcode)
    ):
        # Asked only of a new barcode, as for copies (catalog.services.items).
        errors["barcode"] = [
            gettext(
                "Barcode %(barcode)s is already %(holder)s, and the desk could not tell them "
                "apart: give the card another barcode."
            )
            % {"barcode": quoted(barcode), "holder": holder}
        ]
    if email and not is_email_address(email):
        errors["email"] = [gettext("%(email)s is not an email address.") % {"email": quoted(email)}]
    if not category or len(category) > 32:
        errors["category"] = [gettext("A category is a code of 1 to 32 characters.")]
    elif not new_categories and category != patron.category:
        code = patron_category_find(category)
        if code is None:
            errors["category"] = [_category_unknown(category)]
        category = code or category
    if errors:
        message = " ".join(messages[0] for messages in errors.values())
        raise ApplicationError(message, code="invalid_patron", fields=errors)
    values = {"name": name[:200], "barcode": barcode, "email": email, "category": category,
              "expires_on": data.expires_on, "notes": data.notes, **block}  # fmt: skip
    changed = values_changed(patron, values)
    for field, value in changed.items():
        setattr(patron, field, value)
    if patron.pk is not None and changed:
        patron.version += 1
    return bool(changed)


def _category_unknown(given: str) -> str:
    """Why a category the library does not have is refused, naming those it has (each by its
    name in the active language, and its code where that differs)."""
    labels = {code: patron_category_label(code) for code in patron_category_list()}
    named = [label if label == code else f"{label} ({code})" for code, label in labels.items()]
    return gettext("%(given)s is not one of the library's patron categories: %(categories)s.") % {
        "given": quoted(given),
        "categories": ", ".join(sorted(named, key=str.casefold)),
    }


def _block_values(
    patron: Patron, data: PatronData, actor: str, errors: dict[str, list[str]]
) -> dict[str, Any]:
    """The block columns `data` asks for: a block needs its reason; setting it records who
    and when, which a new reason for a block that stands keeps (the block started then, by
    them); lifting it clears all three. A reason sent for a patron who is not blocked,
    without blocking them, is refused rather than dropped."""
    reason = (patron.block_reason if data.block_reason is None else data.block_reason).strip()
    wanted = patron.blocked if data.blocked is None else data.blocked
    if not wanted:
        if not patron.blocked and reason:
            errors["block_reason"] = [
                gettext("A reason goes with a block: block the patron, or leave the reason empty.")
            ]
        return {"block_reason": "", "blocked_at": None, "blocked_by": ""}
    if not reason:
        errors["block_reason"] = [
            gettext("Say why the patron is blocked: the desk shows the reason.")
        ]
    elif len(reason) > 500:
        errors["block_reason"] = [gettext("A block's reason has at most 500 characters.")]
    if patron.blocked:
        return {} if reason == patron.block_reason else {"block_reason": reason}
    return {"block_reason": reason, "blocked_at": timezone.now(), "blocked_by": actor[:254]}


def _patrons_alike(barcode: str, patron: Patron) -> tuple[str, str] | None:
    """The card (barcode as stored, and its patron's name) of another patron than `patron`
    that has `barcode` only in another case, if any."""
    others = Patron.objects.exclude(pk=patron.pk) if patron.pk is not None else Patron.objects
    alike = barcodes_alike(others.all(), [barcode], fields=("name",)).get(barcode)
    return (alike[0], alike[1]) if alike else None


def _patron_locked(patron_id: int) -> Patron:
    return first_or_not_found(
        Patron.objects.select_for_update().filter(pk=patron_id), gettext("No such patron.")
    )


def _patron_save(patron: Patron) -> None:
    try:
        with transaction.atomic():
            patron.save()
    except IntegrityError:
        message = gettext("Barcode %(barcode)s is already another patron's.") % {
            "barcode": quoted(patron.barcode)
        }
        raise ApplicationError.of_field("barcode", message, code="invalid_patron") from None


def patron_pin_check(pin: str) -> None:
    """Refuse a PIN that is not 4 to 12 digits (the rule of the API, the staff form and imports)."""
    if not (pin.isascii() and pin.isdigit()) or not 4 <= len(pin) <= 12:
        message = gettext("A PIN is 4 to 12 digits.")
        raise ApplicationError.of_field("pin", message)


@transaction.atomic
def patron_create(
    *, data: PatronData, pin: str = "", actor: str = "", audit_actor: str = ""
) -> Patron:
    """Register a patron; `audit_actor` (as staff.audit.actor_name names them) is who the
    library's audit log says blocked them, when they are registered blocked."""
    patron = Patron()
    patron_fields_apply(patron, data, actor=actor)
    if pin:
        patron_pin_check(pin)
        patron.pin_hash = make_password(pin)
    _patron_save(patron)
    _block_audit(patron, (False, ""), audit_actor)
    return patron


@transaction.atomic
def patron_update(
    *, patron_id: int, data: PatronData, expected_version: Versions | None = None,
    actor: str = "", audit_actor: str = "",
) -> Patron:  # fmt: skip
    """Change a patron's record; with `expected_version` (the version the editor read), refuse
    (412) a save made over someone else's since, which would silently undo theirs. A block set
    or lifted is written to the library's audit log as `audit_actor`'s."""
    patron = _patron_locked(patron_id)
    version_expected_check(
        current=patron.version,
        expected=expected_version,
        stale=gettext(
            "This patron changed since you read it (version %(current)s, you sent "
            "%(expected)s): read it again, then make your change on what is saved now."
        ),
        never_had=gettext(
            "Version %(expected)s is not one this patron has had (it is at version "
            "%(current)s): send the ETag a read of it answered."
        ),
        code="patron_changed",
    )
    before = (patron.blocked, patron.block_reason)
    if patron_fields_apply(patron, data, actor=actor):
        _patron_save(patron)
        _block_audit(patron, before, audit_actor)
    return patron


def _block_audit(patron: Patron, before: tuple[bool, str], actor: str) -> None:
    """Write a block set or lifted to the library's audit log: by whom, on whom (name and
    card), and why (a lifted block's reason is the one it had). `before` is whether the
    patron was blocked before the write, and why."""
    was_blocked, reason_before = before
    if patron.blocked == was_blocked:
        return
    audit_record(
        actor=actor,
        action="patron.block" if patron.blocked else "patron.unblock",
        target=f"{patron.name} ({patron.barcode})",
        patron_id=patron.pk,
        reason=patron.block_reason or reason_before,
    )


@transaction.atomic
def patron_patch(
    *, patron_id: int, changes: dict[str, Any], expected_version: Versions | None = None,
    actor: str = "", audit_actor: str = "",
) -> Patron:  # fmt: skip
    """Change only the fields in `changes` (PatronData's names), reading the others under the
    patron's lock: two people changing different fields at once both keep their change."""
    locked = _patron_locked(patron_id)
    current = {field.name: getattr(locked, field.name) for field in fields(PatronData)}
    data = PatronData(**{**current, **changes})
    return patron_update(
        patron_id=patron_id, data=data, expected_version=expected_version, actor=actor,
        audit_actor=audit_actor,
    )  # fmt: skip


@transaction.atomic
def patron_pin_set(*, patron_id: int, pin: str) -> None:
    patron_pin_check(pin)
    if not Patron.objects.filter(pk=patron_id).update(pin_hash=make_password(pin)):
        raise NotFound(gettext("No such patron."))


def patron_authenticate(*, barcode: str, pin: str) -> Patron | None:
    """The patron with this barcode (in whatever case it is typed, as the desk reads a card)
    and PIN, or None (a patron without a PIN cannot sign in)."""
    patron = patron_at_desk(barcode=barcode)
    if patron is None or not patron.pin_hash or not pin:
        return None
    return patron if check_password(pin, patron.pin_hash) else None


def patron_export(*, patron_id: int) -> dict[str, Any]:
    """Everything the library keeps about a patron, for a request to see it."""
    patron = first_or_not_found(Patron.objects.filter(pk=patron_id), gettext("No such patron."))
    loans = Loan.objects.filter(patron=patron).select_related("item", "item__record")
    holds = Hold.objects.filter(patron=patron).select_related("record")
    notices = Notice.objects.filter(patron=patron)
    return {
        "patron": {
            "name": patron.name, "barcode": patron.barcode, "email": patron.email,
            "category": patron.category, "expires_on": patron.expires_on, "notes": patron.notes,
            "block_reason": patron.block_reason, "blocked_at": patron.blocked_at,
            "blocked_by": patron.blocked_by,
            "has_pin": bool(patron.pin_hash), "created_at": patron.created_at,
        },
        "loans": [
            {"item_barcode": loan.item.barcode, "title": loan.item.record.title,
             "checked_out_at": loan.checked_out_at, "due_on": loan.due_on,
             "renewals": loan.renewals, "returned_at": loan.returned_at}
            for loan in loans.defer("item__record__source_marc")
        ],
        "holds": [
            {"record": hold.record_id, "title": hold.record.title, "status": hold.status,
             "placed_at": hold.placed_at, "expires_on": hold.expires_on}
            for hold in holds.defer("record__source_marc")
        ],
        "notices": [
            {"kind": notice.kind, "about_date": notice.about_date, "sent_at": notice.sent_at}
            for notice in notices
        ],
    }  # fmt: skip


def patron_export_json(*, patron_id: int) -> str:
    return json.dumps(patron_export(patron_id=patron_id), default=str, indent=2)


@transaction.atomic
def patron_erase(*, patron_id: int) -> None:
    """Forget a patron: refused while they have items out; their returned loans stay, without
    them, and their holds and notices go."""
    patron = _patron_locked(patron_id)
    if Loan.objects.filter(patron=patron, returned_at__isnull=True).exists():
        raise Conflict(
            gettext(
                "This patron still has items on loan: check them in before erasing the patron."
            ),
            code="patron_has_loans",
        )
    # Their copies waiting on the hold shelf go to the next in each queue, as on a cancel.
    ready = Hold.objects.filter(patron=patron, status=Hold.Status.READY)
    shelved = []
    for hold_id in list(ready.values_list("pk", flat=True)):
        hold = _hold_lock(ready.filter(pk=hold_id))  # its copy first, as the desk does
        if hold is not None and hold.item is not None:
            shelved.append(hold.item)
    Loan.objects.filter(patron=patron).update(patron=None)
    Notice.objects.filter(patron=patron).delete()
    # The audit log keeps that a block was set or lifted, not on whom or why.
    AuditEvent.objects.filter(action__startswith="patron.", detail__patron_id=patron.pk).update(
        target="", detail={}
    )
    patron.delete()
    for item in shelved:
        _hold_shelf_leave(item, timezone.now())


@transaction.atomic
def loans_anonymize(*, now: datetime | None = None) -> int:
    """Returned loans older than the library's setting lose their patron."""
    days = circulation_settings_get().anonymize_after_days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return Loan.objects.filter(returned_at__lt=cutoff, patron__isnull=False).update(patron=None)


# --- Rules -------------------------------------------------------------------------------------


@dataclass
class LoanRuleData:
    patron_category: str = ""
    item_type: str = ""
    for_loan: bool = True
    loan_days: int = 21
    max_loans: int = 10
    renewals: int = 2
    max_holds: int = 5


def _rule_cleaned(data: LoanRuleData) -> LoanRuleData:
    """The rule as it is stored and compared: category and item type without outer spaces."""
    return replace(
        data, patron_category=data.patron_category.strip(), item_type=data.item_type.strip()
    )


def _rule_check(data: LoanRuleData, exclude: int) -> None:
    taken = LoanRule.objects.filter(patron_category=data.patron_category, item_type=data.item_type)
    if taken.exclude(pk=exclude).exists():
        message = gettext("A rule for this patron category and item type already exists.")
        raise ApplicationError.of_field("item_type", message, code="loan_rule_taken")
    if data.for_loan and data.loan_days < 1:
        message = gettext("A loan period is at least one day.")
        raise ApplicationError.of_field("loan_days", message)


@transaction.atomic
def loan_rule_create(*, data: LoanRuleData) -> LoanRule:
    data = _rule_cleaned(data)
    _rule_check(data, 0)
    return LoanRule.objects.create(**data.__dict__)


@transaction.atomic
def loan_rule_update(*, rule_id: int, data: LoanRuleData) -> LoanRule:
    rule = first_or_not_found(
        LoanRule.objects.select_for_update().filter(pk=rule_id), gettext("No such rule.")
    )
    data = _rule_cleaned(data)
    _rule_check(data, rule_id)
    for name, value in data.__dict__.items():
        setattr(rule, name, value)
    rule.save()
    return rule


@transaction.atomic
def loan_rule_delete(*, rule_id: int) -> None:
    delete_or_not_found(LoanRule.objects.filter(pk=rule_id), gettext("No such rule."))


@transaction.atomic
def closed_day_add(*, day: date, reason: str = "") -> ClosedDay:
    closed, _ = ClosedDay.objects.update_or_create(date=day, defaults={"reason": reason[:200]})
    return closed


@transaction.atomic
def closed_day_remove(*, closed_day_id: int) -> None:
    delete_or_not_found(ClosedDay.objects.filter(pk=closed_day_id), gettext("No such closed day."))


@transaction.atomic
def circulation_settings_update(
    *, anonymize_after_days: int, hold_shelf_days: int, due_soon_days: int
) -> CirculationSettings:
    """The library's lending settings: days before returned loans lose their patron, days on
    the hold shelf, days before the due date that the due-soon notice goes."""
    if not (0 <= anonymize_after_days <= 3650 and 1 <= hold_shelf_days <= 365
            and 0 <= due_soon_days <= 60):  # fmt: skip
        raise ApplicationError(
            gettext(
                "Anonymize after 0 to 3650 days; hold shelf 1 to 365 days; due-soon 0 to 60 days."
            )
        )
    settings = CirculationSettings.objects.select_for_update().filter(pk=1).first()
    settings = settings or circulation_settings_get()
    settings.anonymize_after_days = anonymize_after_days
    settings.hold_shelf_days = hold_shelf_days
    settings.due_soon_days = due_soon_days
    settings.save()
    return settings


@transaction.atomic
def item_type_set(*, item_barcodes: list[str], item_type: str) -> int:
    """Give items a type (what rules are chosen by); every barcode must be known."""
    item_type = item_type.strip()
    if len(item_type) > 32:
        raise ApplicationError(gettext("An item type has at most 32 characters."))
    barcodes = [b.strip() for b in item_barcodes if b.strip()]
    ids = item_ids_by_barcode(barcodes, field="item_barcodes")
    ItemCirculation.objects.bulk_create(
        [ItemCirculation(item_id=pk, item_type=item_type) for pk in ids.values()],
        update_conflicts=True,
        unique_fields=["item"],
        update_fields=["item_type"],
    )
    return len(ids)


def due_date(*, start: date, days: int) -> date:
    """`days` after `start`, moved to the next open day if the library is closed then."""
    due = start + timedelta(days=days)
    closed = ClosedDay.objects.filter(
        date__gte=due, date__lte=due + timedelta(days=MAX_CLOSED_RUN)
    ).values_list("date", flat=True)
    return due_date_after(start=start, days=days, closed=closed)


# --- Loans -------------------------------------------------------------------------------------


# The desk's two locking reads, written out: the ORM would build the same statements on every
# scan, and on the desk's busiest path building them costs more than running them.
_ITEM_COLUMNS = [f.attname for f in Item._meta.concrete_fields]
_LOAN_COLUMNS = [f.attname for f in Loan._meta.concrete_fields]
_PATRON_COLUMNS = [f.attname for f in Patron._meta.concrete_fields]
_ITEM_FOR_DESK_SQL = f"""
SELECT {", ".join(f"i.{c}" for c in _ITEM_COLUMNS)}, c.item_id, c.item_type, r.id, r.title
FROM catalog_item i
LEFT JOIN circulation_itemcirculation c ON c.item_id = i.id
JOIN catalog_record r ON r.id = i.record_id
WHERE i.barcode = %s LIMIT 1 FOR UPDATE OF i
"""  # noqa: S608 - column names only
_PATRON_FOR_DESK_SQL = f"""
SELECT {", ".join(_PATRON_COLUMNS)}
FROM circulation_patron WHERE barcode = %s LIMIT 1 FOR UPDATE
"""  # noqa: S608 - column names only


def _row_by_barcode(sql: str, rows: QuerySet[Any], barcode: str) -> tuple[Any, ...] | None:
    """The row `sql` reads for `barcode` as typed, else for the one barcode of `rows` that
    matches it in another case (barcode_as_stored)."""
    if not barcode:
        return None
    with connection.cursor() as cursor:
        cursor.execute(sql, [barcode])
        row = cursor.fetchone()
        stored = barcode_as_stored(rows, barcode) if row is None else barcode
        if stored != barcode:
            cursor.execute(sql, [stored])
            row = cursor.fetchone()
    return row  # type: ignore[no-any-return]


def _item_for_desk(barcode: str) -> Item:
    """The item with this barcode (in whatever case it was typed), locked, with its type and
    its record's title."""
    barcode = barcode.strip()
    row = _row_by_barcode(_ITEM_FOR_DESK_SQL, Item.objects.all(), barcode)
    if row is None:
        raise NotFound(
            gettext("No item has the barcode %(barcode)s.") % {"barcode": quoted(barcode)},
            code="unknown_item",
            fields={"item_barcode": [gettext("No item has this barcode.")]},
        )
    split = len(_ITEM_COLUMNS)
    item = Item.from_db("default", _ITEM_COLUMNS, row[:split])
    circulation_id, item_type, record_id, title = row[split:]
    item._state.fields_cache["record"] = Record.from_db(
        "default", ["id", "title"], [record_id, title]
    )
    item._state.fields_cache["circulation"] = (
        ItemCirculation.from_db("default", ["item_id", "item_type"], [circulation_id, item_type])
        if circulation_id is not None
        else None
    )
    return item


def _patron_for_desk(barcode: str, on: date, *, action: str) -> Patron:
    barcode = barcode.strip()
    # Locked so that two desks lending to one patron count their loans one after the other.
    row = _row_by_barcode(_PATRON_FOR_DESK_SQL, Patron.objects.all(), barcode)
    if row is None:
        raise NotFound(
            gettext("No patron has the barcode %(barcode)s.") % {"barcode": quoted(barcode)},
            code="unknown_patron",
            fields={"patron_barcode": [gettext("No patron has this barcode.")]},
        )
    patron = Patron.from_db("default", _PATRON_COLUMNS, row)
    _card_check(patron, on, action=action, field="patron_barcode")
    return patron


def _not_on_loan(item: Item) -> Conflict:
    """The desk's refusal to check in or renew a copy that is not out."""
    message = gettext("Item %(barcode)s is not on loan.") % {"barcode": item.barcode}
    return Conflict.of_field("item_barcode", message, code="item_not_on_loan")


# Why a blocked patron's lending, renewal or hold is refused, one sentence each: said at the
# desk, over the API (to a self-check machine as well) and in the worker, so it points at no
# page, which the desk adds of its own.
_BLOCKED = {
    "lend": gettext_noop(
        "%(name)s is blocked (%(reason)s): nothing can be lent to them until the block is lifted."
    ),
    "renew": gettext_noop(
        "%(name)s is blocked (%(reason)s): their loans cannot be renewed until the block is lifted."
    ),
    "hold": gettext_noop(
        "%(name)s is blocked (%(reason)s): no hold can be placed for them until the block is "
        "lifted."
    ),
}


def _card_check(patron: Patron, on: date, *, action: str, field: str = "") -> None:
    """Refuse a patron who is blocked, or whose card expired before `on`: lending to them (a
    new loan, a renewal or a hold: `action` is "lend", "renew" or "hold"; at the desk, over
    the API or on their own account) waits until the block is lifted or the card renewed.
    `field` names the input it is about."""
    if patron.blocked:
        message = gettext(_BLOCKED[action]) % {"name": patron.name, "reason": patron.block_reason}
        raise ApplicationError(
            message,
            code="patron_blocked",
            fields={field: [message]} if field else None,
            quoted=(patron.name, patron.block_reason),
        )
    if patron.expires_on is not None and patron.expires_on < on:
        message = gettext("%(name)s's card expired on %(date)s: renew it first.") % {
            "name": patron.name,
            "date": date_format(patron.expires_on, "SHORT_DATE_FORMAT"),
        }
        raise ApplicationError(
            message,
            code="patron_expired",
            fields={field: [message]} if field else None,
            quoted=(patron.name,),
        )


# Check-out and check-in, the desk's busiest calls, write the item by hand-written SQL: the
# ORM's update building costs more than the statement.
_ITEM_STATUS_SQL = """
UPDATE catalog_item SET status = %s, version = version + 1, updated_at = %s WHERE id = %s
"""


def _item_status_set(item: Item, status: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_ITEM_STATUS_SQL, [status, timezone.now(), item.pk])
    item.status = status
    changes_log(Change.Entity.ITEM, [item.pk], Change.Action.UPDATED)


# The new loan's row, written out: the ORM's save builds the INSERT anew on every check-out.
_LOAN_OPEN_SQL = """
INSERT INTO circulation_loan (item_id, patron_id, checked_out_at, due_on, renewals, returned_at)
VALUES (%s, %s, %s, %s, 0, NULL) RETURNING id
"""


def _loan_open(*, item: Item, patron: Patron, due_on: date) -> Loan:
    """A new open loan of `item` to `patron`, as Loan.objects.create makes it."""
    checked_out_at = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_LOAN_OPEN_SQL, [item.pk, patron.pk, checked_out_at, due_on])
        (loan_id,) = cursor.fetchone()
    loan = Loan.from_db(
        "default",
        ["id", "item_id", "patron_id", "checked_out_at", "due_on", "renewals", "returned_at"],
        [loan_id, item.pk, patron.pk, checked_out_at, due_on, 0, None],
    )
    loan.item, loan.patron = item, patron
    return loan


@transaction.atomic
def loan_checkout(*, item_barcode: str, patron_barcode: str, override_holds: bool = False) -> Loan:
    """Lend an item to a patron, by their barcodes. An item already on loan is a conflict (409);
    so is an item waiting on the hold shelf for someone else, and (unless `override_holds`)
    one whose title another patron waits for ahead of this one."""
    on = today()
    patron = _patron_for_desk(patron_barcode, on, action="lend")
    item = _item_for_desk(item_barcode)
    # A copy marked on loan with no open loan (brought so by an import or a migration) is lent
    # as it stands: no loan is lost, and the new one is the one the library records.
    lent = (
        Loan.objects.filter(item_id=item.pk, returned_at__isnull=True)
        .values_list("patron_id", "due_on")
        .first()
        if item.status == Item.Status.ON_LOAN
        else None
    )
    if lent is not None and lent[0] == patron.pk:
        # Scanned or sent again for the patron who has it: they most likely want it longer.
        message = gettext(
            "Item %(barcode)s is already lent to this patron, due %(date)s: renew the loan instead."
        ) % {"barcode": item.barcode, "date": date_format(lent[1], "SHORT_DATE_FORMAT")}
        raise Conflict.of_field("item_barcode", message, code="item_lent_to_patron")
    if lent is not None:
        message = gettext("Item %(barcode)s is already on loan: check it in first.") % {
            "barcode": item.barcode
        }
        raise Conflict.of_field("item_barcode", message, code="item_on_loan")
    if item.status not in (Item.Status.AVAILABLE, Item.Status.ON_HOLD_SHELF, Item.Status.ON_LOAN):
        message = gettext("Item %(barcode)s is not for loan (status: %(status)s).") % {
            "barcode": item.barcode,
            "status": item.get_status_display(),
        }
        raise ApplicationError.of_field("item_barcode", message, code="item_not_for_loan")
    terms = checkout_terms(patron=patron, item=item, on=on)
    rule = terms.rule
    if not rule.for_loan:
        message = gettext("Item %(barcode)s is not for loan to %(category)s patrons.") % {
            "barcode": item.barcode,
            "category": patron.category_label,
        }
        raise ApplicationError.of_field("item_barcode", message, code="item_not_for_loan")
    # A hold this item waits on the shelf for, and the patron's own holds on the record (which
    # this loan fulfils).
    holds = terms.holds
    held_for = {p for _, p, i, st in holds if i == item.pk and st == Hold.Status.READY}
    if held_for - {patron.pk} or (item.status == Item.Status.ON_HOLD_SHELF and not held_for):
        message = gettext("Item %(barcode)s is on the hold shelf for another patron.") % {
            "barcode": item.barcode
        }
        raise Conflict.of_field("item_barcode", message, code="item_held")
    if terms.waiting is not None and not override_holds:
        name, placed_at = terms.waiting
        raise Conflict(
            gettext("%(name)s has a hold on this title (placed %(date)s): lend it anyway?")
            % {"name": name, "date": date_format(local_date(placed_at), "SHORT_DATE_FORMAT")},
            code="hold_waiting",
            fields={"override_holds": [gettext("Another patron waits for this title.")]},
            quoted=(name,),
        )
    if terms.open_loans >= rule.max_loans:
        message = ngettext(
            "%(name)s already has %(count)s item on loan, the most allowed.",
            "%(name)s already has %(count)s items on loan, the most allowed.",
            rule.max_loans,
        ) % {"name": patron.name, "count": rule.max_loans}
        raise ApplicationError.of_field(
            "patron_barcode", message, code="loan_limit_reached", quoted=(patron.name,)
        )
    due_on = due_date_after(start=on, days=rule.loan_days, closed=terms.closed)
    try:
        # No savepoint: after a refusal the whole transaction rolls back anyway.
        loan = _loan_open(item=item, patron=patron, due_on=due_on)
    except IntegrityError:
        # The item's row lock settles two desks; the open-loan index settles anything else.
        raise Conflict(
            gettext("Item %(barcode)s is already on loan.") % {"barcode": item.barcode},
            code="item_on_loan",
        ) from None
    _item_status_set(item, Item.Status.ON_LOAN)
    fulfilled = [(pk, i, st) for pk, p, i, st in holds if p == patron.pk]
    if fulfilled:
        now = timezone.now()
        Hold.objects.filter(pk__in=[pk for pk, _, _ in fulfilled]).update(
            status=Hold.Status.FULFILLED, item=item, ended_at=now
        )
        # Another copy kept on the shelf for this patron now waits for nobody: it goes to the
        # next in the queue or back to the shelves, as when a hold is cancelled.
        for _, kept, status in fulfilled:
            if status == Hold.Status.READY and kept is not None and kept != item.pk:
                _hold_shelf_leave(Item.objects.get(pk=kept), now)
    return loan


# The item's row is locked already and at most one loan of it is open (loan_open_item), so the
# loan is closed and read back, with its patron, in one statement.
_LOAN_CLOSE_SQL = f"""
WITH closed AS (
    UPDATE circulation_loan SET returned_at = %(now)s
    WHERE item_id = %(item_id)s AND returned_at IS NULL
    RETURNING {", ".join(_LOAN_COLUMNS)}
)
SELECT {", ".join(f"closed.{c}" for c in _LOAN_COLUMNS)},
       {", ".join(f"p.{c}" for c in _PATRON_COLUMNS)}
FROM closed LEFT JOIN circulation_patron p ON p.id = closed.patron_id
"""  # noqa: S608 - column names only


def _loan_close(*, item_id: int, now: datetime) -> Loan | None:
    """Mark the item's open loan returned at `now`; the loan (with its patron), or None."""
    with connection.cursor() as cursor:
        cursor.execute(_LOAN_CLOSE_SQL, {"now": now, "item_id": item_id})
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(_LOAN_COLUMNS)
    loan = Loan.from_db("default", _LOAN_COLUMNS, row[:split])
    loan.patron = (
        Patron.from_db("default", _PATRON_COLUMNS, row[split:]) if loan.patron_id else None
    )
    return loan


@dataclass
class Return:
    """A check-in: the item, the loan it closed (None for a copy marked on loan with no loan
    recorded here), and the hold the item now waits for, if any."""

    item: Item
    loan: Loan | None
    hold: Hold | None


@transaction.atomic
def loan_checkin(*, item_barcode: str) -> Return:
    """Take an item back. With a hold waiting on its record, it goes to the hold shelf for the
    first patron in the queue, who gets a notice. A copy marked on loan with no open loan (an
    import or a migration brings lent copies without their loans) is taken back the same way."""
    item = _item_for_desk(item_barcode)
    now = timezone.now()
    loan = _loan_close(item_id=item.pk, now=now)
    if loan is None and item.status != Item.Status.ON_LOAN:
        raise _not_on_loan(item)
    hold = _hold_trap(item, now)
    _item_status_set(item, Item.Status.AVAILABLE if hold is None else Item.Status.ON_HOLD_SHELF)
    if loan is not None:
        loan.item = item
    return Return(item=item, loan=loan, hold=hold)


# The first patron in the record's queue whose hold has not expired; a hold another desk is
# trapping at this moment is skipped rather than waited for. Every check-in asks.
_HOLD_COLUMNS = [f.attname for f in Hold._meta.concrete_fields]
_HOLD_NEXT_SQL = f"""
SELECT {", ".join(f.column for f in Hold._meta.concrete_fields)} FROM circulation_hold
WHERE record_id = %s AND status = %s AND (expires_on IS NULL OR expires_on >= %s)
ORDER BY placed_at, id LIMIT 1 FOR UPDATE SKIP LOCKED
"""  # noqa: S608 - column names only


def _hold_next(record_id: int, on: date) -> Hold | None:
    with connection.cursor() as cursor:
        cursor.execute(_HOLD_NEXT_SQL, [record_id, Hold.Status.WAITING, on])
        row = cursor.fetchone()
    return Hold.from_db("default", _HOLD_COLUMNS, row) if row is not None else None


def _hold_trap(item: Item, now: datetime) -> Hold | None:
    """Give the item to the first patron in its record's queue, if any: their hold becomes
    ready and they get a notice. The caller sets the item's status (on the hold shelf when a
    hold is returned), which is what every count of available copies reads."""
    hold = _hold_next(item.record_id, local_date(now))
    if hold is None:
        return None
    shelf_days = circulation_settings_get().hold_shelf_days
    hold.status = Hold.Status.READY
    hold.item = item
    hold.shelf_until = due_date(start=local_date(now), days=shelf_days)
    hold.save(update_fields=["status", "item", "shelf_until"])
    # A hold trapped before (and put back in the queue since: its copy went missing) has its
    # notice already: it is sent again, with the new shelf date.
    again = Notice.objects.filter(kind=Notice.Kind.HOLD_READY, hold=hold).update(
        about_date=hold.shelf_until, sent_at=None
    )
    if not again:
        Notice.objects.create(
            kind=Notice.Kind.HOLD_READY, patron_id=hold.patron_id, hold=hold,
            about_date=hold.shelf_until,
        )  # fmt: skip
    task_enqueue(NOTICES_SEND)
    return hold


@transaction.atomic
def hold_trap_item(*, item_barcode: str) -> Hold:
    """Put a copy fetched from the shelves on the hold shelf for the first patron waiting for
    its title, as a returned copy would be (the patron gets a notice)."""
    item = _item_for_desk(item_barcode)
    if item.status == Item.Status.ON_HOLD_SHELF:
        raise Conflict(
            gettext("Item %(barcode)s is already on the hold shelf.") % {"barcode": item.barcode},
            code="item_held",
        )
    if item.status != Item.Status.AVAILABLE:
        raise Conflict(
            gettext("Item %(barcode)s is not on the shelves (status: %(status)s).")
            % {"barcode": item.barcode, "status": item.get_status_display()},
            code="item_not_available",
        )
    hold = _hold_trap(item, timezone.now())
    if hold is None:
        raise Conflict(
            gettext("Nobody waits for the title of item %(barcode)s.") % {"barcode": item.barcode},
            code="no_hold_waiting",
        )
    _item_status_set(item, Item.Status.ON_HOLD_SHELF)
    return hold


@transaction.atomic
def loan_renew(*, item_barcode: str, patron_id: int | None = None) -> Loan:
    """Lend an item on loan for another loan period, from its due date (or from today, once
    it is overdue); `patron_id` limits it to that patron's loans."""
    item = _item_for_desk(item_barcode)
    loans = Loan.objects.select_for_update(of=("self",)).select_related("patron")
    loan = loans.filter(item=item, returned_at__isnull=True).first()
    if loan is None or (patron_id is not None and loan.patron_id != patron_id):
        raise _not_on_loan(item)
    loan.item = item
    on = today()
    due_on = _renewal_due_on(loan, on, renewal_terms([loan], on))
    loan.due_on = due_on
    loan.renewals += 1
    loan.save(update_fields=["due_on", "renewals"])
    # The copy's due date is on the record page: readers of the feed see it move.
    changes_log(Change.Entity.ITEM, [item.pk], Change.Action.UPDATED)
    return loan


def loan_renewal_refusals(loans: Collection[Loan]) -> dict[int, ApplicationError]:
    """Why renewing each of these open loans (with their items and patrons) would be refused,
    by loan id: the error loan_renew would raise; a loan it would renew is left out. Asks,
    writes nothing, in the same few queries however many loans there are."""
    on = today()
    terms = renewal_terms(loans, on)
    refusals = {}
    for loan in loans:
        try:
            _renewal_due_on(loan, on, terms)
        except ApplicationError as refused:
            refusals[loan.pk] = refused
    return refusals


def _renewal_due_on(loan: Loan, on: date, terms: RenewalTerms) -> date:
    """The loan's due date once renewed on `on`, or the refusal of its renewal: the one rule
    of whether a loan can be renewed, which loan_renew keeps and the desk asks before it
    offers a renewal."""
    item, patron = loan.item, loan.patron
    if patron is not None:
        _card_check(patron, on, action="renew")
    rule = terms.rule_for(loan)
    if loan.renewals >= rule.renewals:
        raise ApplicationError(
            ngettext(
                "Item %(barcode)s has been renewed %(count)s time, the most allowed.",
                "Item %(barcode)s has been renewed %(count)s times, the most allowed.",
                loan.renewals,
            )
            % {"barcode": item.barcode, "count": loan.renewals},
            code="renewal_limit_reached",
        )
    if item.record_id in terms.held_records:
        raise Conflict(
            gettext("Another patron waits for %(barcode)s's title: it cannot be renewed.")
            % {"barcode": item.barcode},
            code="hold_waiting",
        )
    # From the due date when renewed early, so that a renewal always gives a full period more.
    due_on = terms.due_date(start=max(loan.due_on, on), days=rule.loan_days)
    if due_on <= loan.due_on:
        raise ApplicationError(
            gettext("Item %(barcode)s cannot be renewed: it would not be due any later.")
            % {"barcode": item.barcode},
            code="renewal_not_later",
        )
    return due_on


# --- Holds -------------------------------------------------------------------------------------


@transaction.atomic
def hold_place(*, record_id: int, patron_barcode: str = "", patron_id: int | None = None,
               expires_on: date | None = None) -> Hold:  # fmt: skip
    """Queue a patron for a record (by barcode at the desk, by id when they place it)."""
    on = today()
    if patron_id is not None:
        patron = _patron_locked(patron_id)
        _card_check(patron, on, action="hold")
    else:
        patron = _patron_for_desk(patron_barcode, on, action="hold")
    if not Record.objects.filter(pk=record_id).exists():
        raise NotFound(gettext("No such record."), fields={"record": [gettext("No such record.")]})
    if expires_on is not None and expires_on < on:
        message = gettext("A hold cannot expire in the past.")
        raise ApplicationError.of_field("expires_on", message)
    rule = loan_rule_for(patron_category=patron.category, item_type="")
    active = Hold.objects.filter(patron=patron, status__in=Hold.ACTIVE)
    if active.filter(record_id=record_id).exists():
        raise Conflict(
            gettext("This patron already has a hold on this record."), code="hold_exists"
        )
    if active.count() >= rule.max_holds:
        raise ApplicationError(
            ngettext(
                "%(name)s already has %(count)s hold, the most allowed.",
                "%(name)s already has %(count)s holds, the most allowed.",
                rule.max_holds,
            )
            % {"name": patron.name, "count": rule.max_holds},
            code="hold_limit_reached",
            quoted=(patron.name,),
        )
    if Loan.objects.filter(
        patron=patron, item__record_id=record_id, returned_at__isnull=True
    ).exists():
        raise Conflict(gettext("This patron has this title on loan already."), code="hold_on_loan")
    return Hold.objects.create(record_id=record_id, patron=patron, expires_on=expires_on)


_ITEM_STATUS_LOCK_SQL = f"SELECT status FROM {Item._meta.db_table} WHERE id = %s FOR UPDATE"  # noqa: S608 - table name only


class _HoldMoved(Exception):
    """The hold was trapped for another copy between reading it and locking it."""


def _hold_lock(holds: QuerySet[Hold]) -> Hold | None:
    """The first of `holds`, locked after the copy trapped for it (if any), with that copy.

    Every path that writes a copy and its hold locks the copy first, then the hold (check-out
    and check-in take the copy's row before they touch a hold): a path taking the hold first
    would wait on the copy while the desk waits on the hold, and PostgreSQL would end one of
    them with a deadlock error."""
    while True:
        found = list(holds.values_list("item_id", flat=True)[:1])
        if not found:
            return None
        try:
            with transaction.atomic():
                if found[0] is not None:
                    with connection.cursor() as cursor:
                        cursor.execute(_ITEM_STATUS_LOCK_SQL, [found[0]])
                hold = holds.select_for_update(of=("self",)).select_related("item").first()
                if hold is not None and hold.item_id != found[0]:
                    raise _HoldMoved  # the copy locked is not its copy: undo, and again
                return hold
        except _HoldMoved:
            continue


# One whole sentence a way a hold ends: a status word put into a sentence would need its case
# changed, which German, capitalising its nouns, does not allow.
_HOLD_ENDED = {
    Hold.Status.FULFILLED: gettext_lazy("This hold was fulfilled already."),
    Hold.Status.CANCELLED: gettext_lazy("This hold is already cancelled."),
    Hold.Status.EXPIRED: gettext_lazy("This hold has expired already."),
}


@transaction.atomic
def hold_cancel(*, hold_id: int, patron_id: int | None = None) -> Hold:
    holds = Hold.objects.filter(pk=hold_id)
    if patron_id is not None:
        holds = holds.filter(patron_id=patron_id)
    hold = _hold_lock(holds)
    if hold is None:
        raise NotFound(gettext("No such hold."))
    if hold.status not in Hold.ACTIVE:
        raise Conflict(str(_HOLD_ENDED[Hold.Status(hold.status)]))
    was_trapped = hold.status == Hold.Status.READY and hold.item_id is not None
    hold.status = Hold.Status.CANCELLED
    hold.ended_at = timezone.now()
    hold.save(update_fields=["status", "ended_at"])
    if was_trapped and hold.item is not None:
        _hold_shelf_leave(hold.item, timezone.now())
    return hold


def _hold_shelf_leave(item: Item, now: datetime) -> None:
    """An item's hold ended on the shelf: the next in the queue gets it, or it is available
    again; readers see the change (the change feed moves the record page's cache on)."""
    with connection.cursor() as cursor:
        cursor.execute(_ITEM_STATUS_LOCK_SQL, [item.pk])
        row = cursor.fetchone()
    if row is None:
        return  # deleted since
    item.status = row[0]
    if item.status != Item.Status.ON_HOLD_SHELF:
        # A copy written off while it was held (before the hold shelf was a status of its
        # own) is not passed on: it is not on the shelf for anyone.
        changes_log(Change.Entity.ITEM, [item.pk], Change.Action.UPDATED)
        return
    hold = _hold_trap(item, now)
    _item_status_set(item, Item.Status.AVAILABLE if hold is None else Item.Status.ON_HOLD_SHELF)


def holds_expire(*, on: date | None = None) -> int:
    """End holds past their date: waiting ones past `expires_on`, trapped ones past their shelf
    date (the item then goes to the next in the queue). Each trapped hold ends in a
    transaction of its own: holding one hold's lock while waiting on another's copy could
    deadlock with the desk lending that copy."""
    on = on or today()
    now = timezone.now()
    expired = Hold.objects.filter(status=Hold.Status.WAITING, expires_on__lt=on).update(
        status=Hold.Status.EXPIRED, ended_at=now
    )
    due = Hold.objects.filter(status=Hold.Status.READY, shelf_until__lt=on)
    for hold_id in list(due.values_list("pk", flat=True)):
        expired += _hold_shelf_expire(due.filter(pk=hold_id), now)
    return expired


@transaction.atomic
def _hold_shelf_expire(holds: QuerySet[Hold], now: datetime) -> int:
    hold = _hold_lock(holds)  # its copy first, as the desk does
    if hold is None:
        return 0  # lent or cancelled meanwhile
    hold.status = Hold.Status.EXPIRED
    hold.ended_at = now
    hold.save(update_fields=["status", "ended_at"])
    if hold.item is not None:
        _hold_shelf_leave(hold.item, now)
    return 1
