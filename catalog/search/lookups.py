"""The record list's lookups as callers write them (`ids`, `identifier`, `isbn`), read into
RecordFilters values: the API's query string and the export filters read them alike."""

from typing import Any

from django.utils.translation import gettext

from catalog.identifiers import InvalidIdentifier, identifier_normalize, isbn_check_digit_wrong
from catalog.models import Identifier
from common.errors import ApplicationError

# Ids one lookup takes.
MAX_LOOKUP = 200


def _not_ids() -> ApplicationError:
    # Said under the parameter's name (`ids`), so the words do not name it again.
    return ApplicationError(gettext("Give whole numbers separated by commas, such as 12,15."))


def ids_parse(value: Any) -> tuple[int, ...]:
    """Record ids, written "1,2,3" (or, in JSON, as a list of them)."""
    parts = value if isinstance(value, list) else str(value).split(",")
    if isinstance(value, list) and any(isinstance(p, bool) for p in value):
        # true is no id: dropped, it would narrow the list to the other ids without a word.
        raise _not_ids()
    parts = [str(p).strip() for p in parts if str(p).strip()]
    if not parts or len(parts) > MAX_LOOKUP or isinstance(value, bool):
        raise ApplicationError(
            gettext("Send 1 to {most} ids, separated by commas.").format(most=MAX_LOOKUP)
        )
    if not all(p.isascii() and p.isdigit() and len(p) <= 18 for p in parts):
        raise _not_ids()
    return tuple(int(p) for p in parts)


def identifier_parse(value: str) -> tuple[str, str]:
    """An identifier written kind:value (issn:0317-8471), normalized as records keep it."""
    kind, colon, raw = value.partition(":")
    if not colon or kind not in Identifier.Kind.values:
        kinds = ", ".join(Identifier.Kind.values)
        raise ApplicationError(
            gettext("Use kind:value, where kind is one of %(kinds)s.") % {"kinds": kinds}
        )
    return (
        isbn_parse(raw) if kind == Identifier.Kind.ISBN else (kind, identifier_normalize(kind, raw))
    )


def isbn_parse(raw: str) -> tuple[str, str]:
    """An ISBN looked up as records keep it: a valid one as kind isbn; one whose only fault is
    its check digit as the invalid ISBN imports keep (kind isbn_bad), since the number printed
    on such a book is that one. Anything else raises InvalidIdentifier."""
    try:
        return Identifier.Kind.ISBN.value, identifier_normalize(Identifier.Kind.ISBN, raw)
    except InvalidIdentifier:
        wrong = isbn_check_digit_wrong(raw)
        if wrong is None:
            raise
        return Identifier.Kind.ISBN_INVALID.value, wrong
