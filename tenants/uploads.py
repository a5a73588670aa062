"""The upload limit, held before a request's body is read.

A request declaring more than STACKS_IMPORT_MAX_UPLOAD_BYTES (plus room for a form's other
fields) answers 413 from its Content-Length alone: no page or endpoint takes a larger body, and
the staff pages' CSRF check would otherwise parse the whole upload first. (Django reads no more
of a body than its declared length.)
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext

from common.http import declared_length
from common.problems import problem_response
from tenants.locale import reader_language

# A multipart form's boundaries, headers and small fields around the file.
FORM_OVERHEAD_BYTES = 64 * 1024


def upload_limit_bytes() -> int:
    return int(settings.STACKS_IMPORT_MAX_UPLOAD_BYTES) + FORM_OVERHEAD_BYTES


def _too_large_message(length: int) -> str:
    limit = settings.STACKS_IMPORT_MAX_UPLOAD_BYTES
    return gettext(
        "The file is too large: %(length)s bytes, and this library accepts files up to "
        "%(limit)s bytes. Split it into smaller files, or import it with the import_catalog "
        "command."
    ) % {"length": number_format(length, force_grouping=True),
         "limit": number_format(limit, force_grouping=True)}  # fmt: skip


def upload_too_large_response(request: HttpRequest, length: int) -> HttpResponse:
    # Refused before the middleware that picks the request's language: pick it here.
    library = getattr(request, "tenant", None)
    language = reader_language(request, getattr(library, "language", settings.LANGUAGE_CODE))
    response: HttpResponse
    with translation.override(language):
        message = _too_large_message(length)
        if request.path.startswith("/api/"):
            response = problem_response(413, "Request too large", message, "upload_too_large")
        else:
            response = render(
                request, "tenants/staff/upload_too_large.html", {"message": message}, status=413
            )
    # The client is still sending a body nobody will read.
    response["Connection"] = "close"
    return response


class UploadLimitMiddleware:
    """413 from the declared Content-Length, before anything reads the body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = declared_length(request)
        if length > upload_limit_bytes():
            return upload_too_large_response(request, length)
        return self.get_response(request)
