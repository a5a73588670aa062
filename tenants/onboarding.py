"""Self-service sign-up on the platform host: a request, confirmed from the admin's email,
then provisioned by a worker."""

import hashlib
import re
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from common.emails import is_email_address
from common.errors import NotFound
from common.language import quoted
from common.tasks import task_enqueue, task_name
from tenants.domains import site_url
from tenants.errors import LibraryError, LinkExpired, SignupsPaused
from tenants.locale import language_codes, signup_time_zone
from tenants.models import Domain, Library, Signup
from tenants.services import RESERVED_SCHEMA_NAMES, library_create, library_name_clean

SIGNUP_PROVISION = task_name("worker.signup_provision")

SUBDOMAIN_RE = re.compile(r"^[a-z][a-z0-9-]{0,61}[a-z0-9]$")
# Reserved for the platform itself beyond what schema names already reserve, and names that
# mail clients, browsers and people take for a host's infrastructure (autodiscovery, proxies,
# name and mail servers, webmail, the operators' pages).
RESERVED_SUBDOMAINS = RESERVED_SCHEMA_NAMES | {
    "signup", "signups", "login", "logout", "docs", "blog", "cdn", "assets",
    "autodiscover", "autoconfig", "wpad", "isatap", "proxy", "dns", "ns", "mx", "smtp",
    "imap", "pop", "pop3", "webmail", "email", "mta-sts", "ftp", "sftp", "ssh", "vpn", "cpanel",
    "whm", "webdisk", "localhost", "operators", "operator", "ops", "auth", "oauth", "sso",
    "account", "accounts", "billing", "security", "abuse", "postmaster", "hostmaster",
    "webmaster", "noc", "portal", "dashboard", "console", "internal", "intranet",
}  # fmt: skip
# Numbered infrastructure hosts: ns1, mx2, smtp3, mail10, imap1.
RESERVED_SUBDOMAIN_RE = re.compile(r"^(ns|dns|mx|smtp|mail|imap|pop|pop3|www)[0-9]+$")


def subdomain_schema_name(subdomain: str) -> str:
    return subdomain.replace("-", "_")


def signup_host(subdomain: str) -> str:
    return f"{subdomain}.{settings.STACKS_BASE_DOMAIN}"


def _validate(*, name: str, subdomain: str, admin_email: str) -> tuple[str, str, str]:
    errors: dict[str, list[str]] = {}
    messages: list[str] = []
    code = "invalid"
    subdomain = subdomain.strip().lower()
    admin_email = admin_email.strip().lower()
    try:
        name = library_name_clean(name)
    except LibraryError as refusal:
        errors["name"] = [refusal.message]
    if not SUBDOMAIN_RE.match(subdomain) or "--" in subdomain:
        errors["subdomain"] = [
            gettext("Use 2 to 63 lowercase letters, digits or hyphens, starting with a letter.")
        ]
    elif (
        subdomain in RESERVED_SUBDOMAINS
        or RESERVED_SUBDOMAIN_RE.match(subdomain)
        or subdomain.startswith("pg-")
    ):
        errors["subdomain"] = [
            gettext("%(subdomain)s is reserved; choose another.") % {"subdomain": subdomain}
        ]
        code = "subdomain_reserved"
    if not is_email_address(admin_email):
        errors["admin_email"] = [
            gettext("%(email)s is not a valid email address.") % {"email": admin_email}
            if admin_email
            else gettext("That is not a valid email address.")
        ]
    if "subdomain" not in errors:
        schema = subdomain_schema_name(subdomain)
        taken = (
            Library.objects.filter(schema_name=schema).exists()
            or Domain.objects.filter(domain=signup_host(subdomain)).exists()
            or Signup.objects.filter(
                subdomain=subdomain,
                status__in=[Signup.Status.PENDING, Signup.Status.PROVISIONING],
            ).exists()
        )
        if taken:
            errors["subdomain"] = [
                gettext("%(host)s is taken; choose another.") % {"host": signup_host(subdomain)}
            ]
            code = "subdomain_taken"
    for messages_of_field in errors.values():
        messages.extend(messages_of_field)
    if errors:
        if code == "invalid" and list(errors) == ["admin_email"]:
            code = "invalid_email"
        raise LibraryError(" ".join(messages), code=code, fields=errors)
    return name, subdomain, admin_email


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _platform_budget_check() -> None:
    """At most STACKS_SIGNUPS_PER_HOUR sign-ups on the whole platform in any hour."""
    limit = settings.STACKS_SIGNUPS_PER_HOUR
    if not limit:
        return
    now = timezone.now()
    recent = Signup.objects.filter(created_at__gt=now - timedelta(hours=1))
    times = list(recent.order_by("created_at").values_list("created_at", flat=True)[:limit])
    if len(times) < limit:
        return
    wait = max(1, int((times[0] + timedelta(hours=1) - now).total_seconds()) + 1)
    minutes = wait // 60 + 1
    raise SignupsPaused(
        ngettext(
            "The platform takes at most %(limit)s sign-ups an hour; please try again in "
            "%(minutes)s minute.",
            "The platform takes at most %(limit)s sign-ups an hour; please try again in "
            "%(minutes)s minutes.",
            minutes,
        )
        % {"limit": limit, "minutes": minutes},
        retry_after=wait,
    )


def signup_confirmation_link(*, token: str) -> str:
    return site_url(settings.STACKS_PLATFORM_HOSTS[0], f"/signup/confirm/{token}/")


def _confirmation_send(*, signup: Signup, link: str) -> None:
    host = signup_host(signup.subdomain)
    with translation.override(signup.language or settings.LANGUAGE_CODE):
        _confirmation_mail(signup=signup, host=host, link=link)


def _confirmation_mail(*, signup: Signup, host: str, link: str) -> None:
    hours = settings.STACKS_SIGNUP_CONFIRM_HOURS
    send_mail(
        subject=gettext("Confirm your library at %(host)s") % {"host": host},
        message=ngettext(
            "Someone, hopefully you, asked for a library named %(name)s at %(host)s with this "
            "address as its first admin.\n\n"
            "Confirm it here (the link works for %(hours)s hour):\n%(link)s\n\n"
            "If it was not you, ignore this email: nothing is created without it.\n",
            "Someone, hopefully you, asked for a library named %(name)s at %(host)s with this "
            "address as its first admin.\n\n"
            "Confirm it here (the link works for %(hours)s hours):\n%(link)s\n\n"
            "If it was not you, ignore this email: nothing is created without it.\n",
            hours,
        )
        % {
            "name": quoted(signup.name),
            "host": host,
            "hours": hours,
            "link": link,
        },
        from_email=None,
        recipient_list=[signup.admin_email],
    )


def signup_create(
    *,
    name: str,
    subdomain: str,
    admin_email: str,
    language: str = "",
    time_zone: str = "",
    accept_language: str = "",
) -> Signup:
    """Check the request, record it and email the admin a link to confirm it. Nothing is built
    until the link is used (signup_confirm). `language`, the one the admin signed up in, is the
    new library's (one Stacks does not speak is left out); so is `time_zone`, the browser's,
    when it is a zone (else one that fits the language or the browser's country)."""
    name, subdomain, admin_email = _validate(
        name=name, subdomain=subdomain, admin_email=admin_email
    )
    _platform_budget_check()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        signup = Signup.objects.create(
            name=name,
            subdomain=subdomain,
            admin_email=admin_email,
            language=language if language in language_codes() else "",
            time_zone=signup_time_zone(
                browser=time_zone, language=language, accept_language=accept_language
            ),
            status=Signup.Status.UNCONFIRMED,
            confirm_token_hash=_hash(token),
        )
        link = signup_confirmation_link(token=token)
        transaction.on_commit(lambda: _confirmation_send(signup=signup, link=link))
    return signup


def signup_confirm(*, token: str) -> Signup:
    """The admin's address is confirmed: queue the library's provisioning. Safe to repeat."""
    signup = Signup.objects.filter(confirm_token_hash=_hash(token)).first() if token else None
    if signup is None:
        raise NotFound(gettext("This confirmation link is not valid."))
    if signup.status != Signup.Status.UNCONFIRMED:
        return signup
    ttl = timedelta(hours=settings.STACKS_SIGNUP_CONFIRM_HOURS)
    if signup.created_at + ttl < timezone.now():
        raise LinkExpired(gettext("This confirmation link has expired; please sign up again."))
    # Another sign-up of the same address may have been confirmed first.
    _validate(name=signup.name, subdomain=signup.subdomain, admin_email=signup.admin_email)
    try:
        with transaction.atomic():
            Signup.objects.filter(pk=signup.pk).update(
                status=Signup.Status.PENDING, confirmed_at=timezone.now()
            )
            task_enqueue(SIGNUP_PROVISION, signup.pk)
    except IntegrityError:
        # Another sign-up for the same subdomain was confirmed between the check and the update.
        message = gettext("%(address)s is taken; please sign up again with another.") % {
            "address": signup_host(signup.subdomain)
        }
        raise LibraryError.of_field("subdomain", message, code="subdomain_taken") from None
    signup.refresh_from_db()
    return signup


def signup_get(*, public_id: uuid.UUID | str) -> Signup | None:
    try:
        return Signup.objects.filter(public_id=public_id).first()
    except ValidationError:
        return None


def signup_provision(*, signup_id: int) -> Signup:
    """Create the sign-up's library and email its admin a link to set a password.

    Safe to run twice: a finished sign-up is left alone, and a library already made for it
    (a worker lost after creating it) is adopted rather than made again.
    """
    with transaction.atomic():
        signup = Signup.objects.select_for_update().get(pk=signup_id)
        if signup.is_finished or signup.status == Signup.Status.UNCONFIRMED:
            return signup
        signup.status = Signup.Status.PROVISIONING
        signup.save(update_fields=["status", "updated_at"])
    schema = subdomain_schema_name(signup.subdomain)
    host = signup_host(signup.subdomain)
    existing = Library.objects.filter(schema_name=schema, domains__domain=host).first()
    if existing is not None:
        signup.library = existing
        signup.status = Signup.Status.READY
    else:
        try:
            made = library_create(
                schema_name=schema,
                name=signup.name,
                domain=host,
                admin_email=signup.admin_email,
                admin_invite=True,
                admin_signed_up=True,
                language=signup.language,
                time_zone=signup.time_zone,
            )
        except LibraryError as exc:
            signup.status = Signup.Status.FAILED
            signup.error = exc.message
        else:
            signup.library = made.library
            signup.status = Signup.Status.READY
    signup.save(update_fields=["status", "error", "library", "updated_at"])
    return signup
