"""Chooses the library (schema), URLconf, language and time zone of each request."""

from collections.abc import Callable
from contextvars import ContextVar
from typing import cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.http.response import HttpResponseBase
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django_tenants.middleware.main import TenantMainMiddleware

from common.problems import problem_response
from tenants.domains import host_generation_check, is_platform_hostname, library_for_host
from tenants.locale import library_zone, reader_language
from tenants.models import Library

# Requests that only read the API: their host's copy is confirmed in the throttle's round trip.
_CONFIRMED_LATER = frozenset({"GET", "HEAD", "OPTIONS"})
_confirm_later: ContextVar[bool] = ContextVar("host_confirm_later", default=False)


class LibraryMiddleware(TenantMainMiddleware):
    """django-tenants' middleware with a cached domain lookup and suspended libraries refused.

    A read of the API is served from the process's copy of its library before that copy is
    confirmed (tenants.domains): should the confirmation find it stale, the answer made from
    it is dropped and the request made again, from the request as this middleware received it.
    """

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method not in _CONFIRMED_LATER or not request.path.startswith("/api/"):
            return self._answer(request)
        received = dict(request.__dict__)
        _confirm_later.set(True)
        try:
            response = self._answer(request)
        finally:
            _confirm_later.set(False)
        if host_generation_check():
            return response
        request.__dict__.clear()
        request.__dict__.update(received)
        return self._answer(request)

    def _answer(self, request: HttpRequest) -> HttpResponseBase:
        return cast(HttpResponseBase, super().__call__(request))  # a sync stack (WSGI)

    def get_tenant(self, domain_model, hostname):  # type: ignore[no-untyped-def]
        library = library_for_host(hostname, confirm_later=_confirm_later.get())
        if library is None:
            raise domain_model.DoesNotExist(hostname)
        return library

    def process_request(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        response = super().process_request(request)
        if response is not None:
            return response
        library: Library = request.tenant  # type: ignore[attr-defined]
        if library.schema_name != "public" and not library.is_active:
            return problem_response(
                403,
                "Library suspended",
                f"{library.name} is suspended. Contact the library for details.",
                "library_suspended",
            )
        return None

    def no_tenant_found(self, request: HttpRequest, hostname: str):  # type: ignore[no-untyped-def]
        """Under /api/ an unknown host is a 404 problem, as every miss of the API is."""
        if request.path.startswith("/api/"):
            return problem_response(404, "Not found", "No library at this address.", "not_found")
        return super().no_tenant_found(request, hostname)


class CustomDomainHstsMiddleware:
    """A library's own domain gets HSTS without includeSubDomains or preload, which would bind
    host names the library does not run (its organisation's other sites). It sits after
    SecurityMiddleware, which then leaves the header it finds alone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.SECURE_HSTS_SECONDS
            and request.is_secure()
            and "Strict-Transport-Security" not in response
            and not is_platform_hostname(split_domain_port(request.get_host())[0])
        ):
            response["Strict-Transport-Security"] = f"max-age={settings.SECURE_HSTS_SECONDS}"
        return response


class LibraryLocaleMiddleware:
    """Each request in its reader's language (tenants.locale.reader_language) and its library's
    time zone. Answers vary with Accept-Language and the switch's cookie, and say their
    language in Content-Language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        library = getattr(request, "tenant", None)
        language = reader_language(request, getattr(library, "language", settings.LANGUAGE_CODE))
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        timezone.activate(library_zone(getattr(library, "time_zone", "UTC")))
        try:
            response = self.get_response(request)
        finally:
            timezone.deactivate()
            translation.deactivate()
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", language)
        return response
