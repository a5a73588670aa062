"""The project's own error type: services raise it, the API and commands turn it into answers."""

from typing import Any, Self, TypeVar

from django.db.models import Model, QuerySet

_Row = TypeVar("_Row", bound=Model)


class ApplicationError(Exception):
    """A request that cannot be carried out, with a message a person can act on.

    `code` is a stable machine-readable name; `fields` maps input fields to their problems;
    `quoted` lists the names and titles the message quotes, which a page isolates so that one
    written right to left does not reorder the sentence around it.
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

    @classmethod
    def of_field(cls, field: str, message: str, **kwargs: Any) -> Self:
        """The error of one input field: `message` is the answer's and the field's own."""
        return cls(message, fields={field: [message]}, **kwargs)


class NotFound(ApplicationError):
    status_code = 404
    code = "not_found"


class Conflict(ApplicationError):
    status_code = 409
    code = "conflict"


class PreconditionFailed(ApplicationError):
    status_code = 412
    code = "precondition_failed"


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
