"""Request rate limits: per API key, per staff account, and per client address.

Each bucket is the log of its requests in the last period, as DRF's throttles keep it, but
held in a Redis sorted set and checked by one script: every bucket a request counts against is
checked and recorded in a single round trip. As with DRF, a refused request is not recorded,
and the wait is the time until the oldest logged request leaves the period.

The same round trip reads the host generation when the request's library copy waits to be
confirmed (tenants.domains): if it moved on, nothing is recorded and the request is refused
here, to be answered again from the library as it is now (tenants.middleware).
"""

import math
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from django.core.cache import cache
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from common.cache import REDIS_UNAVAILABLE
from tenants.domains import host_generation_confirm, host_generation_unconfirmed

if TYPE_CHECKING:
    from rest_framework.views import APIView

# KEYS: the buckets, then the host generation's key when ARGV[2] is not empty. ARGV: now, the
# generation expected (or ''), then per bucket its limit, its period and this request's member.
# Returns the generation read ('' when none was asked for or none is set); if it is not the one
# expected, that alone. Then per bucket three values: 0 (allowed, recorded) or the seconds to
# wait (refused); the requests left in the period; the seconds until its oldest request leaves it.
_CHECK = """
local now = tonumber(ARGV[1])
local buckets = #KEYS
local out = {''}
if ARGV[2] ~= '' then
    buckets = buckets - 1
    out[1] = redis.call('GET', KEYS[#KEYS]) or ''
    if out[1] ~= ARGV[2] then return out end
end
for i = 1, buckets do
    local key = KEYS[i]
    local limit = tonumber(ARGV[3 * i])
    local period = tonumber(ARGV[3 * i + 1])
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - period)
    local count = redis.call('ZCARD', key)
    local wait = '0'
    if count >= limit then
        local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
        wait = tostring(math.max(tonumber(oldest[2]) + period - now, 0.001))
    else
        redis.call('ZADD', key, now, ARGV[3 * i + 2])
        redis.call('EXPIRE', key, math.ceil(period))
        count = count + 1
    end
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    local reset = period
    if oldest[2] then reset = math.max(tonumber(oldest[2]) + period - now, 0) end
    out[3 * i - 1] = wait
    out[3 * i] = tostring(math.max(limit - count, 0))
    out[3 * i + 1] = tostring(reset)
end
return out
"""
_scripts: dict[int, Any] = {}


def _check_script() -> Any:
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    script = _scripts.get(id(client))
    if script is None:
        script = _scripts[id(client)] = client.register_script(_CHECK)
    return script


class LoggedRateThrottle(SimpleRateThrottle):
    """A DRF rate throttle whose request log lives in a Redis sorted set."""

    # Not DRF's format: its buckets are pickled lists, these are sorted sets.
    cache_format = "throttle_log_%(scope)s_%(ident)s"
    num_requests: int
    duration: int
    wait_seconds: float | None = None

    def allow_request(self, request: Request, view: "APIView") -> bool:
        return throttles_check([self], request, view)

    def wait(self) -> float | None:
        return self.wait_seconds


def throttles_check(throttles: list[LoggedRateThrottle], request: Request, view: "APIView") -> bool:
    """Check and record the request against every throttle's bucket in one round trip; each
    refusing throttle keeps its wait for `wait()`. True when all of them allow it."""
    buckets = []
    for throttle in throttles:
        throttle.wait_seconds = None
        if throttle.rate is None:
            continue
        key = throttle.get_cache_key(request, view)
        if key is not None:
            buckets.append((throttle, cache.make_key(key)))
    if not buckets:
        return True
    now = throttle.timer()
    member = f"{now!r}:{os.urandom(4).hex()}"
    keys = [key for _, key in buckets]
    unconfirmed = host_generation_unconfirmed()
    args: list[Any] = [repr(now), ""]
    if unconfirmed is not None:
        keys.append(unconfirmed[0])
        args[1] = unconfirmed[1]
    for throttle, _ in buckets:
        args += [throttle.num_requests, throttle.duration, member]
    try:
        out = _check_script()(keys=keys, args=args)
    except REDIS_UNAVAILABLE:
        return True  # limits are a guard for the shared service, not a reason to refuse it
    if unconfirmed is not None and not host_generation_confirm(out[0] or None):
        return False  # never answered: the request is made again (tenants.middleware)
    allowed = True
    tightest: RateLimit | None = None
    for index, (throttle, _) in enumerate(buckets):
        wait, remaining, reset = out[3 * index + 1 : 3 * index + 4]
        if float(wait) > 0:
            throttle.wait_seconds = float(wait)
            allowed = False
        state = RateLimit(throttle.num_requests, int(remaining), math.ceil(float(reset)))
        if tightest is None or state.remaining < tightest.remaining:
            tightest = state
    # The bucket closest to refusing is the one a caller should pace itself by.
    request._request.rate_limit = tightest  # type: ignore[attr-defined]
    return allowed


class RateLimit(NamedTuple):
    limit: int
    remaining: int
    reset: int  # seconds


class RateLimitHeadersMiddleware:
    """RateLimit-Limit, -Remaining and -Reset on every API answer that was counted."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        state = getattr(request, "rate_limit", None)
        if state is not None:
            response["RateLimit-Limit"] = str(state.limit)
            response["RateLimit-Remaining"] = str(state.remaining)
            response["RateLimit-Reset"] = str(state.reset)
        return response


class CallerRateThrottle(LoggedRateThrottle):
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


class AddressRateThrottle(LoggedRateThrottle):
    """A ceiling per client address whoever the caller claims to be."""

    scope = "address"

    def get_cache_key(self, request: Request, view: "APIView") -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class CallerAndAddressThrottle(BaseThrottle):
    """The caller's and the address's ceilings together, in one round trip to Redis."""

    throttles: list[LoggedRateThrottle] = []

    def allow_request(self, request: Request, view: "APIView") -> bool:
        self.throttles = [CallerRateThrottle(), AddressRateThrottle()]
        return throttles_check(self.throttles, request, view)

    def wait(self) -> float | None:
        waits = [t.wait_seconds for t in self.throttles if t.wait_seconds is not None]
        return max(waits, default=None)
