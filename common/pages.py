"""What the HTML pages share: a service's "not found" as the page's 404, a form's status, a
form that runs one service, a form that takes effect once, and whether a reader signed in."""

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from common.errors import ApplicationError, NotFound

# The session entry the reader sign-in keeps the patron's id in: the account pages set it, the
# catalog's pages (which may not import them) read it.
READER_SESSION_KEY = "reader_patron"


@contextmanager
def not_found_as_404(message: str = "") -> Iterator[None]:
    """A NotFound raised inside becomes Http404 saying `message` (by default, the service's)."""
    try:
        yield
    except NotFound as exc:
        raise Http404(message or exc.message) from None


def form_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """A page with a form: a POST that comes back to it was refused, so it answers 400."""
    status = 400 if request.method == "POST" else 200
    return render(request, template, context, status=status)


def form_submit(
    request: HttpRequest,
    form: forms.Form,
    act: Callable[[], HttpResponse],
    page: Callable[[str], HttpResponse],
    invalid: str = "",
) -> HttpResponse:
    """A page whose form runs one service: a valid POST answers with `act()` (which calls the
    service and says where to go next); otherwise `page(error)` shows the form again, with the
    service's refusal, `invalid` for a form that fails its own checks, or nothing on a GET."""
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            return act()
        except ApplicationError as exc:
            error = exc.message
    elif request.method == "POST":
        error = invalid
    return page(error)


# The form tokens a session has been given and not yet spent (form_once_issue); the oldest go
# first past this many, each an open tab's form.
_ONCE_SESSION_KEY = "forms_once"
_ONCE_KEPT = 20


def form_once_issue(request: HttpRequest) -> str:
    """A token for a form whose POST must take effect once (it shows a secret, say): put it in
    a hidden field, and ask form_once_unspent before acting and form_once_spend after."""
    token = secrets.token_urlsafe(16)
    kept = request.session.get(_ONCE_SESSION_KEY, [])[-(_ONCE_KEPT - 1) :]
    request.session[_ONCE_SESSION_KEY] = [*kept, token]
    return token


def form_once_unspent(request: HttpRequest, token: str) -> bool:
    """Whether `token` was issued to this session and not yet spent: a reload of the answer,
    or the Back button and a second click, sends a spent one."""
    return bool(token) and token in request.session.get(_ONCE_SESSION_KEY, [])


def form_once_spend(request: HttpRequest, token: str) -> None:
    kept = request.session.get(_ONCE_SESSION_KEY, [])
    request.session[_ONCE_SESSION_KEY] = [t for t in kept if t != token]


def reader_signed_in(request: HttpRequest) -> bool:
    """Whether a reader signed in with their library card in this browser; a visitor without
    a session cookie is answered without loading a session (their page stays cacheable)."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    return request.session.get(READER_SESSION_KEY) is not None
