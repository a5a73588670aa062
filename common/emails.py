"""Email addresses as people type them into forms, files and commands, and the library's mail."""

from dataclasses import dataclass
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


@dataclass(frozen=True)
class LibrarySender:
    """What a library's mail is sent as: its name, and the address replies go to ("" for none)."""

    name: str
    contact_email: str


def library_sender() -> LibrarySender:
    """The sender of the library whose schema is in use (blank when none is)."""
    library = getattr(connection, "tenant", None)
    return LibrarySender(
        name=str(getattr(library, "name", "") or ""),
        contact_email=str(getattr(library, "contact_email", "") or ""),
    )


def library_mail_send(
    *, subject: str, body: str, to: list[str], sender: LibrarySender | None = None
) -> None:
    """Mail from a library: readers see its name as the sender (the platform's address, which
    the mail servers vouch for, stays the sender's address) and their replies go to its contact
    address when it has given one. `sender` is the library whose schema is in use unless given:
    mail sent after a commit may run when that schema is no longer the one in use."""
    sender = sender or library_sender()
    platform_name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    # Left unencoded: Django encodes a name in any script when it writes the message.
    from_email = str(Address(sender.name or platform_name, addr_spec=address)) if address else None
    reply_to = [sender.contact_email] if sender.contact_email else None
    EmailMessage(subject=subject, body=body, from_email=from_email, to=to, reply_to=reply_to).send()
