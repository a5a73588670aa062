"""The circulation desk's staff pages: made for a barcode scanner (each scan ends with Enter).

Scan a patron's card to start lending to them, then their items; an empty Enter (or another
card) ends the patron. An item scanned with no patron open is checked in.
"""

import re
import secrets
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import conditional_escape, strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_noop, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from catalog.selectors import location_list
from circulation.access import Action, circulation_allowed, circulation_refusal
from circulation.labels import labels_make
from circulation.models import Hold, Loan, Patron
from circulation.selectors import (
    barcode_clashes,
    barcode_several_alike,
    copy_at_desk,
    hold_shelf_list,
    holds_to_pull_list,
    loan_list,
    loan_open_to,
    overdue_list,
    patron_at_desk,
    today,
)
from circulation.services import (
    hold_trap_item,
    loan_checkin,
    loan_checkout,
    loan_renew,
    loan_renewal_refusals,
)
from circulation.stocktake import (
    stocktake_get,
    stocktake_list,
    stocktake_missing_mark,
    stocktake_report,
    stocktake_report_csv,
    stocktake_scan,
    stocktake_start,
)
from common.bidi import bdi, names_isolated, sentence_html
from common.dates import date_field
from common.errors import ApplicationError
from common.http import attachment, csv_attachment
from common.language import quoted
from common.numbers import whole_number
from common.pages import form_page, form_submit, not_found_as_404
from staff.roles import page_refused

if TYPE_CHECKING:
    pass

View = Callable[..., HttpResponseBase]
SESSION_PATRON = "desk_patron"
SESSION_LINES = "desk_lines"
LINES_KEPT = 30
# A desk page's lines belong to that page (a tab), not to the session its tabs share: each page
# carries a token of its own in its forms and its address, and the session keeps the lines of
# the last PAGES_KEPT pages by it. A page that has none (a new tab) shows none of another's.
DESK_PAGE = "desk_page"
PAGES_KEPT = 10
_PAGE_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,32}")
# The desk's forms carry the patron their page shows (its id, or nothing): two tabs of one
# browser share the session's patron, and a scan meant for the one a tab shows must not go to
# the one another tab opened since.
SHOWN_PATRON = "shown_patron"


def allowed_or_403(request: HttpRequest, action: Action) -> None:
    """For a page that shows to one action and writes for a stricter one."""
    if not circulation_allowed(request.user, action):
        raise PermissionDenied(circulation_refusal(action))


def desk_required(action: Action) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            # The page a role may not use says what it needs, not a bare "Forbidden".
            try:
                allowed_or_403(request, action)
                return view(request, *args, **kwargs)
            except PermissionDenied as refused:
                return page_refused(request, str(refused) or circulation_refusal(action))

        return wrapped

    return decorate


def _say(
    request: HttpRequest,
    kind: str,
    text: str,
    values: dict[str, Any] | None = None,
    lend_anyway: str = "",
    renew: str = "",
) -> None:
    """A line on the desk's screen: what the last scans did, newest first. The line keeps the
    facts, not the sentence: `text` is the English message (marked with gettext_noop) and
    `values` its parts (`_name(...)` for names and titles to isolate, `_day(...)` for dates,
    HTML already written such as a service's message), so the line is worded in the language
    and date format of whoever reads the desk later. `lend_anyway` is the barcode of an item
    the librarian may lend despite the holds the line names; `renew` that of a copy the patron
    has already, which the line offers to renew."""
    facts = {key: _fact(value) for key, value in (values or {}).items()}
    line: dict[str, Any] = {
        "kind": kind, "text": text, "values": facts, "lend_anyway": lend_anyway, "renew": renew,
    }  # fmt: skip
    pages = _pages_lines(request)
    token = _desk_page(request)
    lines = [line, *pages.pop(token, [])]
    pages[token] = lines[:LINES_KEPT]  # the page written last is the last kept
    request.session[SESSION_LINES] = dict(list(pages.items())[-PAGES_KEPT:])


def _name(value: str) -> dict[str, str]:
    """A name or title in a desk line: shown isolated (<bdi>), whatever its direction."""
    return {"name": str(value)}


def _day(value: date) -> dict[str, str]:
    """A day in a desk line: written in the reader's date format when shown."""
    return {"day": value.isoformat()}


def _words(text: str) -> dict[str, str]:
    """Words of the desk's own in a desk line (marked with gettext_noop): translated when
    shown."""
    return {"words": text}


def _quoted(value: str) -> dict[str, str]:
    """A scanned value in a desk line: between the quotation marks of the reader's language."""
    return {"quoted": str(value)}


def _fact(value: Any) -> Any:
    if isinstance(value, dict):
        return value
    if isinstance(value, SafeString):  # a sentence already written (a service's message)
        return {"html": str(value)}
    return str(value)


def _fact_shown(fact: Any) -> Any:
    if not isinstance(fact, dict):
        return str(fact)
    if "name" in fact:
        return bdi(fact["name"])
    if "day" in fact:
        return date_format(date.fromisoformat(fact["day"]), "SHORT_DATE_FORMAT")
    if "quoted" in fact:
        return quoted(fact["quoted"])
    if "words" in fact:
        return gettext(fact["words"])
    return mark_safe(fact.get("html", ""))  # noqa: S308 (escaped when the line was made)


def _line_html(line: dict[str, Any]) -> str:
    """A desk line in the language of the page now; a line kept from before lines kept their
    facts has only its HTML, shown as it was written."""
    if "text" not in line:
        return str(line.get("html", ""))
    text = gettext(line["text"]) if line["text"] else ""
    values = {key: _fact_shown(fact) for key, fact in line.get("values", {}).items()}
    if not values:
        return str(conditional_escape(text))
    for key in re.findall(r"%\((\w+)\)r", text):  # quoted as Python quotes, then escaped
        text = text.replace(f"%({key})r", f"%({key})s")
        values[key] = repr(str(values[key]))
    plain = text % {key: strip_tags(value) for key, value in values.items()}
    if plain.endswith(".."):  # a sentence's full stop after a name or title ending in one
        text = text[:-1]
    return str(sentence_html(text, values))


def _pages_lines(request: HttpRequest) -> dict[str, list[dict[str, Any]]]:
    """The lines of the desk's pages, by their token (a session from before pages had tokens
    kept one list for all: it is left behind)."""
    pages = request.session.get(SESSION_LINES)
    return dict(pages) if isinstance(pages, dict) else {}


def _desk_page(request: HttpRequest) -> str:
    """The token of the desk page posting or asked for; a new one for a page without one (a
    new tab, or a page from before pages had tokens), kept on the request for its redirect."""
    token = getattr(request, "desk_page_token", "")
    if not token:
        given = (request.POST if request.method == "POST" else request.GET).get(DESK_PAGE, "")
        token = given if _PAGE_TOKEN.fullmatch(given) else secrets.token_urlsafe(12)
        request.desk_page_token = token  # type: ignore[attr-defined]
    return str(token)


def _say_refused(
    request: HttpRequest, barcode: str, error: ApplicationError, lend_anyway: str = ""
) -> None:
    """The desk's line for a scan a service refused: the barcode, then the service's words,
    with the names and titles they quote isolated."""
    message = names_isolated(error.message, *error.quoted)
    values = {"barcode": barcode, "message": message}
    # Translators: a scanned barcode, then why the desk refused it (French: "00101 : …").
    text = gettext_noop("%(barcode)s: %(message)s")
    _say(request, "error", text, values, lend_anyway=lend_anyway)


def _lend(request: HttpRequest, patron: Patron, barcode: str, override_holds: bool) -> None:
    try:
        loan = loan_checkout(
            item_barcode=barcode, patron_barcode=patron.barcode, override_holds=override_holds
        )
    except ApplicationError as exc:
        to_them = exc.code == "item_lent_to_patron"
        lent = loan_open_to(patron_id=patron.pk, barcode=barcode) if to_them else None
        if lent is not None:
            _say_lent_already(request, lent, patron)
            return
        _say_refused(request, barcode, exc, barcode if exc.code == "hold_waiting" else "")
        return
    text = gettext_noop("%(barcode)s %(title)s: lent to %(name)s, due %(due)s.")
    due = _day(loan.due_on)
    values = {"barcode": loan.item.barcode, "title": _name(loan.item.record.title),
              "name": _name(patron.name), "due": due}  # fmt: skip
    _say(request, "ok", text, values)


def _say_lent_already(request: HttpRequest, loan: Loan, patron: Patron) -> None:
    """A copy scanned again for the patron who has it: most likely they want it longer. The
    renewal is offered only if loan_renew would grant it; if not, the line says why, as the
    loan's row does."""
    values = {"barcode": loan.item.barcode, "title": _name(loan.item.record.title),
              "name": _name(patron.name), "due": _day(loan.due_on)}  # fmt: skip
    refused = loan_renewal_refusals([loan]).get(loan.pk)
    if refused is None:
        text = gettext_noop(
            "%(barcode)s %(title)s: already lent to %(name)s, due %(due)s. Renew it?"
        )
        _say(request, "info", text, values, renew=loan.item.barcode)
        return
    text = gettext_noop("%(barcode)s %(title)s: already lent to %(name)s, due %(due)s. %(why)s.")
    why = _RENEW_REFUSED.get(refused.code)
    values["why"] = _words(why) if why else names_isolated(refused.message, *refused.quoted)
    _say(request, "info", text, values)


def _scan(request: HttpRequest, barcode: str, shown: int | None) -> None:
    """`shown` is the id of the patron the page showed when the barcode was scanned."""
    patron_id = request.session.get(SESSION_PATRON)
    if not barcode:
        if patron_id is not None:
            request.session.pop(SESSION_PATRON, None)
            _say(
                request,
                "info",
                gettext_noop("Done with this patron: items scanned now are checked in."),
            )
        return
    patron = patron_at_desk(barcode=barcode)
    # A copy matters only beside a card with the same barcode; a copy's scan alone goes on to
    # the return below, which finds it itself.
    copy = copy_at_desk(barcode=barcode) if patron is not None else None
    if patron is not None and copy is not None:
        # The one that has the barcode as typed, when the other has it only in another case.
        if copy.barcode == barcode and patron.barcode != barcode:
            patron = None
        elif patron.barcode == barcode and copy.barcode != barcode:
            copy = None
    if patron is not None and copy is not None:
        # Given before copies and cards were kept apart (in any case): neither lending to the
        # card nor taking back the copy is surely what the scan meant.
        text = gettext_noop(
            "%(barcode)s is both %(name)s's card and a copy of %(title)s: give one of them "
            "another barcode."
        )
        values = {"barcode": barcode, "name": _name(patron.name), "title": _name(copy.record.title)}
        _say(request, "error", text, values)
        return
    if patron is None and barcode_several_alike(barcode=barcode):
        text = gettext_noop(
            "Several cards or copies match %(barcode)s in upper or lower case: type it exactly "
            "as printed."
        )
        _say(request, "error", text, {"barcode": barcode})
        return
    if patron is not None:
        # A card scanned again ends its patron, but only on a page that shows them: from a tab
        # that did not know another tab had opened them, it opens them.
        if patron.pk == patron_id and patron.pk == shown:
            request.session.pop(SESSION_PATRON, None)
            _say(request, "info", gettext_noop("Done with %(name)s."), {"name": _name(patron.name)})
            return
        request.session[SESSION_PATRON] = patron.pk
        if patron.blocked:
            # Said at once, before anything is scanned for them: the desk will lend nothing.
            text = gettext_noop(
                "%(name)s (%(card)s) is blocked: %(reason)s. Nothing can be lent, renewed or "
                "held for them until the block is lifted on their page."
            )
            values = {"name": _name(patron.name), "card": patron.barcode,
                      "reason": _name(patron.block_reason)}  # fmt: skip
            _say(request, "error", text, values)
            return
        expired = patron.expires_on is not None and patron.expires_on < today()
        values = {"name": _name(patron.name), "card": patron.barcode}
        if patron.expires_on is not None:
            values["expired"] = _day(patron.expires_on)
        if expired:
            text = gettext_noop("Lending to %(name)s (%(card)s) (card expired %(expired)s).")
        else:
            text = gettext_noop("Lending to %(name)s (%(card)s).")
        _say(request, "info", text, values)
        return
    current = _patron_open(request)
    if not _patron_unchanged(request, barcode, shown, current, renewing=False):
        return
    if current is not None:
        _lend(request, current, barcode, override_holds=False)
    else:
        _check_in(request, barcode)


def _patron_open(request: HttpRequest) -> Patron | None:
    """The patron the session has open, if they still exist."""
    patron_id = request.session.get(SESSION_PATRON)
    return Patron.objects.filter(pk=patron_id).first() if patron_id else None


def _patron_shown(request: HttpRequest) -> int | None:
    """The id of the patron the posting page showed (None: it showed none). A post that does
    not say (a page from before the desk's forms said) is taken to show the session's."""
    posted = request.POST.get(SHOWN_PATRON)
    if posted is None:
        patron = _patron_open(request)
        return patron.pk if patron is not None else None
    return whole_number(posted.strip())


def _patron_unchanged(
    request: HttpRequest, barcode: str, shown: int | None, current: Patron | None, *,
    renewing: bool,
) -> bool:  # fmt: skip
    """Whether the patron open is still the one the page showed; if not, the desk says so
    and the scan or button does nothing (the page then shows the patron open)."""
    if (current.pk if current is not None else None) == shown:
        return True
    if current is None:
        if renewing:
            text = gettext_noop(
                "%(barcode)s: not renewed. Another tab of the desk ended the patron: scan "
                "their card again, then renew it."
            )
        else:
            text = gettext_noop(
                "%(barcode)s: nothing done. Another tab of the desk ended the patron: scan "
                "the card, then the copy again."
            )
        _say(request, "error", text, {"barcode": barcode})
        return False
    if renewing:
        text = gettext_noop(
            "%(barcode)s: not renewed. Another tab of the desk changed the patron to "
            "%(name)s (%(card)s): scan the card of the patron you meant, then renew it."
        )
    else:
        text = gettext_noop(
            "%(barcode)s: nothing done. Another tab of the desk changed the patron to "
            "%(name)s (%(card)s): scan the copy again."
        )
    values = {"barcode": barcode, "name": _name(current.name), "card": current.barcode}
    _say(request, "error", text, values)
    return False


def _check_in(request: HttpRequest, barcode: str) -> None:
    """Take an item back; one on the shelf that a patron waits for goes to the hold shelf."""
    try:
        back = loan_checkin(item_barcode=barcode)
    except ApplicationError as exc:
        if exc.code == "unknown_item":  # and no patron's card either: the scan could be both
            text = gettext_noop("No patron or item has the barcode %(barcode)s.")
            _say(request, "error", text, {"barcode": _quoted(barcode)})
            return
        if exc.code != "item_not_on_loan":
            _say_refused(request, barcode, exc)
            return
        # A copy pulled from the shelves for a hold is scanned like a returned one.
        try:
            hold = hold_trap_item(item_barcode=barcode)
        except ApplicationError as trap:
            kept = _kept_on_shelf(barcode) if trap.code == "item_held" else None
            if kept is not None and kept.item is not None:
                # Scanned again to see where it goes: say so, rather than "not on loan".
                _say_trapped(request, kept.item.barcode, kept.record.title, kept, again=True)
                return
            _say_refused(request, barcode, exc)  # a return that was not on loan, as it says
            return
        stored = hold.item.barcode if hold.item is not None else barcode
        _say_trapped(request, stored, hold.record.title, hold)
        return
    item, unrecorded = back.item, back.loan is None
    if back.hold is not None:
        _say_trapped(request, item.barcode, item.record.title, back.hold, unrecorded=unrecorded)
    else:
        if unrecorded:
            text = gettext_noop(
                "%(barcode)s %(title)s: checked in (it was marked on loan, with no loan "
                "recorded here)."
            )
        else:
            text = gettext_noop("%(barcode)s %(title)s: checked in.")
        _say(request, "ok", text, {"barcode": item.barcode, "title": _name(item.record.title)})


def _kept_on_shelf(barcode: str) -> Hold | None:
    """The ready hold a copy with this barcode (in whatever case it was typed) is kept for."""
    holds = hold_shelf_list()
    exact = holds.filter(item__barcode=barcode.strip()).first()
    return exact or holds.filter(item__barcode__iexact=barcode.strip()).first()


def _say_trapped(
    request: HttpRequest, barcode: str, title: str, hold: Hold, *, again: bool = False,
    unrecorded: bool = False,
) -> None:  # fmt: skip
    """Where a copy scanned goes: to the hold shelf (`again`: it is there already). With
    `unrecorded`, it was marked on loan with no loan recorded here."""
    waiting = Patron.objects.get(pk=hold.patron_id)
    shelf_until = hold.shelf_until  # set whenever a hold is on the shelf
    until = _day(shelf_until) if shelf_until else ""
    if again:
        text = gettext_noop(
            "%(barcode)s %(title)s: already on the hold shelf for %(name)s (%(card)s) until "
            "%(until)s."
        )
    elif unrecorded:
        text = gettext_noop(
            "%(barcode)s %(title)s: checked in (it was marked on loan, with no loan recorded "
            "here). Put it on the hold shelf for %(name)s (%(card)s) until %(until)s."
        )
    else:
        text = gettext_noop(
            "%(barcode)s %(title)s: checked in. Put it on the hold shelf for %(name)s "
            "(%(card)s) until %(until)s."
        )
    values = {"barcode": barcode, "title": _name(title), "name": _name(waiting.name),
              "card": waiting.barcode, "until": until}  # fmt: skip
    _say(request, "hold", text, values)


def _renew(request: HttpRequest, barcode: str) -> None:
    try:
        loan = loan_renew(item_barcode=barcode)
    except ApplicationError as exc:
        message = names_isolated(exc.message, *exc.quoted)
        _say(request, "error", "%(message)s", {"message": message})
        return
    text = gettext_noop("%(barcode)s %(title)s: renewed, due %(due)s.")
    values = {"barcode": loan.item.barcode, "title": _name(loan.item.record.title),
              "due": _day(loan.due_on)}  # fmt: skip
    _say(request, "ok", text, values)


# Why a loan offers no renewal, in a few words by the refusal's code: its row says them where
# the button would be, and so does the line of its copy scanned again for its borrower.
_RENEW_REFUSED = {
    "patron_blocked": gettext_noop("Not renewed while the patron is blocked"),
    "patron_expired": gettext_noop("Not renewed while the patron's card is expired"),
    "renewal_limit_reached": gettext_noop("Renewed the most its loan rule allows"),
    "hold_waiting": gettext_noop("Not renewed while another patron waits for its title"),
    "renewal_not_later": gettext_noop("Not renewed: it would not be due any later"),
}


def _loan_rows(patron: Patron) -> list[Any]:
    """The patron's open loans, in the order lent, which a renewal does not change (a second
    click where the first was renews the same copy, not the one a new due date moved there),
    each with `renew_refused`: why loan_renew would refuse to renew it, in the words of the
    line of its copy scanned again, empty when the row offers a renewal."""
    loans = list(
        loan_list(patron_id=patron.pk, open_only=True).order_by(
            "checked_out_at", "item__barcode", "id"
        )
    )
    refusals = loan_renewal_refusals(loans)
    for loan in loans:
        refused, why = refusals.get(loan.pk), ""
        if refused is not None:
            words = _RENEW_REFUSED.get(refused.code)
            why = gettext(words) if words else refused.message
        loan.renew_refused = why  # type: ignore[attr-defined]
    return loans


@require_http_methods(["GET", "POST"])
@desk_required("read")
def desk_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        allowed_or_403(request, "desk")
        shown = _patron_shown(request)
        if "lend_anyway" in request.POST:
            barcode = request.POST["lend_anyway"][:64]
            patron = _patron_open(request)
            if _patron_unchanged(request, barcode, shown, patron, renewing=False) and patron:
                _lend(request, patron, barcode, override_holds=True)
        elif "renew" in request.POST:
            barcode = request.POST["renew"][:64]
            if _patron_unchanged(request, barcode, shown, _patron_open(request), renewing=True):
                _renew(request, barcode)
        else:
            _scan(request, request.POST.get("barcode", "").strip()[:64], shown)
        # Back to this page's own lines, not those another tab of the desk made meanwhile.
        page = _desk_page(request)
        return redirect(f"{reverse('circulation-desk')}?{DESK_PAGE}={page}")  # type: ignore[return-value]
    patron_id = request.session.get(SESSION_PATRON)
    patron = Patron.objects.filter(pk=patron_id).first() if patron_id else None
    if patron_id and patron is None:
        request.session.pop(SESSION_PATRON, None)
    context = {
        "patron": patron,
        "loans": _loan_rows(patron) if patron else [],
        "lines": [
            {**line, "html": _line_html(line)}
            for line in _pages_lines(request).get(_desk_page(request), [])
        ],
        "desk_page": _desk_page(request),
        "today": today(),
        "can_lend": circulation_allowed(request.user, "desk"),
    }
    return render(request, "circulation/desk.html", context)


@require_http_methods(["GET"])
@desk_required("read")
def overdue_page(request: HttpRequest) -> HttpResponse:
    on = today()
    loans = list(overdue_list()[:500])
    for loan in loans:
        loan.days_late = (on - loan.due_on).days  # type: ignore[attr-defined]
    return render(request, "circulation/overdue.html", {"loans": loans, "today": on})


@require_http_methods(["GET"])
@desk_required("read")
def barcode_clashes_page(request: HttpRequest) -> HttpResponse:
    """Cards and copies that share a barcode, saved before they were kept apart."""
    return render(request, "circulation/barcode_clashes.html", {"clashes": barcode_clashes()})


@require_http_methods(["GET"])
@desk_required("read")
def hold_shelf_page(request: HttpRequest) -> HttpResponse:
    return render(request, "circulation/hold_shelf.html", {"holds": hold_shelf_list()[:500]})


@require_http_methods(["GET", "POST"])
@desk_required("read")
def holds_to_pull_page(request: HttpRequest) -> HttpResponse:
    """Waiting holds a copy on the shelves could fill: fetch it, then trap it for the hold."""
    if request.method == "POST":
        allowed_or_403(request, "desk")
        barcode = request.POST.get("trap", "").strip()[:64]
        try:
            hold = hold_trap_item(item_barcode=barcode)
        except ApplicationError as exc:
            message = names_isolated(exc.message, *exc.quoted)
            messages.error(
                request,
                sentence_html("%(barcode)s: %(message)s", {"barcode": barcode, "message": message}),
            )
        else:
            until = date_format(hold.shelf_until, "SHORT_DATE_FORMAT") if hold.shelf_until else ""
            text = gettext("%(barcode)s: put it on the hold shelf for %(name)s (%(card)s) until "
                           "%(until)s.")  # fmt: skip
            values = {"barcode": barcode, "name": bdi(hold.patron.name),
                      "card": hold.patron.barcode, "until": until}  # fmt: skip
            messages.success(request, sentence_html(text, values))
        return redirect("circulation-holds-to-pull")  # type: ignore[return-value]
    context = {
        "pulls": holds_to_pull_list(limit=500),
        "can_lend": circulation_allowed(request.user, "desk"),
    }
    return render(request, "circulation/holds_to_pull.html", context)


# --- Stocktaking -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@desk_required("read")
def stocktakes_page(request: HttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        allowed_or_403(request, "desk")
        try:
            stocktake = stocktake_start(location_code=request.POST.get("location", "")[:32])
        except ApplicationError as exc:
            error = exc.message
        else:
            return redirect("circulation-stocktake", pk=stocktake.pk)  # type: ignore[return-value]
    context = {
        "stocktakes": stocktake_list()[:50],
        "locations": location_list(),
        "error": error,
    }
    return render(request, "circulation/stocktakes.html", context, status=400 if error else 200)


@require_http_methods(["GET", "POST"])
@desk_required("read")
def stocktake_page(request: HttpRequest, pk: int) -> HttpResponse:
    with not_found_as_404("No such stocktake."):
        stocktake = stocktake_get(stocktake_id=pk)
    message, error = "", ""
    if request.method == "POST":
        allowed_or_403(request, "desk")
        try:
            if "mark_missing" in request.POST:
                marked = stocktake_missing_mark(stocktake_id=pk)
                message = ngettext(
                    "%(count)s item marked missing; the stocktake is closed.",
                    "%(count)s items marked missing; the stocktake is closed.",
                    marked,
                ) % {"count": marked}
            else:
                counts = stocktake_scan(
                    stocktake_id=pk, barcodes=request.POST.get("barcodes", "").split()
                )
                message = ngettext(
                    "%(count)s barcode added.", "%(count)s barcodes added.", counts["scanned"]
                ) % {"count": counts["scanned"]}
                if counts["repeated"]:
                    message += " " + ngettext(
                        "%(count)s was already scanned.",
                        "%(count)s were already scanned.",
                        counts["repeated"],
                    ) % {"count": counts["repeated"]}
        except ApplicationError as exc:
            error = exc.message
    report = stocktake_report(stocktake_id=stocktake.pk)
    context = {"report": report, "message": message, "error": error}
    return render(request, "circulation/stocktake.html", context, status=400 if error else 200)


@require_http_methods(["GET"])
@desk_required("read")
def stocktake_csv(request: HttpRequest, pk: int) -> HttpResponse:
    with not_found_as_404("No such stocktake."):
        report = stocktake_report(stocktake_id=pk)
    return csv_attachment(stocktake_report_csv(report), filename=f"stocktake-{pk}.csv")


# --- Labels ------------------------------------------------------------------------------------


class LabelsForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Labels"), choices=[("barcode", _("Barcode")), ("spine", _("Spine"))]
    )
    layout = forms.ChoiceField(
        label=_("Sheet"),
        choices=[("avery5160", _("Avery 5160 (3 x 10)")), ("custom", _("Custom grid"))],
    )
    start_position = forms.IntegerField(
        label=_("Start at label (on a part-used sheet)"), min_value=1, max_value=1000, initial=1
    )
    import_job = forms.IntegerField(label=_("Items of import job"), min_value=1, required=False)
    created_from = date_field(_("Added from"), required=False)
    created_to = date_field(_("Added to"), required=False)
    location = forms.CharField(label=_("Location code"), max_length=32, required=False)
    barcodes = forms.CharField(
        label=_("Barcodes (one a line)"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    page_width_mm = forms.FloatField(label=_("Page width (mm)"), required=False, initial=210)
    page_height_mm = forms.FloatField(label=_("Page height (mm)"), required=False, initial=297)
    columns = forms.IntegerField(label=_("Columns"), required=False, min_value=1, max_value=20)
    rows = forms.IntegerField(label=_("Rows"), required=False, min_value=1, max_value=50)
    label_width_mm = forms.FloatField(label=_("Label width (mm)"), required=False)
    label_height_mm = forms.FloatField(label=_("Label height (mm)"), required=False)
    top_mm = forms.FloatField(label=_("Top margin (mm)"), required=False, initial=0)
    left_mm = forms.FloatField(label=_("Left margin (mm)"), required=False, initial=0)
    column_gap_mm = forms.FloatField(label=_("Gap between columns (mm)"), required=False, initial=0)
    row_gap_mm = forms.FloatField(label=_("Gap between rows (mm)"), required=False, initial=0)

    GRID = (
        "page_width_mm", "page_height_mm", "columns", "rows", "label_width_mm",
        "label_height_mm", "top_mm", "left_mm", "column_gap_mm", "row_gap_mm",
    )  # fmt: skip

    def grid(self) -> dict[str, float] | None:
        data = self.cleaned_data
        if data["layout"] != "custom":
            return None
        missing = [name for name in self.GRID if data.get(name) is None]
        if missing:
            raise ApplicationError(
                gettext("The custom grid needs %(fields)s.") % {"fields": ", ".join(missing)}
            )
        return {name: data[name] for name in self.GRID}


@require_http_methods(["GET", "POST"])
@desk_required("read")
def labels_page(request: HttpRequest) -> HttpResponse:
    form = LabelsForm(request.POST or None)

    def make() -> HttpResponse:
        data = form.cleaned_data
        pdf = labels_make(
            kind=data["kind"],
            layout=data["layout"],
            grid=form.grid(),
            start=data["start_position"],
            import_job_id=data["import_job"],
            created_from=data["created_from"],
            created_to=data["created_to"],
            location=data["location"].strip(),
            barcodes=data["barcodes"].split() or None,
        )
        return attachment(
            pdf, content_type="application/pdf", filename=f"{data['kind']}-labels.pdf"
        )

    return form_submit(
        request,
        form,
        make,
        lambda error: form_page(request, "circulation/labels.html", {"form": form, "error": error}),
    )
