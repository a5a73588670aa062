"""Liveness and readiness probes, answered before any host or tenant lookup."""

from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse


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
