"""Before any host or tenant lookup: probes, readers noted, NUL in addresses, large API bodies."""

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from common.problems import problem_response
from common.readers import readers_note


def _database_ready() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any failure means "not ready"; the reason is reported
        return f"database: {exc.__class__.__name__}"
    return None


def _broker_ready() -> str | None:
    from kombu import Connection

    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # any failure means "not ready"; the reason is reported
        return f"broker: {exc.__class__.__name__}"
    return None


class ProbeMiddleware:
    """`/healthz` says the process is alive; `/readyz` checks PostgreSQL and the broker.

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
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                detail = f"The request body is {length} bytes; this API takes at most {limit}."
                return problem_response(413, "Request too large", detail, "too_large")
        return self.get_response(request)
