"""Sign-in throttling: how django-axes names the account and the address, and what a locked
out caller is told.

Attempts are counted in the schema of the host signed in to (axes is a tenant app as well as a
shared one), so one library's failures never lock anyone out of another library, and platform
operators' attempts stay in the public schema.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext, ngettext

from common.problems import problem_response


def signin_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The email tried, lowercased as accounts store it: the login forms send it as `username`,
    the API token view as `email`."""
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username")
    if not value and request is not None and request.method == "POST":
        value = request.POST.get("username") or request.POST.get("email")
    return str(value).strip().lower() if value else None


def signin_address(request: HttpRequest) -> str | None:
    """The client's address as the API throttles see it: REMOTE_ADDR, or behind NUM_PROXIES
    trusted proxies the entry they appended to X-Forwarded-For (a client cannot choose it)."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = request.headers.get("x-forwarded-for")
    if not proxies or not forwarded:
        return remote
    addrs = forwarded.split(",")
    return addrs[-min(proxies, len(addrs))].strip()


def signin_retry_after() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def signin_locked_out_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """429 with Retry-After: the API's error body on /api/, a page everywhere else."""
    seconds = signin_retry_after()
    minutes = max(1, seconds // 60)
    detail = " ".join(
        (
            gettext("Too many failed sign-ins for this account or from this address."),
            ngettext(
                "Try again in %(minutes)s minute.", "Try again in %(minutes)s minutes.", minutes
            )
            % {"minutes": minutes},
        )
    )
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = problem_response(429, "Too many requests", detail, "signin_locked_out")
    else:
        response = render(request, "registration/locked_out.html", {"detail": detail}, status=429)
    response["Retry-After"] = str(seconds)
    return response
