"""A library's own administration from its host: domains, settings and API keys."""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from catalog.models import Location
from common.errors import ApplicationError, Conflict, NotFound
from staff.audit import audit_record
from staff.models import ApiKey, User
from staff.services import IssuedApiKey, api_key_create, api_key_revoke
from tenants.domains import domain_cache_forget
from tenants.models import Domain, Library
from tenants.services import hostname_validate


def _hostnames(library: Library) -> list[str]:
    return list(Domain.objects.filter(tenant=library).values_list("domain", flat=True))


def is_platform_hostname(hostname: str) -> bool:
    """A subdomain of the platform's base domain: assigned by the platform, never by a library."""
    base = settings.STACKS_BASE_DOMAIN
    return hostname == base or hostname.endswith("." + base)


def domain_list(*, library: Library) -> QuerySet[Domain]:
    return Domain.objects.filter(tenant=library).order_by("-is_primary", "domain")


def _domain_get(*, library: Library, domain_id: int) -> Domain:
    domain = Domain.objects.filter(tenant=library, pk=domain_id).first()
    if domain is None:
        raise NotFound("No such domain.")
    return domain


@transaction.atomic
def domain_add(*, library: Library, hostname: str, actor: str) -> Domain:
    hostname = hostname_validate(hostname)
    if is_platform_hostname(hostname):
        raise ApplicationError(
            f"{hostname} is a platform address; add a domain of your own.",
            code="platform_domain",
            fields={"domain": ["platform"]},
        )
    if Domain.objects.filter(domain=hostname).exists():
        raise Conflict(
            f"The host name {hostname!r} is already in use.",
            code="domain_taken",
            fields={"domain": ["taken"]},
        )
    domain = Domain.objects.create(domain=hostname, tenant=library, is_primary=False)
    audit_record(actor=actor, action="domain.add", target=hostname)
    transaction.on_commit(lambda: domain_cache_forget(hostname))
    return domain


@transaction.atomic
def domain_make_primary(*, library: Library, domain_id: int, actor: str) -> Domain:
    domain = _domain_get(library=library, domain_id=domain_id)
    Domain.objects.filter(tenant=library).exclude(pk=domain.pk).update(is_primary=False)
    Domain.objects.filter(pk=domain.pk).update(is_primary=True)
    domain.is_primary = True
    audit_record(actor=actor, action="domain.make_primary", target=domain.domain)
    hostnames = _hostnames(library)
    transaction.on_commit(lambda: domain_cache_forget(*hostnames))
    return domain


@transaction.atomic
def domain_remove(*, library: Library, domain_id: int, actor: str) -> None:
    domain = _domain_get(library=library, domain_id=domain_id)
    if is_platform_hostname(domain.domain):
        raise Conflict(
            f"{domain.domain} is the library's platform address and stays.",
            code="platform_domain",
        )
    if domain.is_primary:
        fallback = (
            Domain.objects.filter(tenant=library).exclude(pk=domain.pk).order_by("domain").first()
        )
        if fallback is not None:
            Domain.objects.filter(pk=fallback.pk).update(is_primary=True)
    hostnames = _hostnames(library)
    domain.delete()
    audit_record(actor=actor, action="domain.remove", target=domain.domain)
    transaction.on_commit(lambda: domain_cache_forget(*hostnames))


@transaction.atomic
def library_settings_update(
    *,
    library: Library,
    actor: str,
    name: str | None = None,
    public_catalog: bool | None = None,
    default_location_code: str | None = None,
) -> Library:
    """Change the library's display name, public catalog switch and default location."""
    changed: dict[str, object] = {}
    if name is not None:
        name = name.strip()
        if not name or len(name) > 200:
            raise ApplicationError(
                "A library needs a name of 1 to 200 characters.", fields={"name": ["invalid"]}
            )
        changed["name"] = name
    if public_catalog is not None:
        changed["public_catalog"] = public_catalog
    if default_location_code is not None:
        code = default_location_code.strip()
        if code and not Location.objects.filter(code=code).exists():
            raise ApplicationError(
                f"No location with code {code!r}.",
                code="unknown_location",
                fields={"default_location_code": ["unknown"]},
            )
        changed["default_location_code"] = code
    if changed:
        Library.objects.filter(pk=library.pk).update(**changed)
        for field, value in changed.items():
            setattr(library, field, value)
        audit_record(actor=actor, action="settings.update", target=library.schema_name, **changed)
        # Requests read the library from the cached host lookup: forget it.
        hostnames = _hostnames(library)
        transaction.on_commit(lambda: domain_cache_forget(*hostnames))
    return library


def api_key_list() -> QuerySet[ApiKey]:
    return ApiKey.objects.order_by("-id")


@transaction.atomic
def api_key_issue(
    *, name: str, scope: str, expires_at: datetime | None, created_by: User | None, actor: str
) -> IssuedApiKey:
    issued = api_key_create(name=name, scope=scope, created_by=created_by, expires_at=expires_at)
    audit_record(actor=actor, action="api_key.create", target=issued.api_key.prefix, scope=scope)
    return issued


@transaction.atomic
def api_key_withdraw(*, api_key_id: int, actor: str) -> ApiKey:
    api_key = api_key_revoke(api_key_id=api_key_id)
    audit_record(actor=actor, action="api_key.revoke", target=api_key.prefix)
    return api_key
