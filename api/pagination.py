"""Cursor pagination: stable while records are added, with a capped page size.

A cursor holds a keyset position (catalog.search.Position): the value of every field of the
ordering, which always ends in a unique one, at the row a page ended (or, going back, began)
at, and which way of ordering they were taken in when the list has more than one. The next
page is the rows past that position, so a page never depends on how many rows share a value:
DRF's own cursors count such rows with an offset, and going back over ties skipped some of
them.
"""

import json
import math
from functools import partial
from typing import Any, Protocol, cast

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext, gettext_lazy
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as InvalidParameter
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request

from api.numbers import query_whole
from catalog.search import Page, Position, queryset_page


class PageRead(Protocol):
    """Reads a list's page of at most `size` rows from a position (the first page without
    one), and says where the pages beside it start. A position it cannot read (a forged
    cursor's) raises ValueError, TypeError, OverflowError or ValidationError."""

    def __call__(self, *, position: Position | None, size: int) -> Page[Any]: ...


class StableCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"

    # In the language of the request that reads it (DRF types it as str).
    invalid_cursor_message = cast(
        str, gettext_lazy("Invalid cursor: use the next or previous link of a page.")
    )

    def get_page_size(self, request: Request) -> int:
        """The page size asked for, strictly: a size outside 1 to max_page_size is refused, not
        quietly replaced by the default."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = query_whole(raw) or 0
        if not 1 <= size <= self.max_page_size:
            raise InvalidParameter(
                {
                    self.page_size_query_param: [
                        gettext("A whole number from 1 to %(most)s.") % {"most": self.max_page_size}
                    ]
                }
            )
        return size

    def refusals(self, request: Request) -> dict[str, Any]:
        """What is wrong with the request's page size and cursor, each by name ({} when both
        can be read): checked with the operation's other query parameters, one 400 names all."""
        refused: dict[str, Any] = {}
        for check in (self.get_page_size, self._cursor_read):
            try:
                check(request)
            except InvalidParameter as exc:
                refused |= cast(dict[str, Any], exc.detail)
        return refused

    def _cursor_read(self, request: Request) -> None:
        self.cursor = self.decode_cursor(request)
        self._position_decode()

    def decode_cursor(self, request: Request) -> Cursor | None:
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise _invalid_cursor(self) from None

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] |= {"minimum": 1, "maximum": self.max_page_size}
        return parameters

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> Any:  # type: ignore[override]
        ordering = tuple(self.get_ordering(request, queryset, view))
        return self.paginate(partial(queryset_page, queryset, ordering=ordering), request)

    def paginate(self, read: PageRead, request: Request) -> list[Any]:
        """The rows of the page the request's cursor names, read by `read`."""
        self.request = request
        self.page_size = self.get_page_size(request) or self.page_size
        self.base_url = request.build_absolute_uri()
        self.cursor = self.decode_cursor(request)
        try:
            page = read(position=self._position_decode(), size=self.page_size)
        except (TypeError, ValueError, OverflowError, ValidationError) as exc:
            raise _invalid_cursor(self) from exc
        self.page = page.rows
        self._next, self._previous = page.next, page.previous
        self.has_next, self.has_previous = page.next is not None, page.previous is not None
        if (self.has_previous or self.has_next) and self.template is not None:
            self.display_page_controls = True
        return self.page

    def get_next_link(self) -> str | None:
        return None if self._next is None else self._link(self._next)

    def get_previous_link(self) -> str | None:
        return None if self._previous is None else self._link(self._previous)

    def _link(self, position: Position) -> str:
        values: Any = [_plain(value) for value in position.values]
        if position.by is not None:
            values = {"at": values, "by": position.by}
        encoded: Any = json.dumps(values, separators=(",", ":"))
        cursor = Cursor(offset=int(position.inclusive), reverse=position.back, position=encoded)
        return self.encode_cursor(cursor)

    def _position_decode(self) -> Position | None:
        if self.cursor is None or self.cursor.position is None:
            return None
        position = str(self.cursor.position)
        try:
            values = json.loads(position) if len(position) <= _POSITION_MAX else None
        except (ValueError, RecursionError) as exc:
            raise _invalid_cursor(self) from exc
        by = None
        if isinstance(values, dict) and values.keys() == {"at", "by"}:
            values, by = values["at"], values["by"]
        if (
            not isinstance(values, list)
            or not all(_a_position_value(v) for v in values)
            or not (by is None or isinstance(by, str))
        ):
            raise _invalid_cursor(self)
        return Position(
            tuple(values), back=self.cursor.reverse, inclusive=bool(self.cursor.offset), by=by
        )


class RowPagination(StableCursorPagination):
    """The rows of an import (catalog or patrons), in the file's order."""

    ordering = "position"


def _invalid_cursor(paginator: CursorPagination) -> InvalidParameter:
    """A cursor the API did not write: a 400 naming the parameter (it named no object)."""
    return InvalidParameter({paginator.cursor_query_param: [str(paginator.invalid_cursor_message)]})


# A position is a few values as the API wrote them: a title at most, numbers the database
# holds. Anything else came from elsewhere.
_POSITION_MAX = 4096


def _plain(value: Any) -> Any:
    # None cannot be seeked past (no ordering here has a nullable field); a cursor holding it
    # is refused as any forged one is. Times and the like travel as text.
    return value if value is None or isinstance(value, int | float | str) else str(value)


def _a_position_value(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str)
