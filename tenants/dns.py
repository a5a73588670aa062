"""Proof that a library controls a custom domain: a DNS TXT record carrying its token.

The record is `_stacks-challenge.<domain>` with the value `stacks-domain-verification=<token>`,
where the token is the library's own (derived from its id and schema with the secret key, so no
other library, nor a later library of the same name, can present it). Lookups go to the
resolvers in STACKS_DNS_RESOLVERS, or the system's when none are set.
"""

import ipaddress

import dns.exception
import dns.nameserver
import dns.resolver
from django.conf import settings
from django.utils.crypto import salted_hmac

from common.errors import ApplicationError
from tenants.models import Library

CHALLENGE_LABEL = "_stacks-challenge"
VALUE_PREFIX = "stacks-domain-verification="


class DnsUnavailable(ApplicationError):
    status_code = 503
    code = "dns_unavailable"


def library_domain_token(library: Library) -> str:
    return salted_hmac(
        "tenants.dns.library_domain_token", f"{library.pk}:{library.schema_name}"
    ).hexdigest()[:32]


def domain_challenge(*, library: Library, hostname: str) -> tuple[str, str]:
    """(record name, value) of the TXT record that proves `library` controls `hostname`."""
    return f"{CHALLENGE_LABEL}.{hostname}", VALUE_PREFIX + library_domain_token(library)


def _nameserver(address: str) -> dns.nameserver.Nameserver:
    """`1.2.3.4`, `1.2.3.4:5353`, `::1` or `[::1]:5353`."""
    host, port = address, 53
    if address.startswith("["):
        host, _, rest = address[1:].partition("]")
        port = int(rest.lstrip(":") or 53)
    elif address.count(":") == 1:
        host, _, port_text = address.partition(":")
        port = int(port_text)
    return dns.nameserver.Do53Nameserver(str(ipaddress.ip_address(host)), port)


def _resolver() -> dns.resolver.Resolver:
    if settings.STACKS_DNS_RESOLVERS:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [_nameserver(a) for a in settings.STACKS_DNS_RESOLVERS]
    else:
        resolver = dns.resolver.Resolver()
    resolver.lifetime = settings.STACKS_DNS_TIMEOUT_SECONDS
    resolver.cache = None
    return resolver


def txt_values(name: str) -> list[str]:
    """The TXT strings published at `name` (each record's strings joined), [] when none."""
    try:
        answer = _resolver().resolve(name, "TXT", search=False)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except dns.exception.DNSException as exc:
        raise DnsUnavailable(
            f"The DNS lookup of {name} failed ({type(exc).__name__}); try again in a minute."
        ) from exc
    return [b"".join(record.strings).decode("utf-8", "replace") for record in answer]


def domain_proven(*, library: Library, hostname: str) -> bool:
    name, value = domain_challenge(library=library, hostname=hostname)
    return value in (v.strip() for v in txt_values(name))
