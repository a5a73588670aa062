"""Facet counts of a search: how its records spread over subjects, contributors, languages.

Up to settings.STACKS_SEARCH_EXACT_UP_TO matches the count and the facets are exact. Above
it the count is the planner's estimate and the facets are counted over FACET_SAMPLE of the
matches (the first the search index gives) and scaled to it, and say so: counting every match
of a common word joined each of hundreds of thousands of records to its subjects and
contributors.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from catalog.models import Record
from catalog.search.match import TextMatch
from catalog.search.query import RecordFilters, matching
from catalog.search.sql import facet_rows, rows_estimate

FACET_SIZE = 20
FACET_SAMPLE = 500


@dataclass(frozen=True)
class SearchFacets:
    """How many records a search matches and how they spread (`facets`, as record_facets
    gives them); with `estimated`, both are estimates from a sample of the matches."""

    count: int
    estimated: bool
    facets: dict[str, list[dict]]


def _matched(text: TextMatch | None, filters: RecordFilters) -> QuerySet[Any]:
    if text is not None and filters == RecordFilters():
        # The text alone: the matches' ids from the vectors' table, without the records'.
        return text.record_ids()
    return matching(text, filters, Record.objects.all()).values("pk")


def search_facets(*, q: str = "", filters: RecordFilters | None = None) -> SearchFacets:
    """The count and facets of the records matching a search (see the module's docstring
    for when they are estimated)."""
    text = TextMatch.of(q)
    matched = _matched(text, filters or RecordFilters()).order_by()
    exact_up_to: int = settings.STACKS_SEARCH_EXACT_UP_TO
    ids = list(matched.values_list(matched.query.values_select[0], flat=True)[: exact_up_to + 1])
    if len(ids) <= exact_up_to:
        return SearchFacets(len(ids), False, _facets(ids, scale=1.0))
    # The planner's estimate of all the matches (never below what was just counted), and the
    # facets of a sample of them scaled to it.
    estimate = max(rows_estimate(matched), len(ids))
    sample = ids[:FACET_SAMPLE]
    return SearchFacets(_rounded(estimate), True, _facets(sample, scale=estimate / len(sample)))


def record_facets(*, q: str = "", filters: RecordFilters | None = None) -> dict[str, list[dict]]:
    """How the records matching a search spread over subjects, contributors, languages and
    decades (the biggest groups first); estimated as search_facets says."""
    return search_facets(q=q, filters=filters).facets


def _rounded(value: float) -> int:
    """Two significant figures: an estimate should not read as a count."""
    whole = round(value)
    digits = len(str(whole))
    return round(whole, 2 - digits) if digits > 2 else whole


def _facets(ids: list[int], *, scale: float) -> dict[str, list[dict]]:
    rows = facet_rows(ids, FACET_SIZE)

    def scaled(count: int) -> int:
        return count if scale == 1.0 else max(_rounded(count * scale), 1)

    return {
        "subject": [
            {"id": pk, "value": heading, "scheme": scheme, "count": scaled(n)}
            for pk, heading, scheme, n in rows["subject"]
        ],
        "contributor": [
            {"id": pk, "value": name, "count": scaled(n)} for pk, name, n in rows["contributor"]
        ],
        "language": [{"value": code, "count": scaled(n)} for code, n in rows["language"]],
        "decade": [{"value": decade, "count": scaled(n)} for decade, n in rows["decade"]],
    }
