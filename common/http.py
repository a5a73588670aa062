"""Downloads (an answer the browser saves as a file under the name it is given), and a
request's declared length."""

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header


def _disposition(filename: str) -> str:
    # Always a string when asked for an attachment; the type allows None for inline answers.
    return content_disposition_header(True, filename) or "attachment"


def attachment(content: Any, *, content_type: str, filename: str) -> HttpResponse:
    """`content` (bytes or text) as a download named `filename`."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = _disposition(filename)
    return response


def csv_attachment(text: str, *, filename: str) -> HttpResponse:
    """A CSV text as a download, in UTF-8 and saying so (CSV's own default is US-ASCII)."""
    return attachment(text, content_type="text/csv; charset=utf-8", filename=filename)


def streamed_attachment(
    content: Iterable[Any], *, content_type: str, filename: str
) -> StreamingHttpResponse:
    """Like attachment, for content written as it is sent."""
    response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = _disposition(filename)
    return response


def declared_length(request: HttpRequest) -> int:
    """The body's length as its Content-Length declares it (0 when absent or not a number)."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
