"""What the staff pages of a library host share: their guard, and how they answer."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

View = Callable[..., HttpResponseBase]


def staff_required(view: View) -> View:
    """Signed-in staff of this library; POSTs need the right to change the catalog."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_active:
            raise PermissionDenied
        if request.method == "POST" and not getattr(request.user, "can_write_catalog", False):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def staff_page(
    request: HttpRequest, template: str, context: dict[str, Any], error: str = ""
) -> HttpResponse:
    """A staff page, with the error to show above it (answered 400) when there is one."""
    return render(request, template, {**context, "error": error}, status=400 if error else 200)
