"""One error body for the whole API, whatever raised the error.

{"type": "about:blank", "title": "...", "status": 400, "detail": "...",
 "code": "invalid", "errors": {"field": ["message", ...]}}
"""

import math
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext, gettext_lazy, ngettext
from rest_framework import exceptions, serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from api.renderers import OrjsonRenderer
from common.errors import ApplicationError
from common.language import quoted
from common.problems import PROBLEM_JSON, problem

__all__ = [
    "PROBLEM_JSON", "ErrorSerializer", "exception_handler", "problem", "validation_refusal"
]  # fmt: skip


class OutdatedRecordSerializer(serializers.Serializer):
    """A record that changed after an import's preview was made."""

    id = serializers.IntegerField()
    title = serializers.CharField(allow_null=True, help_text="Null: the record was removed.")
    url = serializers.URLField(
        allow_null=True, help_text="The record in the API; null: the record was removed."
    )


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    type = serializers.CharField(default="about:blank")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField()

    def get_fields(self) -> dict[str, serializers.Field]:
        # `errors` joins here, not as a class attribute: type checkers would read that as
        # replacing Serializer.errors (DRF's metaclass moves declared fields off the class).
        return {
            **super().get_fields(),
            "errors": serializers.DictField(
                child=serializers.ListField(child=serializers.CharField()), required=False
            ),
            "renew": serializers.URLField(
                required=False,
                help_text="With `item_lent_to_patron`: the address that renews the loan instead "
                "(POST the same `item_barcode` to it).",
            ),
            "records": serializers.ListField(
                child=OutdatedRecordSerializer(),
                required=False,
                help_text="With `catalog_changed_since_preview`: the records that changed since "
                "the preview, as `detail` names them (the first 10; the job's detail lists "
                "every id in `preview_outdated`), each with its title and its address.",
            ),
            "barcodes": serializers.ListField(
                child=serializers.CharField(),
                required=False,
                help_text="With `patrons_changed_since_preview`: the cards of the file's lines "
                "whose patron was added or changed since the preview (upload the file again).",
            ),
        }


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error details as {"field.sub": ["message"]}."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            # A nested object's error of the whole object is the field's own: "contributors",
            # not "contributors.non_field_errors".
            whole = key == "non_field_errors" and prefix
            name = prefix if whole else f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten(value, name))
        return out
    if isinstance(detail, list):
        if all(not isinstance(d, dict | list) for d in detail):
            return {prefix or "non_field_errors": [str(d) for d in detail]}
        out = {}
        for index, value in enumerate(detail):
            out.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
        return out
    return {prefix or "non_field_errors": [str(detail)]}


def validation_refusal(detail: Any) -> ApplicationError:
    """A serializer's refusal (its `errors`) as the project's own error, to be gathered with a
    service's in one FieldRefusals: the answer is the one the serializer's would have been."""
    errors = _flatten(detail)
    return ApplicationError(_invalid_detail(errors), fields=errors)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = _problem_for(exc, context)
    if response is not None:
        _rendered_as_json(context.get("request"))
    return response


def _rendered_as_json(request: Request | None) -> None:
    """A problem is JSON whatever the caller accepts: the browsable API's HTML page (chosen by
    a browser's `Accept: text/html`) would go out labelled application/problem+json."""
    if request is not None and not isinstance(
        getattr(request, "accepted_renderer", None), JSONRenderer
    ):
        request.accepted_renderer = OrjsonRenderer()
        request.accepted_media_type = "application/json"


def _problem_for(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        errors = {
            k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in exc.fields.items()
        }
        retry_after = getattr(exc, "retry_after", None)
        return Response(
            problem(exc.status_code, _title(exc.status_code), exc.message, exc.code, errors)
            | exc.extra,
            status=exc.status_code,
            content_type=PROBLEM_JSON,
            headers={"Retry-After": str(retry_after)} if retry_after else None,
        )
    if isinstance(exc, RequestDataTooBig):
        exc = TooLarge()
    if isinstance(exc, Http404):
        # DRF's get_object raises a bare 404: the view says what it did not find.
        exc = exceptions.NotFound(getattr(context.get("view"), "not_found", None))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, exceptions.MethodNotAllowed):
        exc = _method_not_allowed(exc, context)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    assert isinstance(exc, exceptions.APIException)  # noqa: S101 - DRF handled it
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        detail = _invalid_detail(errors)
        body = problem(
            response.status_code, _title(response.status_code), detail, "invalid", errors
        )
    elif isinstance(exc, exceptions.Throttled):
        wait = getattr(exc, "wait", None)  # set by DRF's __init__, undeclared in its stubs
        body = problem(
            response.status_code, _title(response.status_code), _retry_detail(wait), "throttled"
        )
    else:
        text = str(_flatten(exc.detail)) if isinstance(exc.detail, dict | list) else str(exc.detail)
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        body = problem(response.status_code, _title(response.status_code), text, str(code))
    response.data = body
    response.content_type = PROBLEM_JSON
    return response


def _method_not_allowed(
    exc: exceptions.MethodNotAllowed, context: dict[str, Any]
) -> exceptions.MethodNotAllowed:
    """DRF's 'Method "GET" not allowed.' said with the methods the address does take."""
    request = context.get("request")
    method = request.method if request is not None else ""
    view = context.get("view")
    taken = [m for m in getattr(view, "allowed_methods", ()) if m not in ("HEAD", "OPTIONS")]
    if not taken:
        return exc
    message = gettext("This address does not take %(method)s; it takes %(taken)s.") % {
        "method": method,
        "taken": ", ".join(taken),
    }
    return exceptions.MethodNotAllowed(str(method), detail=message)


def _invalid_detail(errors: dict[str, list[str]]) -> str:
    """The detail of a 400 with field errors: the field named, and what it wants when it is
    the only one (a client that shows `detail` alone still shows what to fix)."""
    if not errors:
        return gettext("Invalid request.")
    names = [name for name in errors if name != "non_field_errors"]
    if not names:
        return errors["non_field_errors"][0]
    if len(errors) == 1:
        return gettext("Check \u201c%(field)s\u201d: %(message)s") % {
            "field": names[0],
            "message": errors[names[0]][0],
        }
    return gettext("Check these fields: %(fields)s.") % {
        "fields": ", ".join(quoted(name) for name in names)
    }


def _retry_detail(wait: float | None) -> str:
    """When to retry, in whole seconds (the Retry-After header carries the same figure)."""
    if wait is None:
        return gettext("Too many requests: wait a moment before retrying.")
    seconds = max(math.ceil(wait), 1)
    return ngettext(
        "Too many requests: retry in %(seconds)d second.",
        "Too many requests: retry in %(seconds)d seconds.",
        seconds,
    ) % {"seconds": seconds}


class TooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is larger than this API takes.")
    default_code = "too_large"


# Each status's title, in the caller's language as its detail is (RFC 9457 allows a title to
# change from one occurrence to another for localization alone).
_TITLES = {
    status.HTTP_400_BAD_REQUEST: gettext_lazy("Invalid request"),
    status.HTTP_401_UNAUTHORIZED: gettext_lazy("Not authenticated"),
    status.HTTP_403_FORBIDDEN: gettext_lazy("Forbidden"),
    status.HTTP_404_NOT_FOUND: gettext_lazy("Not found"),
    status.HTTP_405_METHOD_NOT_ALLOWED: gettext_lazy("Method not allowed"),
    status.HTTP_406_NOT_ACCEPTABLE: gettext_lazy("Not acceptable"),
    status.HTTP_409_CONFLICT: gettext_lazy("Conflict"),
    status.HTTP_410_GONE: gettext_lazy("Gone"),
    status.HTTP_412_PRECONDITION_FAILED: gettext_lazy("Precondition failed"),
    status.HTTP_413_REQUEST_ENTITY_TOO_LARGE: gettext_lazy("Request too large"),
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: gettext_lazy("Unsupported media type"),
    status.HTTP_429_TOO_MANY_REQUESTS: gettext_lazy("Too many requests"),
}


def _title(status_code: int) -> str:
    return str(_TITLES.get(status_code, gettext_lazy("Error")))
