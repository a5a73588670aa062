"""Cursor pagination: stable while records are added, with a capped page size.

A cursor holds the position of the row a page ended (or, going back, began) at: its value of
every field of the ordering, which always ends in a unique one. The next page is the rows past
that position (a keyset), so a page never depends on how many rows share a value: DRF's own
cursors count such rows with an offset, and going back over ties skipped some of them.
"""

import json
import math
from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db.models import QuerySet
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination, _reverse_ordering
from rest_framework.request import Request

from catalog.selectors import Seek


class StableCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"

    def get_ordering(self, request, queryset, view):  # type: ignore[no-untyped-def]
        # A view that lets callers choose the order (search) says which one it chose; its
        # orderings all end in the primary key so that positions stay unique.
        ordering = getattr(view, "cursor_ordering", None)
        if ordering:
            return tuple(ordering)
        return super().get_ordering(request, queryset, view)

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> Any:  # type: ignore[override]
        self.request = request
        self.page_size = self.get_page_size(request) or self.page_size
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        if len({field.startswith("-") for field in self.ordering}) != 1:
            raise ImproperlyConfigured(f"{self.ordering}: a keyset runs every field one way.")
        self.cursor = self.decode_cursor(request)
        reverse = self.cursor is not None and self.cursor.reverse
        queryset = queryset.order_by(
            *(_reverse_ordering(self.ordering) if reverse else self.ordering)
        )
        position = self._position_decode()
        if position is not None:
            first = self.ordering[0]
            seek = Seek(
                fields=tuple(field.lstrip("-") for field in self.ordering),
                values=position,
                # Past the position in the direction of travel.
                before=first.startswith("-") != reverse,
                inclusive=bool(self.cursor and self.cursor.offset),
            )
            try:
                seeking = getattr(queryset, "seek", None)
                queryset = seeking(seek) if seeking else queryset.filter(seek.condition())
                rows = list(queryset[: self.page_size + 1])
            except (TypeError, ValueError, OverflowError, ValidationError) as exc:
                raise NotFound(self.invalid_cursor_message) from exc
        else:
            rows = list(queryset[: self.page_size + 1])
        self.page = rows[: self.page_size]
        more = len(rows) > self.page_size
        if reverse:
            self.page.reverse()
        came_from = position is not None
        self.has_next, self.has_previous = (came_from, more) if reverse else (more, came_from)
        self._next: tuple[Any, ...] | None = None
        self._previous: tuple[Any, ...] | None = None
        if self.page:
            self._next = self._position_of(self.page[-1])
            self._previous = self._position_of(self.page[0])
        elif came_from:
            # An empty page past the position (its rows were deleted meanwhile): both ways
            # lead back to the position, the row at it included.
            self._next = self._previous = position
        if (self.has_previous or self.has_next) and self.template is not None:
            self.display_page_controls = True
        return self.page

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        inclusive = not self.page
        return self._link(self._next, reverse=False, inclusive=inclusive)

    def get_previous_link(self) -> str | None:
        if not self.has_previous:
            return None
        inclusive = not self.page
        return self._link(self._previous, reverse=True, inclusive=inclusive)

    def _link(self, position: Any, *, reverse: bool, inclusive: bool) -> str:
        encoded: Any = json.dumps(position, separators=(",", ":"), default=str)
        return self.encode_cursor(Cursor(offset=int(inclusive), reverse=reverse, position=encoded))

    def _position_of(self, row: Any) -> tuple[Any, ...]:
        values = []
        for field in self.ordering:
            name = field.lstrip("-")
            value = row[name] if isinstance(row, dict) else getattr(row, name)
            # None cannot be seeked past (no ordering here has a nullable field); a cursor
            # holding it is refused as any forged one is.
            plain = value is None or isinstance(value, int | float | str)
            values.append(value if plain else str(value))
        return tuple(values)

    def _position_decode(self) -> tuple[Any, ...] | None:
        if self.cursor is None or self.cursor.position is None:
            return None
        position = str(self.cursor.position)
        try:
            values = json.loads(position) if len(position) <= _POSITION_MAX else None
        except (ValueError, RecursionError) as exc:
            raise NotFound(self.invalid_cursor_message) from exc
        if not isinstance(values, list) or len(values) != len(self.ordering):
            raise NotFound(self.invalid_cursor_message)
        if not all(_a_position_value(v) for v in values):
            raise NotFound(self.invalid_cursor_message)
        return tuple(values)


# A position is a few values as the API wrote them: a title at most, numbers the database
# holds. Anything else came from elsewhere.
_POSITION_MAX = 4096


def _a_position_value(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str)
