"""Request ids: one per request (X-Request-ID, or made here) or task, on every log line."""

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
# An id from the proxy is kept only if it is short and plain, so it cannot forge log lines.
_ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{1,128}")

request_id: ContextVar[str] = ContextVar("request_id", default="")
logger = logging.getLogger("stacks.request")


def _current_task_id() -> str:
    from celery import current_task

    task_request = getattr(current_task, "request", None)
    return getattr(task_request, "id", None) or ""


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record: in a Celery task, the task's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get() or _current_task_id()
        return True


class RequestIdMiddleware:
    """Adopts the proxy's X-Request-ID or makes one, answers with it, and logs the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(HEADER, "")
        rid = incoming if _ACCEPTED.fullmatch(incoming) else uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[HEADER] = rid
            logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "host": request.META.get("HTTP_HOST", ""),
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_id.reset(token)
