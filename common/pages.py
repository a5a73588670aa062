"""What the HTML pages share: a service's "not found" as the page's 404, a form's status, and
a form that runs one service."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from common.errors import ApplicationError, NotFound


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
