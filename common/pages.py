"""What the HTML pages share: a service's "not found" as the page's 404, and a form's status."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from common.errors import NotFound


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
