"""Before any host or tenant lookup: probes, readers noted, NUL in addresses, large API bodies;
and the Content-Security-Policy header, built once."""

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase

from common.http import declared_length
from common.problems import problem_response
from common.readers import readers_note


def _database_ready() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any failure means "not ready"; the reason is reported
        return f"database: PostgreSQL does not answer ({exc.__class__.__name__})"
    return None


def _broker_ready() -> str | None:
    from kombu import Connection

    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # any failure means "not ready"; the reason is reported
        return f"broker: the task broker (Redis) does not answer ({exc.__class__.__name__})"
    return None


class ProbeMiddleware:
    """`/healthz` says the process is alive; `/readyz` checks PostgreSQL and the broker, each
    problem named by its part ("broker: ...") and said in words; the exception's own message,
    which may name internal addresses, stays out of an answer any host gets.

    Both answer on every host, including ones no library owns, so that load balancers can
    probe a process by its address.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            return JsonResponse({"status": "ok"})
        if request.path == "/readyz":
            problems = [p for p in (_database_ready(), _broker_ready()) if p]
            if problems:
                return JsonResponse({"status": "unavailable", "problems": problems}, status=503)
            return JsonResponse({"status": "ok"})
        return self.get_response(request)


# The platform host's pages that read a catalog (the shared pool); its others (sign-up,
# operators' pages, the platform API) serve no readers an import need give way to.
PLATFORM_READER_VIEWS = frozenset({"union-search"})


def _schema(request: HttpRequest) -> str:
    return getattr(getattr(request, "tenant", None), "schema_name", "public")


class ReadersNoteMiddleware:
    """Each request to a library, and each union search on the platform host, tells the
    libraries' imports that readers are being served: they pause between chunks meanwhile
    (common/readers.py). It runs after the library is known; probes are answered before it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        schema = _schema(request)
        if schema != "public":
            readers_note(schema)
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], *args: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        if _schema(request) == "public" and match and match.url_name in PLATFORM_READER_VIEWS:
            readers_note("public")
        return None


class RejectNulMiddleware:
    """A NUL character in the path or the query string is refused with 400.

    No name, barcode or search holds one, and PostgreSQL cannot store or compare one: let
    through, it would fail deep inside a query as a server error.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in unquote(query):
            detail = "The address contains a NUL character (%00), which nothing in Stacks holds."
            if request.path.startswith("/api/"):
                return problem_response(400, "Bad request", detail, "invalid")
            return HttpResponse(detail, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class ApiBodyLimitMiddleware:
    """A request body under /api/ larger than DATA_UPLOAD_MAX_MEMORY_SIZE is refused with a 413
    problem from its declared length, before any of it is read. File uploads (multipart) have
    limits of their own, checked by the import."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if (
            limit is not None
            and request.path.startswith("/api/")
            and not request.META.get("CONTENT_TYPE", "").startswith("multipart/")
        ):
            length = declared_length(request)
            if length > limit:
                detail = f"The request body is {length} bytes; this API takes at most {limit}."
                return problem_response(413, "Request too large", detail, "too_large")
        return self.get_response(request)


# What a view may set on its response for a policy of its own (django-csp's decorators).
_OWN_POLICY = ("_csp_config", "_csp_update", "_csp_replace",
               "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")  # fmt: skip
# (CONTENT_SECURITY_POLICY, its REPORT_ONLY, the headers built from them)
_built: list[tuple[Any, Any, list[tuple[str, str, str, tuple[str, ...]]]]] = []


def _settings_headers() -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(header, value, the response attribute exempting from it, path prefixes excluded) for
    each policy of the settings, built again only when the settings are other objects."""
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
    report_only = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
    if _built and _built[0][0] is policy and _built[0][1] is report_only:
        return _built[0][2]
    headers = []
    for header, config, ro, exempt in (
        (HEADER, policy, False, "_csp_exempt"),
        (HEADER_REPORT_ONLY, report_only, True, "_csp_exempt_ro"),
    ):
        value = build_policy(report_only=ro)
        if value:
            prefixes = tuple((config or {}).get("EXCLUDE_URL_PREFIXES") or ())
            headers.append((header, value, exempt, prefixes))
    _built[:] = [(policy, report_only, headers)]
    return headers


class SettingsCSPMiddleware(CSPMiddleware):
    """django-csp's middleware with the settings' policy built once rather than on every
    response (it cost more than any other middleware); a response with a policy of its own or
    a nonce is left to django-csp."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in _OWN_POLICY
        ):
            return super().process_response(request, response)
        if response.status_code in (500, 404) and settings.DEBUG:
            return response  # Django's debug pages, as django-csp leaves them
        for header, value, exempt, prefixes in _settings_headers():
            if (
                header not in response
                and getattr(response, exempt, False) is False
                and not request.path_info.startswith(prefixes)
            ):
                response[header] = value
        # As django-csp: a nonce asked for after the header was written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response


class WebsiteMessageMiddleware(MessageMiddleware):
    """Django's messages (notes shown on the next page) for the website and staff pages: the
    API shows none, so its requests do not set up their storage."""

    def process_request(self, request: HttpRequest) -> None:
        if not request.path_info.startswith("/api/"):
            super().process_request(request)
