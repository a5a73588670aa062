"""Email addresses as people type them into forms, files and commands."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email


def is_email_address(text: str) -> bool:
    """Whether `text` is an email address by Django's rules (the ones its forms apply)."""
    try:
        validate_email(text)
    except ValidationError:
        return False
    return True
