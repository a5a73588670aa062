"""Pages of the platform host and the staff entry point of a library host."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_safe

from catalog.selectors import catalog_statistics
from tenants.locale import language_codes


def platform_home(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/platform_home.html")


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/staff_home.html", {"stats": catalog_statistics()})


@require_safe
def language_choose(request: HttpRequest) -> HttpResponse:
    """The language switch: remember the reader's language in a cookie and go back to the page
    (a link, not a form, so cached catalog pages carry no per-reader token)."""
    target = request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = redirect(target)
    code = request.GET.get("language", "")
    if code in language_codes():
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
        )
    return response
