"""Self-service sign-up on the platform host: a request, provisioned by a worker."""

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from common.tasks import task_enqueue, task_name
from tenants.errors import LibraryError
from tenants.models import Domain, Library, Signup
from tenants.services import RESERVED_SCHEMA_NAMES, library_create

SIGNUP_PROVISION = task_name("worker.signup_provision")

SUBDOMAIN_RE = re.compile(r"^[a-z][a-z0-9-]{0,61}[a-z0-9]$")
# Reserved for the platform itself beyond what schema names already reserve.
RESERVED_SUBDOMAINS = RESERVED_SCHEMA_NAMES | {"signup", "login", "docs", "blog", "cdn", "assets"}


def subdomain_schema_name(subdomain: str) -> str:
    return subdomain.replace("-", "_")


def signup_host(subdomain: str) -> str:
    return f"{subdomain}.{settings.STACKS_BASE_DOMAIN}"


def _validate(*, name: str, subdomain: str, admin_email: str) -> tuple[str, str, str]:
    errors: dict[str, list[str]] = {}
    messages: list[str] = []
    name = name.strip()
    subdomain = subdomain.strip().lower()
    admin_email = admin_email.strip().lower()
    if not name or len(name) > 200:
        errors["name"] = ["A library needs a name of 1 to 200 characters."]
    if not SUBDOMAIN_RE.match(subdomain) or "--" in subdomain:
        errors["subdomain"] = [
            "Use 2 to 63 lowercase letters, digits or hyphens, starting with a letter."
        ]
    elif subdomain in RESERVED_SUBDOMAINS or subdomain.startswith("pg-"):
        errors["subdomain"] = [f"{subdomain} is reserved; choose another."]
    try:
        validate_email(admin_email)
    except ValidationError:
        errors["admin_email"] = [f"{admin_email or 'That'} is not a valid email address."]
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
            errors["subdomain"] = [f"{signup_host(subdomain)} is taken; choose another."]
    for messages_of_field in errors.values():
        messages.extend(messages_of_field)
    if errors:
        code = "invalid"
        if "subdomain" in errors and "taken" in errors["subdomain"][0]:
            code = "subdomain_taken"
        elif "subdomain" in errors and "reserved" in errors["subdomain"][0]:
            code = "subdomain_reserved"
        elif list(errors) == ["admin_email"]:
            code = "invalid_email"
        raise LibraryError(" ".join(messages), code=code, fields=errors)
    return name, subdomain, admin_email


def signup_create(*, name: str, subdomain: str, admin_email: str) -> Signup:
    """Check the request, record it and queue its provisioning once the record is committed."""
    name, subdomain, admin_email = _validate(
        name=name, subdomain=subdomain, admin_email=admin_email
    )
    try:
        with transaction.atomic():
            signup = Signup.objects.create(name=name, subdomain=subdomain, admin_email=admin_email)
            task_enqueue(SIGNUP_PROVISION, signup.pk)
    except IntegrityError:
        # Another sign-up for the same subdomain committed between the check and the insert.
        raise LibraryError(
            f"{signup_host(subdomain)} is taken; choose another.",
            code="subdomain_taken",
            fields={"subdomain": ["taken"]},
        ) from None
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
        if signup.is_finished:
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
            )
        except LibraryError as exc:
            signup.status = Signup.Status.FAILED
            signup.error = exc.message
        else:
            signup.library = made.library
            signup.status = Signup.Status.READY
    signup.save(update_fields=["status", "error", "library", "updated_at"])
    return signup
