"""Pages of a patron's own account on the library's website: sign in, loans, renewals, holds."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from catalog.selectors import record_get
from circulation.models import Patron
from circulation.readers import (
    patron_from_link,
    patron_sign_in,
    patron_sign_in_link_send,
)
from circulation.selectors import hold_list, loan_list, today
from circulation.services import hold_cancel, hold_place, loan_renew
from common.bidi import bdi, names_isolated, sentence_html
from common.emails import library_sender
from common.errors import ApplicationError
from common.language import quoted
from common.pages import READER_SESSION_KEY, not_found_as_404

# The services word their refusals for the desk ("This patron ..."); a reader reads them
# about themselves.
READER_WORDING = {
    "hold_on_loan": gettext_lazy("You have this title on loan already."),
    "hold_exists": gettext_lazy("You already have a hold on this title."),
    "hold_limit_reached": gettext_lazy("You already have as many holds as you may place."),
    "patron_expired": gettext_lazy("Your card has expired."),
    "patron_blocked": gettext_lazy(
        "Your account is blocked, so you cannot borrow, renew or place holds for now. Please "
        "contact the library."
    ),
}
# A renewal's refusals name the copy by barcode, for the desk; the reader's account lists
# titles, so the reader reads them about the title.
READER_RENEWAL_WORDING = {
    "renewal_limit_reached": gettext_lazy(
        "%(title)s cannot be renewed again: it has been renewed as many times as allowed."
    ),
    "hold_waiting": gettext_lazy("%(title)s cannot be renewed: another reader is waiting for it."),
    "renewal_not_later": gettext_lazy(
        "%(title)s cannot be renewed yet: it would not be due any later."
    ),
}
View = Callable[..., HttpResponseBase]


def _signed_in(request: HttpRequest, patron: Patron) -> None:
    request.session.cycle_key()
    request.session[READER_SESSION_KEY] = patron.pk


def patron_required(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        patron_id = request.session.get(READER_SESSION_KEY)
        patron = Patron.objects.filter(pk=patron_id).first() if patron_id else None
        if patron is None:
            return redirect(f"/account/sign-in/?next={request.get_full_path()}")
        request.patron = patron  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/account/"
    # Only paths on this host.
    return target if target.startswith("/") and not target.startswith("//") else "/account/"


@require_http_methods(["GET", "POST"])
def sign_in_page(request: HttpRequest) -> HttpResponse:
    error, sent = "", False
    status = 200
    if request.method == "POST":
        if request.POST.get("email"):
            base = f"{request.scheme}://{request.get_host()}"
            patron_sign_in_link_send(
                email=request.POST["email"][:254], base_url=base, next_path=_next(request)
            )
            sent = True
        else:
            try:
                patron = patron_sign_in(
                    barcode=request.POST.get("barcode", ""), pin=request.POST.get("pin", "")[:12]
                )
            except ApplicationError as exc:
                error, status = exc.message, exc.status_code
            else:
                _signed_in(request, patron)
                return redirect(_next(request))
    context = {"error": error, "sent": sent, "next": _next(request)}
    return render(request, "circulation/reader/sign_in.html", context, status=status)


@require_http_methods(["GET"])
def sign_in_link(request: HttpRequest, token: str) -> HttpResponse:
    patron = patron_from_link(token=token)
    if patron is None:
        context = {
            "error": gettext("This sign-in link has expired or is not valid: ask for another.")
        }
        return render(request, "circulation/reader/sign_in.html", context, status=400)
    _signed_in(request, patron)
    return redirect(_next(request))  # type: ignore[return-value]


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    request.session.pop(READER_SESSION_KEY, None)
    request.session.cycle_key()
    return redirect("/")  # type: ignore[return-value]


def _renewal_refusal(exc: ApplicationError, patron: Patron, barcode: str) -> ApplicationError:
    """A refused renewal as the reader reads it: about the title of their loan."""
    if exc.code == "patron_blocked":
        return ApplicationError(str(READER_WORDING[exc.code]), code=exc.code)
    wording = READER_RENEWAL_WORDING.get(exc.code)
    loan = loan_list(patron_id=patron.pk, open_only=True, item_barcode=barcode).first()
    if wording is None or loan is None:
        return exc
    title = loan.item.record.title
    return ApplicationError(str(wording) % {"title": title}, code=exc.code, quoted=(title,))


@require_http_methods(["GET", "POST"])
@patron_required
def account_page(request: HttpRequest) -> HttpResponse:
    patron: Patron = request.patron  # type: ignore[attr-defined]
    if request.method == "POST":
        # Said on the account page it redirects to, so that reloading that page (a phone's pull
        # to refresh) renews or cancels nothing a second time.
        try:
            if "renew" in request.POST:
                barcode = request.POST["renew"][:64]
                try:
                    loan = loan_renew(item_barcode=barcode, patron_id=patron.pk)
                except ApplicationError as exc:
                    raise _renewal_refusal(exc, patron, barcode) from exc
                text = sentence_html(
                    gettext("Renewed: %(title)s, now due %(date)s."),
                    {
                        "title": bdi(loan.item.record.title),
                        "date": date_format(loan.due_on, "SHORT_DATE_FORMAT"),
                    },
                )
                messages.success(request, text)
            elif "cancel" in request.POST:
                hold_cancel(hold_id=int(request.POST["cancel"]), patron_id=patron.pk)
                messages.success(request, gettext("Hold cancelled."))
        except ApplicationError as exc:
            messages.error(request, names_isolated(exc.message, *exc.quoted))
        except ValueError:
            messages.error(request, gettext("No such hold."))
        return redirect("/account/")  # type: ignore[return-value]
    context = {
        "patron": patron,
        "contact_email": library_sender().contact_email,
        "loans": loan_list(patron_id=patron.pk, open_only=True).order_by("due_on"),
        "holds": hold_list(patron_id=patron.pk, active_only=True),
        "today": today(),
    }
    return render(request, "circulation/reader/account.html", context)


@require_http_methods(["GET", "POST"])
@patron_required
def place_hold_page(request: HttpRequest, record_id: int) -> HttpResponse:
    patron: Patron = request.patron  # type: ignore[attr-defined]
    with not_found_as_404("No such record."):
        record = record_get(record_id=record_id)
    if request.method == "POST":
        try:
            hold_place(record_id=record.pk, patron_id=patron.pk)
        except ApplicationError as exc:
            error = str(READER_WORDING.get(exc.code, exc.message))
        else:
            said = gettext("Your hold on %(title)s is placed: we will tell you when it is ready.")
            messages.success(request, said % {"title": quoted(record.title)})
            return redirect("/account/")  # type: ignore[return-value]
    else:
        # Said before the button rather than after it: a reader who has the title on loan or
        # on hold has nothing to place.
        error = _hold_needless(patron, record.pk)
    context = {"record": record, "patron": patron, "error": error, "placeable": not error}
    status = 400 if error and request.method == "POST" else 200
    return render(request, "circulation/reader/place_hold.html", context, status=status)


def _hold_needless(patron: Patron, record_id: int) -> str:
    """Why `patron` need not (or may not) place a hold on the record, or ""."""
    if patron.blocked:
        return str(READER_WORDING["patron_blocked"])
    if loan_list(patron_id=patron.pk, open_only=True, record_id=record_id).exists():
        return str(READER_WORDING["hold_on_loan"])
    if hold_list(patron_id=patron.pk, record_id=record_id, active_only=True).exists():
        return str(READER_WORDING["hold_exists"])
    return ""
