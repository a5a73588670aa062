"""Host name to library lookup, cached so that a request does not query the domain table."""

from django.core.cache import cache

from tenants.models import Domain, Library

_TTL_SECONDS = 300
_MISS = "-"


def _key(hostname: str) -> str:
    return f"domain:{hostname}"


def library_for_host(hostname: str) -> Library | None:
    """The library that owns `hostname`, or None. Must run in the public schema."""
    cached = cache.get(_key(hostname))
    if cached == _MISS:
        return None
    if cached is not None:
        return cached
    domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
    library = domain.tenant if domain else None
    cache.set(_key(hostname), library if library is not None else _MISS, _TTL_SECONDS)
    return library


def domain_cache_forget(*hostnames: str) -> None:
    """Drop cached lookups after a domain or its library changed."""
    from django_tenants.utils import schema_context

    with schema_context("public"):
        cache.delete_many([_key(h) for h in hostnames])


def library_cache_forget(library: Library) -> None:
    domain_cache_forget(*Domain.objects.filter(tenant=library).values_list("domain", flat=True))
