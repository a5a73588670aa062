"""HTTP an integrator's tools expect of the API: Location of what a write made, conditional GET,
and a 406 only when the object asked for is there."""

from hashlib import sha256
from typing import Any

from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.middleware.http import ConditionalGetMiddleware
from django.utils.http import quote_etag
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import NotAcceptable
from rest_framework.permissions import SAFE_METHODS
from rest_framework.renderers import BaseRenderer
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


_PRECONDITIONS = frozenset(
    {"HTTP_IF_MATCH", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE"}
)


class ApiConditionalGetMiddleware(ConditionalGetMiddleware):
    """Django's conditional GET for the API only: an answer without an ETag (a list) gets one
    from its body, and `If-None-Match` naming the current ETag is answered 304 with no body."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if not request.path.startswith("/api/"):
            return response
        if (
            request.method == "GET"
            and not response.streaming
            and not response.has_header("ETag")
            and self.needs_etag(response)
        ):
            # Django's own tag is the body's MD5. SHA-256 (its first 128 bits) changes as surely
            # whenever the body does, and processors compute it in hardware, twice as fast.
            body = response.content  # type: ignore[attr-defined]
            if body:
                response.headers["ETag"] = quote_etag(sha256(body).hexdigest()[:32])
        # Without a precondition Django's checks would hand the answer back as it is, after
        # parsing the Cache-Control and the absent headers again: most reads send none.
        if _PRECONDITIONS.isdisjoint(request.META):
            return response
        return super().process_response(request, response)


class NotAcceptableLast:
    """A format the operation does not offer (by `Accept` or `?format=`) is a 406 that lists
        the ones it does. On a read it is said last: a record that is not there is a 404 (in JSON),
        which tells the caller more, and a caller that may not read is told that first. A write
        is refused before it runs, so nothing is written for an answer the caller cannot take, and
    so is a read of a list, which has no object to miss."""

    _not_acceptable: NotAcceptable | None = None

    def perform_content_negotiation(
        self, request: Request, force: bool = False
    ) -> tuple[BaseRenderer, str]:
        try:
            return super().perform_content_negotiation(request, force)  # type: ignore[misc,no-any-return]
        except (NotAcceptable, Http404):
            # DRF answers an unknown `?format=` with a 404.
            refusal = self._refusal()
            if force or request.method not in SAFE_METHODS:
                raise refusal from None
            self._not_acceptable = refusal
            renderer = self.get_renderers()[0]  # type: ignore[attr-defined]
            return renderer, str(renderer.media_type)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        # A read with no object to find (a list, a search) could not be a 404: once the caller
        # is known to be allowed, it is refused without running for an answer it cannot take.
        if self._not_acceptable is not None and not set(kwargs) - {"format"}:
            refusal, self._not_acceptable = self._not_acceptable, None
            raise refusal

    def _refusal(self) -> NotAcceptable:
        offered = [r for r in self.get_renderers() if r.format != "api"]  # type: ignore[attr-defined]
        return NotAcceptable(
            _("This operation answers in %(types)s (by Accept), or ?format=%(formats)s.")
            % {
                "types": ", ".join(r.media_type for r in offered),
                "formats": "|".join(str(r.format) for r in offered),
            }
        )

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        refusal, self._not_acceptable = self._not_acceptable, None
        if refusal is not None and response.status_code < status.HTTP_400_BAD_REQUEST:
            response = self.handle_exception(refusal)  # type: ignore[attr-defined]
        return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc,no-any-return]
