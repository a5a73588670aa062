"""CORS for the API's reads: a library's admins name the web origins whose pages may read it.

django-cors-headers writes the headers; this receiver of its check_request_enabled signal
decides, per request, from the library's own `cors_origins`. Only reads (GET, HEAD and the
preflight of one) are allowed: a page elsewhere never gets to write with a key it holds.
"""

from typing import Any

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
