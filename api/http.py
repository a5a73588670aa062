"""HTTP an integrator's tools expect of the API: Location of what a write made, conditional GET."""

from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.middleware.http import ConditionalGetMiddleware
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse


def located(response: Response, request: Request, url_name: str, pk: int | str) -> Response:
    """The answer to a write that made (201) or queued (202) something, with its address."""
    response["Location"] = reverse(url_name, args=[pk], request=request)
    return response


def created(data: Any, request: Request, url_name: str, pk: int | str) -> Response:
    """201 Created with what the write made and its address."""
    return located(Response(data, status=status.HTTP_201_CREATED), request, url_name, pk)


class ApiConditionalGetMiddleware(ConditionalGetMiddleware):
    """Django's conditional GET for the API only: an answer without an ETag (a list) gets one
    from its body, and `If-None-Match` naming the current ETag is answered 304 with no body."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if not request.path.startswith("/api/"):
            return response
        return super().process_response(request, response)
