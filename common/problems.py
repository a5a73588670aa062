"""Problem details (RFC 9457): the one error body of the API, wherever the error arises."""

from typing import Any

from django.http import JsonResponse

PROBLEM_JSON = "application/problem+json"


def problem(
    status_code: int, title: str, detail: str, code: str, errors: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status_code,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    return body


def problem_response(
    status_code: int, title: str, detail: str, code: str, errors: dict[str, list[str]] | None = None
) -> JsonResponse:
    """A problem answered outside DRF (middleware, error handlers, the catch-all 404), in the
    same compact UTF-8 JSON as the API's other answers."""
    return JsonResponse(
        problem(status_code, title, detail, code, errors),
        status=status_code,
        content_type=PROBLEM_JSON,
        json_dumps_params=_COMPACT,
    )


_COMPACT = {"separators": (",", ":"), "ensure_ascii": False}
