"""Provisioning and administration of libraries (tenants)."""

import re
import secrets
from dataclasses import dataclass

import idna
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext
from django_tenants.utils import schema_context, schema_exists, tenant_context

from common.emails import is_email_address
from common.language import quoted
from common.tasks import task_enqueue, task_name
from staff.invitations import invitation_link, staff_invite
from staff.models import User
from staff.services import user_create
from tenants.domains import domain_cache_forget, served_host
from tenants.errors import LibraryError
from tenants.models import Domain, Library
from tenants.storage import library_file_names, library_files_delete
from tenants.template import (
    SPARE_PREFIX,
    library_template_ensure,
    schema_clone,
    spare_schema_claim,
)

SPARE_POOL_FILL = task_name("worker.spare_pool_fill")
SCHEMA_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{1,62}$")
HOSTNAME_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)
RESERVED_SCHEMA_NAMES = frozenset(
    {
        "public", "www", "api", "admin", "platform", "stacks", "static", "media", "mail",
        "information_schema", "library_template", "template", "root", "postgres", "system",
        "staff", "help", "support", "status", "app", "test",
        # Top folders of the shared storage (each library's files are under its schema's name).
        "bundles", "imports", "exports",
    }
)  # fmt: skip


@dataclass(frozen=True)
class ProvisionedLibrary:
    library: Library
    domain: Domain
    admin_email: str
    admin_password: str
    invitation_url: str = ""


def schema_name_validate(schema_name: str) -> None:
    if not SCHEMA_NAME_RE.match(schema_name):
        message = gettext(
            "Invalid library name %(name)s: use 2 to 63 lowercase letters, digits or "
            "underscores, starting with a letter."
        ) % {"name": quoted(schema_name)}
        raise LibraryError.of_field("schema_name", message, code="invalid_schema_name")
    if schema_name.startswith(("pg_", SPARE_PREFIX)) or schema_name in RESERVED_SCHEMA_NAMES:
        message = gettext("The name %(name)s is reserved; choose another.") % {
            "name": quoted(schema_name)
        }
        raise LibraryError.of_field("schema_name", message, code="reserved_schema_name")


def hostname_validate(hostname: str) -> str:
    hostname = hostname.strip().lower().rstrip(".")
    if not HOSTNAME_RE.match(hostname):
        ascii_form = _hostname_ascii(hostname)
        if ascii_form:
            # Browsers send such a name in its ASCII form, so that is the form a library is
            # found by; the admin is given it to copy rather than a bare refusal.
            message = gettext(
                "Host names with letters outside A to Z are given in their ASCII form: write "
                "%(host)s as %(ascii)s."
            ) % {"host": quoted(hostname), "ascii": quoted(ascii_form)}
        else:
            message = gettext("Invalid host name %(host)s.") % {"host": quoted(hostname)}
        raise LibraryError.of_field("domain", message, code="invalid_domain")
    return hostname


def _hostname_ascii(hostname: str) -> str:
    """The IDNA 2008 ASCII form of an internationalised host name, or "" if it has none."""
    if hostname.isascii():
        return ""
    try:
        ascii_form = idna.encode(hostname, uts46=True).decode()
    except idna.IDNAError:
        return ""
    return ascii_form if HOSTNAME_RE.match(ascii_form) else ""


def _schema_name_taken(schema_name: str) -> LibraryError:
    """Checked before anything is made, and again inside the transaction for a racing sign-up."""
    message = gettext("A library named %(name)s already exists.") % {"name": quoted(schema_name)}
    return LibraryError.of_field("schema_name", message, code="schema_name_taken")


def _admin_password_validate(*, password: str, email: str) -> None:
    """The same validators as the sign-up and invitation pages, so no entry point is weaker."""
    try:
        # An unsaved account: the similarity check compares the password with the email.
        validate_password(password, User(email=email.strip().lower()))
    except ValidationError as exc:
        raise LibraryError(
            " ".join(exc.messages), code="weak_password", fields={"admin_password": exc.messages}
        ) from None


def library_name_clean(name: str) -> str:
    """A library's name without the spaces around it; LibraryError unless 1 to 200
    characters are left (its column's width)."""
    name = name.strip()
    if not name or len(name) > 200:
        message = gettext("A library needs a name of 1 to 200 characters.")
        raise LibraryError.of_field("name", message)
    return name


def library_create(
    *,
    schema_name: str,
    name: str,
    domain: str,
    admin_email: str,
    admin_password: str | None = None,
    admin_invite: bool = False,
    admin_signed_up: bool = False,
    language: str = "",
    time_zone: str = "",
) -> ProvisionedLibrary:
    """Create a library: its schema (cloned from the template), its domain and its first admin.
    `language` is its default language (the model's default when empty); the admin's
    invitation is written in it. `time_zone` is its zone (UTC when empty).

    Everything is checked before anything is made, and everything is made in one transaction,
    so a failure leaves no schema, library, domain or account behind. With `admin_invite` the
    admin gets no password but a one-time link to set one (`invitation_url`), in a mail that
    says they created the library when `admin_signed_up` (they signed it up themselves).
    """
    schema_name_validate(schema_name)
    domain = hostname_validate(domain)
    name = library_name_clean(name)
    if not is_email_address(admin_email):
        message = gettext("Invalid admin email %(email)s.") % {"email": quoted(admin_email)}
        raise LibraryError.of_field("admin_email", message, code="invalid_email")
    if admin_password:
        _admin_password_validate(password=admin_password, email=admin_email)
    with schema_context("public"):
        if Library.objects.filter(schema_name=schema_name).exists() or schema_exists(schema_name):
            raise _schema_name_taken(schema_name)
        if Domain.objects.filter(domain=domain).exists():
            message = gettext("The host name %(host)s is already in use.") % {
                "host": quoted(domain)
            }
            raise LibraryError.of_field("domain", message, code="domain_taken")
        library_template_ensure()
        password = admin_password or secrets.token_urlsafe(12)
        invitation_url = ""
        with transaction.atomic():
            library = Library.objects.create(
                schema_name=schema_name,
                name=name,
                **({"language": language} if language else {}),
                **({"time_zone": time_zone} if time_zone else {}),
            )
            if schema_exists(schema_name):
                raise _schema_name_taken(schema_name)
            # A spare schema cloned ahead of time is renamed (instant); without one, clone now.
            if not spare_schema_claim(schema_name=schema_name):
                schema_clone(schema_name=schema_name)
            primary = Domain.objects.create(domain=domain, tenant=library, is_primary=True)
            # The library itself, not only its schema: the invitation is in its language.
            with tenant_context(library):
                if admin_invite:
                    host = served_host(domain)
                    invited = staff_invite(
                        email=admin_email, role="admin", invited_by=None, host=host,
                        signed_up=admin_signed_up,
                    )  # fmt: skip
                    invitation_url = invitation_link(host=host, token=invited.token)
                    password = ""
                else:
                    user_create(email=admin_email, role="admin", password=password)
        connection.set_schema_to_public()  # type: ignore[attr-defined]
    domain_cache_forget(domain)
    if settings.STACKS_SPARE_SCHEMAS:
        task_enqueue(SPARE_POOL_FILL)
    return ProvisionedLibrary(
        library=library,
        domain=primary,
        admin_email=admin_email,
        admin_password=password,
        invitation_url=invitation_url,
    )


def library_drop(*, library: Library) -> None:
    """Remove a library, its domains, its schema with everything in it, and its files in
    storage (once the drop has committed)."""
    hostnames = list(library.domains.values_list("domain", flat=True))
    files = library_file_names(library=library)
    schema_name = library.schema_name
    with schema_context("public"), transaction.atomic():
        transaction.on_commit(lambda: library_files_delete(schema_name=schema_name, names=files))
        with connection.cursor() as cursor:
            # Deferred foreign-key checks still pending in this transaction would block the drop.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f'DROP SCHEMA IF EXISTS "{library.schema_name}" CASCADE')
        Domain.objects.filter(tenant=library).delete()
        Library.objects.filter(pk=library.pk).delete()
    domain_cache_forget(*hostnames)


def public_tenant_ensure(*, hostnames: list[str]) -> Library:
    """The public tenant (the platform host) exists with these host names; safe to repeat."""
    with schema_context("public"):
        library, _ = Library.objects.get_or_create(
            schema_name="public", defaults={"name": "Stacks platform"}
        )
        for index, hostname in enumerate(hostnames):
            Domain.objects.get_or_create(
                domain=hostname, defaults={"tenant": library, "is_primary": index == 0}
            )
    domain_cache_forget(*hostnames)
    return library
