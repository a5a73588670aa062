"""CORS for the API's reads: a library's admins name the web origins whose pages may read it.

django-cors-headers writes the headers; this receiver of its check_request_enabled signal
decides, per request, from the library's own `cors_origins`. Only reads (GET, HEAD and the
preflight of one) are allowed: a page elsewhere never gets to write with a key it holds.
"""

from typing import Any

from corsheaders.middleware import CorsMiddleware
from django.http import HttpRequest

READS = frozenset({"GET", "HEAD"})


def cors_read_allowed(sender: Any, request: HttpRequest, **kwargs: Any) -> bool:
    if not request.path_info.startswith("/api/"):
        return False
    method = request.method or ""
    if method == "OPTIONS":
        method = request.headers.get("Access-Control-Request-Method", "").upper()
    if method not in READS:
        return False
    origin = request.headers.get("Origin", "")
    allowed = getattr(getattr(request, "tenant", None), "cors_origins", None) or ()
    return origin in allowed


class OriginCorsMiddleware(CorsMiddleware):
    """django-cors-headers' middleware, skipped for a request that names no origin: the
    receiver above allows none to it, so the signal would be sent for nothing."""

    def __call__(self, request: HttpRequest) -> Any:
        if not self.async_mode and "HTTP_ORIGIN" not in request.META:
            return self.get_response(request)
        return super().__call__(request)
