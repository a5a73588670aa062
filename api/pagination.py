"""Cursor pagination: stable while records are added, with a capped page size."""

from rest_framework.pagination import CursorPagination


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
