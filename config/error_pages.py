"""Server errors for both URLconfs: a problem+json body under /api/, a plain page elsewhere.

While the database is unreachable the answer is 503 with Retry-After, not 500: the request was
fine, and the same request will work once the database is back.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.utils.html import escape

from common.problems import problem_response

RETRY_AFTER_SECONDS = 30

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>{title}</h1><p>{detail}</p></body></html>
"""


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500: it runs while the exception is being handled, so it can see it."""
    exc = sys.exc_info()[1]
    if isinstance(exc, OperationalError | InterfaceError):
        status, code, title = 503, "unavailable", "Temporarily unavailable"
        detail = (
            "The catalog cannot reach its database right now. "
            f"Please try again in {RETRY_AFTER_SECONDS} seconds."
        )
    else:
        status, code, title = 500, "server_error", "Server error"
        detail = "Something went wrong on our side. It has been logged; please try again."
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = problem_response(status, title, detail, code)
    else:
        page = _PAGE.format(title=escape(title), detail=escape(detail))
        response = HttpResponse(page, status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
