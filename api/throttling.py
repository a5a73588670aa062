"""Request rate limits: per API key, per staff account, and per client address."""

from typing import TYPE_CHECKING

from rest_framework.request import Request

if TYPE_CHECKING:
    from rest_framework.views import APIView
from rest_framework.throttling import SimpleRateThrottle


class CallerRateThrottle(SimpleRateThrottle):
    """One bucket per API key or staff account; anonymous callers share their address's bucket.

    The cache key function adds the library's schema, so buckets never cross libraries.
    """

    scope = "caller"

    def get_cache_key(self, request: Request, view: "APIView") -> str:
        api_key = getattr(request.user, "api_key", None)
        if api_key is not None:
            ident = f"key:{api_key.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"addr:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AddressRateThrottle(SimpleRateThrottle):
    """A ceiling per client address whoever the caller claims to be."""

    scope = "address"

    def get_cache_key(self, request: Request, view: "APIView") -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
