"""Facet counts of a search: how its records spread over subjects, contributors, languages."""

from typing import Any

from django.db.models import Count, F, QuerySet

from catalog.models import Contributor, Record, Subject
from catalog.search.match import TextMatch
from catalog.search.query import RecordFilters, matching

FACET_SIZE = 20


def record_facets(*, q: str = "", filters: RecordFilters | None = None) -> dict[str, list[dict]]:
    """How the records matching a search spread over subjects, contributors, languages and
    decades (the biggest groups first)."""
    text = TextMatch.of(q)
    filters = filters or RecordFilters()
    if text is not None and filters == RecordFilters():
        # The text alone: the matches' ids from the vectors' table, without the records'.
        matched: QuerySet[Any] = text.record_ids()
    else:
        matched = matching(text, filters, Record.objects.all()).values("pk")
    subjects = (
        Subject.objects.filter(record_links__record__in=matched)
        .annotate(count=Count("record_links"))
        .order_by("-count", "heading_key")[:FACET_SIZE]
    )
    contributors = (
        Contributor.objects.filter(credits__record__in=matched)
        .annotate(count=Count("credits__record", distinct=True))
        .order_by("-count", "name_key")[:FACET_SIZE]
    )
    languages = (
        Record.objects.filter(pk__in=matched)
        .exclude(language="")
        .values("language")
        .annotate(count=Count("id"))
        .order_by("-count", "language")[:FACET_SIZE]
    )
    decades = (
        Record.objects.filter(pk__in=matched, publication_year__isnull=False)
        .annotate(decade=F("publication_year") / 10 * 10)
        .values("decade")
        .annotate(count=Count("id"))
        .order_by("-decade")
    )
    return {
        "subject": [
            {"id": s.pk, "value": s.heading, "scheme": s.scheme, "count": s.count} for s in subjects
        ],
        "contributor": [{"id": c.pk, "value": c.name, "count": c.count} for c in contributors],
        "language": [{"value": row["language"], "count": row["count"]} for row in languages],
        "decade": [{"value": row["decade"], "count": row["count"]} for row in decades],
    }
