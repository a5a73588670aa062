"""Email addresses as people type them into forms, files and commands, and the library's mail."""

from email.headerregistry import Address
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import connection


def is_email_address(text: str) -> bool:
    """Whether `text` is an email address by Django's rules (the ones its forms apply)."""
    try:
        validate_email(text)
    except ValidationError:
        return False
    return True


def library_mail_send(*, subject: str, body: str, to: list[str]) -> None:
    """Mail from the library whose schema is in use: readers see its name as the sender (the
    platform's address, which the mail servers vouch for, stays the sender's address) and
    their replies go to its contact address when it has given one."""
    library = getattr(connection, "tenant", None)
    name = str(getattr(library, "name", "") or "")
    platform_name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    # Left unencoded: Django encodes a name in any script when it writes the message.
    sender = str(Address(name or platform_name, addr_spec=address)) if address else None
    contact = str(getattr(library, "contact_email", "") or "")
    reply_to = [contact] if contact else None
    EmailMessage(subject=subject, body=body, from_email=sender, to=to, reply_to=reply_to).send()
