"""Host name to library lookup, cached so that a request does not query the domain table.

Two levels: the shared cache (Redis) for every process, and in front of it a small cache in
each process, kept at most HOST_CACHE_SECONDS, that spares most requests fetching and
unpickling the library. Each process's copy is stamped with the shared cache's generation,
read (one small value) on every lookup: forgetting a host moves the generation on, so every
process drops its copy at its next request, never serving a library as it was before a save.
The generation a request read is kept for it (`host_generation`): what else a process holds
in memory for a library (its API keys, api/authentication.py) is stamped with it too, and is
forgotten by every process at once when the generation moves on.

A request that only reads the API need not wait on a round trip of its own for the generation:
it may take its host's copy as it holds it (`confirm_later`) and have the generation read in
the round trip the API's throttle makes anyway (`host_generation_unconfirmed`,
`host_generation_confirm`), or else read at its end (`host_generation_check`). Until then its
answer is not sent: one made from a stale copy is made again (tenants.middleware).
"""

import copy
import time
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from tenants.models import Domain, Library

_TTL_SECONDS = 300
_MISS = "-"
_GENERATION = "domain-generation"
# hostname -> (monotonic time it expires, shared generation it was read under, library or None)
_local: dict[str, tuple[float, object, Library | None]] = {}
_LOCAL_MAX = 1000
# The shared generation the current request's host lookup read; None when Redis is away.
_request_generation: ContextVar[object] = ContextVar("host_generation", default=None)
# For a request whose lookup took its copy unconfirmed: the generation's cache key, the
# generation the copy was stamped with, and whether it was found stale. None once confirmed.
_unconfirmed: ContextVar["_Unconfirmed | None"] = ContextVar("host_unconfirmed", default=None)


class _Unconfirmed:
    __slots__ = ("generation", "key", "stale")

    def __init__(self, key: str, generation: object) -> None:
        self.key, self.generation, self.stale = key, generation, False


def is_platform_hostname(hostname: str) -> bool:
    """One of the platform's own host names or a subdomain of one: assigned by the platform,
    never claimed by a library."""
    hostname = hostname.lower().rstrip(".")
    platform = {settings.STACKS_BASE_DOMAIN, *settings.STACKS_PLATFORM_HOSTS}
    return any(hostname == base or hostname.endswith("." + base) for base in platform if base)


def _key(hostname: str) -> str:
    return f"domain:{hostname}"


def library_for_host(hostname: str, *, confirm_later: bool = False) -> Library | None:
    """The library that owns `hostname`, or None. Must run in the public schema. Host names
    are stored in lower case and compared in any case, as DNS compares them. With
    `confirm_later`, a copy held is returned without reading the generation: the request
    must confirm it before its answer leaves (host_generation_check)."""
    hostname = hostname.lower()
    now = time.monotonic()
    held = _local.get(hostname)
    if confirm_later and held is not None and held[0] > now and held[1] is not None:
        _request_generation.set(held[1])
        _unconfirmed.set(_Unconfirmed(cache.make_key(_GENERATION), held[1]))
        return copy.copy(held[2]) if held[2] is not None else None
    _unconfirmed.set(None)
    generation = cache.get(_GENERATION)
    if generation is None:
        # None set since Redis started (or Redis is away, and this fails at once): one is set,
        # so that copies stamped with it may be kept.
        started = time.time_ns()
        generation = started if cache.add(_GENERATION, started, None) else None
    _request_generation.set(generation)
    if held is not None and held[0] > now and held[1] == generation:
        # A copy: a request may change its library object without others seeing it.
        return copy.copy(held[2]) if held[2] is not None else None
    library = _shared_lookup(hostname)
    if len(_local) >= _LOCAL_MAX:
        _local.clear()
    _local[hostname] = (now + settings.STACKS_HOST_CACHE_SECONDS, generation, library)
    return copy.copy(library) if library is not None else None


def _shared_lookup(hostname: str) -> Library | None:
    cached = cache.get(_key(hostname))
    if cached == _MISS:
        return None
    if cached is not None:
        return cached
    domain = (
        Domain.objects.select_related("tenant").filter(domain=hostname, is_verified=True).first()
    )
    library = domain.tenant if domain else None
    cache.set(_key(hostname), library if library is not None else _MISS, _TTL_SECONDS)
    return library


def host_generation() -> object:
    """The shared generation the current request's host lookup read (None if Redis was away or
    no save has set one): a copy of anything stamped with another is stale."""
    return _request_generation.get()


def host_generation_unconfirmed() -> tuple[str, str] | None:
    """The generation's full cache key and the value the current request's copy was stamped
    with, as Redis holds it, while the request has not confirmed them; else None."""
    pending = _unconfirmed.get()
    if pending is None or pending.stale:
        return None
    return pending.key, str(pending.generation)


def host_generation_confirm(stored: bytes | str | None) -> bool:
    """Confirm the current request's copy against the generation Redis holds (`stored`, as
    read with host_generation_unconfirmed's key): False when it moved on since the copy."""
    pending = _unconfirmed.get()
    if pending is None:
        return True
    if _generation_of(stored) == pending.generation:
        _unconfirmed.set(None)
        return True
    pending.stale = True
    return False


def host_generation_check() -> bool:
    """Whether the current request's answer may leave: its copy was confirmed, or is confirmed
    now (one read of the generation); False when the copy was stale."""
    pending = _unconfirmed.get()
    if pending is None:
        return True
    if pending.stale:
        return False
    from django_tenants.utils import schema_context

    with schema_context("public"):
        return host_generation_confirm(cache.get(_GENERATION))


def _generation_of(stored: object) -> object:
    # Generations are integers, which the cache stores as their digits.
    if stored is None or isinstance(stored, int):
        return stored
    try:
        return int(stored)  # type: ignore[call-overload]
    except ValueError:
        return stored


def host_generation_advance() -> None:
    """Make every process drop, at its next request, what it holds in memory for any library."""
    from django_tenants.utils import schema_context

    with schema_context("public"):
        cache.set(_GENERATION, time.time_ns(), None)


def host_cache_clear() -> None:
    """Forget every lookup this process holds in memory (the shared cache is untouched)."""
    _local.clear()


def domain_cache_forget(*hostnames: str) -> None:
    """Drop cached lookups after a domain or its library changed."""
    from django_tenants.utils import schema_context

    for hostname in hostnames:
        _local.pop(hostname, None)
    with schema_context("public"):
        cache.delete_many([_key(h) for h in hostnames])
    # Every process's copies are stale from here: a new generation makes them ask again.
    host_generation_advance()


def library_cache_forget(library: Library) -> None:
    domain_cache_forget(*Domain.objects.filter(tenant=library).values_list("domain", flat=True))


def served_host(domain: str) -> str:
    """`domain` as people reach it: with the site's port (STACKS_SITE_PORT) when it has one."""
    port = settings.STACKS_SITE_PORT
    return f"{domain}:{port}" if port else domain


def site_url(domain: str, path: str = "/") -> str:
    """The address of `path` on `domain`, in the site's scheme and port, as links and the
    commands' messages give it."""
    return f"{settings.STACKS_SITE_SCHEME}://{served_host(domain)}{path}"


def library_site_url(path: str = "/") -> str:
    """The address of `path` on the primary host of the library whose schema is in use, for
    mail written outside a request ("" when it has none)."""
    schema = connection.schema_name  # type: ignore[attr-defined]
    domain = (
        Domain.objects.filter(tenant__schema_name=schema, is_primary=True)
        .values_list("domain", flat=True)
        .first()
    )
    return site_url(domain, path) if domain else ""
