"""Who may harvest or search a library over its protocols: the public catalog's rule."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse

from staff.services import api_key_of_header

CLOSED = "This library's catalog is not public.\n"


def protocol_caller_allowed(request: HttpRequest) -> bool:
    """Anyone, when the library's public catalog is on; otherwise its signed-in staff, or a
    caller with one of its API keys (`Authorization: Api-Key <key>`), as the REST API takes.
    Keys are kept in the library's own schema, so another library's key matches nothing."""
    if getattr(request.tenant, "public_catalog", False):  # type: ignore[attr-defined]
        return True
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_active:
        return True
    return api_key_of_header(request.headers.get("Authorization", "")) is not None


def protocol_open(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A closed catalog answers 403 with nothing of the catalog in it."""

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not protocol_caller_allowed(request):
            return HttpResponse(CLOSED, status=403, content_type="text/plain; charset=utf-8")
        return view(request, *args, **kwargs)

    return checked
