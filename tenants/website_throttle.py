"""A ceiling on anonymous requests to a library's website, per client address and minute.

The API has throttles of its own (api/throttling.py); staff signed in, and callers that give
one of the library's API keys (harvesters of its OAI-PMH and SRU), are not counted. Each
address's count is one small Redis key that expires with its minute, so any number of
addresses costs the shared Redis little. Over the ceiling, the protocols answer 503 with
Retry-After, which is OAI-PMH's flow control and what harvesters wait on; pages answer 429.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from staff.services import api_key_of_header
from tenants.signin import signin_address

_WINDOW_SECONDS = 60
# Paths the website throttle leaves to others: the API's own throttles, static files, probes.
_NOT_WEBSITE = ("/api/", "/static/", "/healthz", "/readyz")
_PROTOCOLS = ("/oai", "/sru", "/unapi", "/opensearch.xml")


class WebsiteThrottleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        wait = self._wait(request)
        if wait:
            response = HttpResponse(
                "Too many requests from your address; please wait a minute.",
                status=503 if request.path.startswith(_PROTOCOLS) else 429,
                content_type="text/plain; charset=utf-8",
            )
            response["Retry-After"] = str(wait)
            return response
        return self.get_response(request)

    def _wait(self, request: HttpRequest) -> int:
        """Seconds to wait when this request is over the ceiling, else 0 (and it is counted)."""
        limit = settings.STACKS_WEBSITE_RATE_PER_ADDRESS
        tenant = getattr(request, "tenant", None)
        if (
            not limit
            or tenant is None
            or tenant.schema_name == "public"
            or request.path.startswith(_NOT_WEBSITE)
            or request.user.is_authenticated
            or api_key_of_header(request.headers.get("Authorization", "")) is not None
        ):
            return 0
        now = time.time()
        window = int(now // _WINDOW_SECONDS)
        # The cache's key function adds the library's schema.
        key = f"website_rate:{signin_address(request)}:{window}"
        cache.add(key, 0, _WINDOW_SECONDS + 1)
        if cache.incr(key) <= limit:
            return 0
        return max(1, int((window + 1) * _WINDOW_SECONDS - now) + 1)
