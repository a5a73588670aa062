"""The language and name of the library whose schema is in use, for what is written outside a
request."""

from django.conf import settings
from django.db import connection


def library_language() -> str:
    """The library's default language (Library.language), or the project's when no library is
    in use. Mails written by the worker or for someone who has chosen no language use it."""
    library = getattr(connection, "tenant", None)
    language = getattr(library, "language", "") or settings.LANGUAGE_CODE
    codes = {code for code, _ in settings.LANGUAGES}
    return language if language in codes else settings.LANGUAGE_CODE


def library_name() -> str:
    """The name the library gave itself (Library.name), or "" when no library is in use: what
    its mails call it, rather than its host name."""
    library = getattr(connection, "tenant", None)
    return str(getattr(library, "name", "") or "")
