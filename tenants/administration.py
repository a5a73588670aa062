"""A library's own administration from its host: domains, settings and API keys."""

import ipaddress
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any, TypedDict, Unpack
from urllib.parse import urlsplit

from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from catalog.models import Location
from common.emails import is_email_address
from common.errors import (
    ApplicationError,
    Conflict,
    FieldRefusals,
    NotFound,
    Versions,
    first_or_not_found,
    version_expected_check,
)
from common.language import quoted
from common.saves import values_changed
from staff.audit import audit_record
from staff.models import ApiKey, User
from staff.services import IssuedApiKey, api_key_create, api_key_revoke
from tenants.dns import domain_challenge, domain_proven
from tenants.domains import domain_cache_forget, host_generation_advance, is_platform_hostname
from tenants.locale import language_codes, time_zones
from tenants.models import Domain, Library
from tenants.pool import pool_sync_queue
from tenants.services import hostname_validate, library_name_clean


def _hostnames(library: Library) -> list[str]:
    return list(Domain.objects.filter(tenant=library).values_list("domain", flat=True))


def domain_list(*, library: Library) -> QuerySet[Domain]:
    return (
        Domain.objects.filter(tenant=library)
        .select_related("tenant")
        .order_by("-is_primary", "domain")
    )


def _domain_get(*, library: Library, domain_id: int) -> Domain:
    domain = first_or_not_found(
        Domain.objects.filter(tenant=library, pk=domain_id), gettext("No such domain.")
    )
    return domain


def _is_address(hostname: str) -> bool:
    """An IP literal, or a name browsers read as one (a numeric last label: 127.1, 0x7f.1)."""
    try:
        ipaddress.ip_address(hostname)
    except ValueError:
        last = hostname.rsplit(".", 1)[-1]
        return last.isdigit() or last.startswith("0x")
    return True


def domain_add(*, library: Library, hostname: str, actor: str) -> Domain:
    """Claim a custom domain. It routes once proven (now, when the TXT record is already
    published, or later by domain_verify); until then another library may claim it too, and
    the proof decides."""
    hostname = hostname.strip().lower().rstrip(".")
    if _is_address(hostname):
        message = gettext("%(host)s is an IP address; add a domain name.") % {"host": hostname}
        raise ApplicationError.of_field("domain", message, code="ip_address")
    hostname = hostname_validate(hostname)
    if is_platform_hostname(hostname):
        message = gettext("%(host)s is a platform address; add a domain of your own.") % {
            "host": hostname
        }
        raise ApplicationError.of_field("domain", message, code="platform_domain")
    proven = domain_proven(library=library, hostname=hostname)
    with transaction.atomic():
        held = Domain.objects.select_for_update().filter(domain=hostname).first()
        if held is not None:
            if held.tenant_id == library.pk or held.is_verified or not proven:
                message = gettext("The host name %(host)s is already in use.") % {
                    "host": quoted(hostname)
                }
                raise Conflict.of_field("domain", message, code="domain_taken")
            # Another library's claim without proof gives way to this proven one.
            held.delete()
        domain = Domain.objects.create(
            domain=hostname,
            tenant=library,
            is_primary=False,
            is_verified=proven,
            verified_at=timezone.now() if proven else None,
        )
        audit_record(actor=actor, action="domain.add", target=hostname, verified=proven)
        transaction.on_commit(lambda: domain_cache_forget(hostname))
    return domain


def domain_verify(*, library: Library, domain_id: int, actor: str) -> Domain:
    """Look the domain's TXT record up; the domain routes from now on if it carries the
    library's token."""
    domain = _domain_get(library=library, domain_id=domain_id)
    if domain.is_verified:
        return domain
    name, value = domain_challenge(library=library, hostname=domain.domain)
    if not domain_proven(library=library, hostname=domain.domain):
        raise ApplicationError(
            gettext(
                "No TXT record %(name)s with the value %(value)s was found. Publish it at your "
                "DNS provider, wait for it to appear, and verify again."
            )
            % {"name": name, "value": value},
            code="domain_not_proven",
        )
    with transaction.atomic():
        Domain.objects.filter(pk=domain.pk).update(is_verified=True, verified_at=timezone.now())
        domain.refresh_from_db()
        audit_record(actor=actor, action="domain.verify", target=domain.domain)
        hostname = domain.domain
        transaction.on_commit(lambda: domain_cache_forget(hostname))
    return domain


@transaction.atomic
def domain_make_primary(*, library: Library, domain_id: int, actor: str) -> Domain:
    domain = _domain_get(library=library, domain_id=domain_id)
    if not domain.is_verified:
        raise Conflict(
            gettext("%(host)s is not verified yet; verify it before making it primary.")
            % {"host": domain.domain},
            code="domain_not_proven",
        )
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
            gettext("%(host)s is the library's platform address and stays.")
            % {"host": domain.domain},
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


class LibrarySettingsGiven(TypedDict, total=False):
    """The settings a change gives (None, or left out: not given)."""

    name: str | None
    public_catalog: bool | None
    default_location_code: str | None
    share_records: bool | None
    cors_origins: list[str] | None
    language: str | None
    time_zone: str | None
    contact_email: str | None


MAX_CORS_ORIGINS = 50


def cors_origins_clean(origins: list[str]) -> list[str]:
    """Web origins as browsers send them (scheme://host[:port], lower case), without repeats;
    anything else (a path, a wildcard, another scheme) is refused with the value named."""
    cleaned: list[str] = []
    for raw in origins:
        value = raw.strip()
        if not value:
            continue
        origin = _origin(value)
        if origin is None:
            message = _(
                "%(value)s is not a web origin: give the scheme and host, and a port if "
                "needed, e.g. https://catalog.example.org or http://localhost:3000 (no "
                "path, no wildcard)."
            ) % {"value": repr(value)}
            raise ApplicationError.of_field("cors_origins", message, code="invalid_origin")
        if origin not in cleaned:
            cleaned.append(origin)
    if len(cleaned) > MAX_CORS_ORIGINS:
        message = _("At most %(most)s web origins.") % {"most": MAX_CORS_ORIGINS}
        raise ApplicationError.of_field("cors_origins", message, code="invalid_origin")
    return cleaned


def _origin(value: str) -> str | None:
    if "*" in value or any(c.isspace() for c in value):
        return None
    parts = urlsplit(value)
    try:
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname or ""
    if (
        parts.scheme.lower() not in ("http", "https")
        or not host
        or parts.username is not None
        or parts.password is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or value.endswith(("?", "#"))
    ):
        return None
    if not _is_address(host):
        try:
            hostname_validate(host)
        except ApplicationError:
            return None
    where = f"[{host}]" if ":" in host else host
    return f"{parts.scheme.lower()}://{where}" + (f":{port}" if port is not None else "")


def _one_of(setting: str, given: str, known: Collection[str], refusal: str, code: str) -> str:
    """`given` when it is one of `known`; else refused by `refusal`, which may name the value
    (`%(given)s`) and the ones it may be (`%(codes)s`)."""
    if given not in known:
        message = refusal % {"given": quoted(given), "codes": ", ".join(known)}
        raise ApplicationError.of_field(setting, message, code=code)
    return given


def _language_clean(language: str) -> str:
    message = gettext("Choose one of the languages Stacks speaks: %(codes)s, not %(given)s.")
    return _one_of("language", language, language_codes(), message, code="unknown_language")


def _time_zone_clean(time_zone: str) -> str:
    message = gettext(
        "%(given)s is not a time zone: give its IANA name, such as Europe/Paris, "
        "America/Toronto or UTC."
    )
    return _one_of("time_zone", time_zone, time_zones(), message, code="unknown_time_zone")


def _text_clean(
    setting: str, text: str, valid: Callable[[str], bool], refusal: str, code: str
) -> str:
    """`text` without its surrounding spaces: empty, or refused by `refusal` (which names the
    value, `%(given)s`) unless `valid` takes it."""
    text = text.strip()
    if text and not valid(text):
        raise ApplicationError.of_field(setting, refusal % {"given": quoted(text)}, code=code)
    return text


def _default_location_code_clean(code: str) -> str:
    message = gettext(
        "No location has the code %(given)s: add it under Locations first, or "
        "choose one of the library's codes."
    )
    return _text_clean("default_location_code", code, _location_known, message, "unknown_location")


def _location_known(code: str) -> bool:
    return Location.objects.filter(code=code).exists()


def _contact_email_clean(address: str) -> str:
    message = gettext(
        "%(given)s is not an email address: give the one readers may write to, "
        "such as desk@library.example, or leave it empty."
    )
    return _text_clean("contact_email", address, is_email_address, message, code="invalid")


def _as_given(value: bool) -> bool:
    """A switch, refused beforehand unless it is true or false."""
    return value


# Each setting a change stores, with the check that cleans it (or refuses it, naming the value),
# in the order an answer names the wrong ones; share_records is compared with the saved one.
_SETTING_CLEANERS: dict[str, Callable[[Any], object]] = {
    "name": library_name_clean,
    "public_catalog": _as_given,
    "default_location_code": _default_location_code_clean,
    "cors_origins": cors_origins_clean,
    "language": _language_clean,
    "time_zone": _time_zone_clean,
    "contact_email": _contact_email_clean,
}


def library_settings_clean(**settings: Unpack[LibrarySettingsGiven]) -> dict[str, object]:
    """The settings given (None: not given), checked and cleaned as library_settings_update
    stores them (share_records aside: it is compared with the saved one there); every wrong
    value is refused in one error. Writes nothing, so an edge that refused other values of
    the same request can name these with them."""
    changed: dict[str, object] = {}
    # Every setting is checked, so that one answer names each wrong value.
    refusals = FieldRefusals()
    for setting in ("public_catalog", "share_records"):
        given = settings.get(setting)
        if given is not None and not isinstance(given, bool):
            message = gettext("%(field)s is true or false, not %(given)s.") % {
                "field": setting, "given": quoted(given)
            }  # fmt: skip
            with refusals.field():
                raise ApplicationError.of_field(setting, message, code="invalid")
    for setting, clean in _SETTING_CLEANERS.items():
        given = settings.get(setting)
        if given is not None:
            with refusals.field():
                changed[setting] = clean(given)
    refusals.raise_any()
    return changed


@transaction.atomic
def library_settings_update(
    *,
    library: Library,
    actor: str,
    expected_version: Versions | None = None,
    **settings: Unpack[LibrarySettingsGiven],
) -> Library:
    """Change the library's display name, public catalog switch, default location, whether
    its records join the shared pool (the pool's worker follows at once), the web origins
    whose pages may read the API, its readers' default language (one Stacks ships), its
    time zone (an IANA name) and the address readers' replies to its mail go to; with
    `expected_version` (the settings_version the editor read), refuse (412) a save made over
    someone else's since."""
    saved = Library.objects.select_for_update().filter(pk=library.pk).first()
    if saved is None:
        raise NotFound(gettext("No such library."))
    current = saved.settings_version
    library.settings_version = current
    changed = library_settings_clean(**settings)
    # Checked after the values: a stale save with a wrong value is told what is wrong, which
    # it must correct whatever the version.
    version_expected_check(
        current=current,
        expected=expected_version,
        stale=gettext(
            "These settings changed since you read them (version %(current)s, you sent "
            "%(expected)s): read them again, then make your change on what is saved now."
        ),
        never_had=gettext(
            "Version %(expected)s is not one these settings have had (they are at version "
            "%(current)s): send the ETag a read of them answered."
        ),
        code="settings_changed",
    )
    share_records = settings.get("share_records")
    if share_records is not None and share_records != saved.share_records:
        changed["share_records"] = share_records
        pool_sync_queue(library_id=library.pk)
    changed = values_changed(saved, changed)  # nothing changed: no new version, no audit entry
    if changed:
        changed["settings_version"] = current + 1
        Library.objects.filter(pk=library.pk).update(**changed)
        for field, value in changed.items():
            setattr(library, field, value)
        changed.pop("settings_version")
        audit_record(actor=actor, action="settings.update", target=library.schema_name, **changed)
        # Requests read the library from the cached host lookup: forget it.
        hostnames = _hostnames(library)
        transaction.on_commit(lambda: domain_cache_forget(*hostnames))
    return library


def default_location_follow(before: str, after: str) -> None:
    """The library whose location code `before` became `after` (or was deleted: "") keeps its
    default location on the same shelf, or none rather than a code no location has."""
    library = Library.objects.filter(
        schema_name=connection.schema_name,  # type: ignore[attr-defined]
        default_location_code=before,
    ).first()
    if library is None:
        return
    Library.objects.filter(pk=library.pk).update(
        default_location_code=after, settings_version=F("settings_version") + 1
    )
    audit_record(
        actor="", action="settings.update", target=library.schema_name,
        default_location_code=after,
    )  # fmt: skip
    hostnames = _hostnames(library)
    transaction.on_commit(lambda: domain_cache_forget(*hostnames))


def api_key_list() -> QuerySet[ApiKey]:
    return ApiKey.objects.order_by("-id")


@transaction.atomic
def api_key_issue(
    *,
    name: str,
    scope: str,
    expires_at: datetime | None,
    created_by: User | None,
    actor: str,
    patrons: bool = False,
) -> IssuedApiKey:
    issued = api_key_create(
        name=name, scope=scope, created_by=created_by, expires_at=expires_at, patrons=patrons
    )
    audit_record(
        actor=actor, action="api_key.create", target=issued.api_key.prefix, scope=scope,
        patrons=patrons,
    )  # fmt: skip
    return issued


@transaction.atomic
def api_key_withdraw(*, api_key_id: int, actor: str) -> ApiKey:
    was_revoked = ApiKey.objects.filter(pk=api_key_id, revoked_at__isnull=False).exists()
    api_key = api_key_revoke(api_key_id=api_key_id)
    # A key revoked again (from a second tab, a retried call) is logged once, when it was.
    if not was_revoked:
        audit_record(actor=actor, action="api_key.revoke", target=api_key.prefix)
    # Web processes hold keys in memory, stamped with the host generation: moving it on makes
    # all of them drop their copies; again at commit, for any that read the key in between.
    host_generation_advance()
    transaction.on_commit(host_generation_advance)
    return api_key
