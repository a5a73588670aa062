"""Keyset pages: the rows past a position in an ordering that ends in a unique field.

A position is the value of every field of the ordering at the row a page ended (or, going
back, began) at, so a page never depends on how many rows share a value and going back gives
the rows going forward gave.
"""

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q, QuerySet

Row = TypeVar("Row")


@dataclass(frozen=True)
class Position:
    """Where a page starts: `values` of the ordering's fields at a row; `back` reads the page
    before it, and `inclusive` takes the row itself too (so that a page emptied meanwhile
    leads back to where it began). `by` names which of a reader's ways of ordering the
    values were taken in, for a reader whose choice could change between two pages (a
    search's relevance: catalog.selectors.record_page); None lets the reader choose."""

    values: tuple[Any, ...]
    back: bool = False
    inclusive: bool = False
    by: str | None = None


@dataclass(frozen=True)
class Seek:
    """The rows after (or before) a position in an ordering whose fields all run the same way
    and end in a unique one, e.g. ("rank", "id") and a row's (rank, id), in the direction
    the rows are read."""

    fields: tuple[str, ...]
    values: tuple[Any, ...]
    before: bool
    inclusive: bool = False

    @classmethod
    def of(cls, ordering: tuple[str, ...], position: Position) -> "Seek":
        """The seek that reads the page `position` names in `ordering` (as the page runs)."""
        if len(position.values) != len(ordering):
            # A cursor made for another ordering, or forged: refused as a bad value is.
            raise ValueError(f"A position in {ordering} has {len(ordering)} values.")
        return cls(
            fields=tuple(field.lstrip("-") for field in ordering),
            values=position.values,
            before=ordering[0].startswith("-") != position.back,
            inclusive=position.inclusive,
        )

    @property
    def operator(self) -> str:
        return ("<" if self.before else ">") + ("=" if self.inclusive else "")

    def condition(self) -> Q:
        """The row comparison (fields) < (values), or >, written as the ORM can."""
        lookup = "lt" if self.before else "gt"
        last = len(self.fields) - 1
        condition = Q()
        for i, name in enumerate(self.fields):
            final = lookup + ("e" if self.inclusive and i == last else "")
            equal = {self.fields[j]: self.values[j] for j in range(i)}
            condition |= Q(**equal, **{f"{name}__{final}": self.values[i]})
        return condition


@dataclass(frozen=True)
class Page(Generic[Row]):
    """One page of rows in their ordering, and where the pages beside it start (None when
    there is none that way)."""

    rows: list[Row]
    next: Position | None
    previous: Position | None


def reading_order(ordering: tuple[str, ...], position: Position | None) -> tuple[str, ...]:
    """The order a page's rows are read in: `ordering`, or its reverse going back."""
    if len({field.startswith("-") for field in ordering}) != 1:
        raise ImproperlyConfigured(f"{ordering}: a keyset runs every field one way.")
    if position is None or not position.back:
        return ordering
    return tuple(field[1:] if field.startswith("-") else f"-{field}" for field in ordering)


def page_of(
    rows: list[Row], *, ordering: tuple[str, ...], position: Position | None, size: int,
    by: str | None = None, columns: tuple[str, ...] | None = None,
) -> Page[Row]:  # fmt: skip
    """The page from up to `size + 1` rows read from `position` in reading_order (the one
    past the page says that there are more), its positions taken in the way `by` names:
    from tuples whose fields `columns` names, or from dicts or objects by name."""
    page = rows[:size]
    more = len(rows) > size
    back = position is not None and position.back
    if back:
        page.reverse()
    came_from = position is not None
    has_next, has_previous = (came_from, more) if back else (more, came_from)
    if page:
        last = _position_of(page[-1], ordering, columns)
        first = _position_of(page[0], ordering, columns)
    elif position is not None:
        # An empty page past the position (its rows were deleted meanwhile): both ways lead
        # back to the position, the row at it included.
        last = first = position.values
    else:
        return Page(page, None, None)
    inclusive = not page
    return Page(
        page,
        Position(last, inclusive=inclusive, by=by) if has_next else None,
        Position(first, back=True, inclusive=inclusive, by=by) if has_previous else None,
    )


def queryset_page(
    queryset: QuerySet[Any, Any], *, ordering: tuple[str, ...], position: Position | None,
    size: int,
) -> Page[Any]:  # fmt: skip
    """A page of any QuerySet's rows by the ORM."""
    rows = queryset.order_by(*reading_order(ordering, position))
    if position is not None:
        rows = rows.filter(Seek.of(ordering, position).condition())
    return page_of(list(rows[: size + 1]), ordering=ordering, position=position, size=size)


def _position_of(
    row: Any, ordering: tuple[str, ...], columns: tuple[str, ...] | None
) -> tuple[Any, ...]:
    names = [field.lstrip("-") for field in ordering]
    if columns is not None:
        return tuple(row[columns.index(name)] for name in names)
    if isinstance(row, dict):
        return tuple(row[name] for name in names)
    return tuple(getattr(row, name) for name in names)
