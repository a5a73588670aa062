"""Catalog search: query building (query, match), facets, spelling suggestions, keyset pages and
the read SQL (sql, spelling_sql)."""

from catalog.search.facets import FACET_SIZE, SearchFacets, record_facets, search_facets
from catalog.search.keyset import Page, Position, Seek, queryset_page
from catalog.search.match import TextMatch
from catalog.search.query import (
    DEFAULT_ORDERING,
    ORDERINGS,
    RecordFilters,
    Search,
    language_filter_refusal,
    record_search,
    year_range_refusal,
)
from catalog.search.spelling import spelling_suggest
from catalog.search.sql import RECORD_COLUMNS

__all__ = [
    "DEFAULT_ORDERING",
    "FACET_SIZE",
    "ORDERINGS",
    "RECORD_COLUMNS",
    "Page",
    "Position",
    "RecordFilters",
    "Search",
    "SearchFacets",
    "Seek",
    "TextMatch",
    "language_filter_refusal",
    "queryset_page",
    "record_facets",
    "record_search",
    "search_facets",
    "spelling_suggest",
    "year_range_refusal",
]
