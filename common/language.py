"""The language and name of the library whose schema is in use, for what is written outside a
request, values quoted as the language in use quotes them, and sentences after a colon as it
writes them."""

import functools
import unicodedata
from collections.abc import Iterable

from django.conf import settings
from django.db import connection
from django.utils.translation import get_language, override, pgettext


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


# Each language's quotation marks, the French ones with the no-break spaces its typography asks.
_QUOTES = {
    "fr": ("\u00ab\u00a0", "\u00a0\u00bb"),
    "de": ("\u201e", "\u201c"),
    "es": ("\u00ab", "\u00bb"),
}
_ENGLISH_QUOTES = ("\u201c", "\u201d")


def quoted(value: object) -> str:
    """A value the reader typed or a file gave, between the quotation marks of the language in
    use (« CDI » in French, “CDI” in English); a control character in it (a tab, a line break)
    is spelt out, since it would not show."""
    text = "".join(
        repr(char)[1:-1] if unicodedata.category(char) == "Cc" else char for char in str(value)
    )
    opening, closing = _QUOTES.get((get_language() or "")[:2], _ENGLISH_QUOTES)
    return f"{opening}{text}{closing}"


# The languages that start a sentence after a colon in lower case ("Attention : le lieu…");
# English and German keep its capital.
_LOWER_AFTER_COLON = frozenset({"fr", "es"})


def after_colon(sentence: str) -> str:
    """A sentence as the language in use writes it after a colon: its first letter in lower
    case in French and Spanish, unless the first word is an acronym or a code (ISBN, MARC)."""
    if (get_language() or "")[:2] not in _LOWER_AFTER_COLON or sentence[1:2].isupper():
        return sentence
    return sentence[:1].lower() + sentence[1:]


# German writes its nouns with a capital wherever they stand.
_CAPITAL_NOUNS = frozenset({"de"})


def in_sentence(label: str) -> str:
    """A label ("Author") as a word within a sentence: in lower case ("author"), but as it is
    in German ("Verfasser")."""
    return label if (get_language() or "")[:2] in _CAPITAL_NOUNS else label.lower()


def list_joined(items: Iterable[str], language: str | None = None) -> str:
    """Items one after the other as the language in use (or `language`) lists them: "; " in
    English, with a narrow no-break space before the semicolon in French."""
    return _list_separator(language or get_language() or "").join(items)


@functools.cache
def _list_separator(language: str) -> str:
    # An import labels every row with a list: one lookup a language, not one a row.
    with override(language or None):
        return pgettext("between a list's items", "; ")
