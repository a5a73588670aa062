"""The project's own error type: services raise it, the API and commands turn it into answers."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Self, TypeVar

from django.db.models import Model, QuerySet
from django.utils.text import get_text_list

_Row = TypeVar("_Row", bound=Model)


class ApplicationError(Exception):
    """A request that cannot be carried out, with a message a person can act on.

    `code` is a stable machine-readable name; `fields` maps input fields to their problems;
    `quoted` lists the names and titles the message quotes, which a page isolates so that one
    written right to left does not reorder the sentence around it. `extra` holds members an
    answer of the API adds to its error body (the address to go on at instead).
    """

    status_code = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, Any] | None = None,
        quoted: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.fields = fields or {}
        self.quoted = quoted
        self.extra: dict[str, Any] = {}

    @classmethod
    def of_field(cls, field: str, message: str, **kwargs: Any) -> Self:
        """The error of one input field: `message` is the answer's and the field's own."""
        return cls(message, fields={field: [message]}, **kwargs)


class FieldRefusals:
    """The refusals of several input fields, gathered into one error: a caller who sent two
    wrong values learns of both at once, not of one a try.

    Run each field's own check in `with refusals.field():`; then `raise_any()` raises the one
    refusal as it was, or several as one error whose message says each and whose `fields`
    hold every field's problems. Other errors (not found, a conflict) go through at once."""

    def __init__(self) -> None:
        self._refused: list[ApplicationError] = []

    @contextmanager
    def field(self) -> Iterator[None]:
        try:
            yield
        except ApplicationError as exc:
            if type(exc) is not ApplicationError or not exc.fields:
                raise
            self._refused.append(exc)

    def raise_any(self) -> None:
        if len(self._refused) == 1:
            raise self._refused[0]
        if self._refused:
            fields: dict[str, list[Any]] = {}
            for exc in self._refused:
                for name, problems in exc.fields.items():
                    fields.setdefault(name, []).extend(problems)
            message = " ".join(exc.message for exc in self._refused)
            raise ApplicationError(message, fields=fields)


class NotFound(ApplicationError):
    status_code = 404
    code = "not_found"


class Conflict(ApplicationError):
    status_code = 409
    code = "conflict"


class PreconditionFailed(ApplicationError):
    status_code = 412
    code = "precondition_failed"


# The version a write was made from: one, or several of which any will do (an If-Match
# header may list ETags, and matches when one of them is the current version).
Versions = int | tuple[int, ...]


def version_expected_check(
    *, current: int, expected: Versions | None, stale: str, never_had: str, code: str
) -> None:
    """Refuse (412) a write whose If-Match names no version but `current`: `stale` says the
    object was saved since the caller read it (with `code`); `never_had` that it never had
    those versions (versions start at 1 and move on by one a save), an If-Match made up or
    read from another object (code version_unknown). Both say %(current)s and %(expected)s."""
    named = (expected,) if isinstance(expected, int) else expected
    if named is None or current in named:
        return
    unknown = not any(1 <= version <= current for version in named)
    # "7, 8 or 9" (Django's list words, in the caller's language): any one of them would do.
    shown = get_text_list([str(version) for version in named])
    raise PreconditionFailed(
        (never_had if unknown else stale) % {"current": current, "expected": shown},
        code="version_unknown" if unknown else code,
    )


def first_or_not_found(rows: "QuerySet[_Row]", message: str) -> _Row:
    """The first of `rows`, or NotFound saying `message`: whatever the reason a row is
    missing (gone, another library's, hidden from the caller), it is simply not found."""
    row = rows.first()
    if row is None:
        raise NotFound(message)
    return row


def delete_or_not_found(rows: "QuerySet[Any]", message: str) -> None:
    """Delete `rows`, or NotFound saying `message` when there was none to delete."""
    if not rows.delete()[0]:
        raise NotFound(message)
