"""A search of the records as the ORM reads it: text, filters and ordering, the defaults settled."""

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, FloatField, IntegerField, OuterRef, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from catalog.models import Identifier, Item, Record, RecordContributor
from catalog.search.match import TextMatch
from catalog.search.sql import RECORD_DEFERRED
from common.language import quoted

# The ordering names callers use, and the database ordering each means. Every ordering ends
# in the primary key, so that a position in it names one row.
ORDERINGS: dict[str, tuple[str, ...]] = {
    "relevance": ("-rank", "-id"),
    "title": ("sort_title", "id"),
    "-title": ("-sort_title", "-id"),
    "year": ("year_key", "id"),
    "-year": ("-year_key", "-id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
    "newest": ("-id",),
}
DEFAULT_ORDERING = "newest"


@dataclass(frozen=True)
class RecordFilters:
    """Narrowing of a search; every field is optional and they combine with AND."""

    contributor: int | None = None
    subject: int | None = None
    language: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    location: str | None = None
    item_status: str | None = None
    updated_since: datetime | None = None
    # Lookups: these records only, and those carrying this (kind, normalized value).
    ids: tuple[int, ...] | None = None
    identifier: tuple[str, str] | None = None


def year_range_refusal(year_from: int | None, year_to: int | None) -> str:
    """Why a range of years can match no record, in a sentence; "" when it can: a range given
    backwards would answer an empty list, which reads as "no such books"."""
    if year_from is None or year_to is None or year_from <= year_to:
        return ""
    return gettext(
        "year_from (%(first)s) is after year_to (%(last)s): give the earlier year in year_from."
    ) % {"first": year_from, "last": year_to}


def language_filter_refusal(given: str) -> str:
    """Why `given` cannot narrow a search by language, in one sentence naming the parameter;
    "" for a MARC language code (read in any case: ENG is eng)."""
    if re.fullmatch(r"[a-z]{3}", given.strip().lower()):
        return ""
    return gettext(
        "language must be a three-letter MARC language code such as eng, fre or ger, not %(value)s."
    ) % {"value": quoted(given[:40])}


def filters_apply(records: QuerySet[Record], filters: RecordFilters) -> QuerySet[Record]:
    if filters.contributor is not None:
        records = records.filter(
            Exists(
                RecordContributor.objects.filter(
                    record=OuterRef("pk"), contributor_id=filters.contributor
                )
            )
        )
    if filters.subject is not None:
        records = records.filter(subject_links__subject_id=filters.subject)
    if filters.language:
        records = records.filter(language=filters.language)
    if filters.year_from is not None:
        records = records.filter(publication_year__gte=filters.year_from)
    if filters.year_to is not None:
        records = records.filter(publication_year__lte=filters.year_to)
    if filters.updated_since is not None:
        records = records.filter(updated_at__gte=filters.updated_since)
    if filters.ids is not None:
        records = records.filter(pk__in=filters.ids)
    if filters.identifier is not None:
        kind, value = filters.identifier
        records = records.filter(
            Exists(Identifier.objects.filter(record=OuterRef("pk"), kind=kind, value=value))
        )
    if filters.location or filters.item_status:
        items = Item.objects.filter(record=OuterRef("pk"))
        if filters.location:
            items = items.filter(location__code=filters.location)
        if filters.item_status:
            items = items.filter(status=filters.item_status)
        records = records.filter(Exists(items))
    return records


def matching(
    text: TextMatch | None, filters: RecordFilters, records: QuerySet[Record]
) -> QuerySet[Record]:
    """`records` narrowed to those `text` matches (each with its `rank`) and `filters` pass."""
    if text is not None:
        records = records.filter(text.condition()).annotate(rank=text.rank())
    return filters_apply(records, filters)


@dataclass(frozen=True)
class Search:
    """A web-search query (quoted phrases, -excluded words, `or`) or an ISBN in any form,
    narrowed by filters, in an ordering of ORDERINGS (relevance by default when there is a
    query)."""

    text: TextMatch | None
    filters: RecordFilters = field(default_factory=RecordFilters)
    ordering: str = DEFAULT_ORDERING

    @classmethod
    def of(
        cls, *, q: str = "", filters: RecordFilters | None = None, ordering: str | None = None
    ) -> "Search":
        text = TextMatch.of(q)
        ordering = ordering or ("relevance" if text else DEFAULT_ORDERING)
        if ordering not in ORDERINGS:
            raise ValueError(f"No ordering {ordering!r}: use one of {', '.join(ORDERINGS)}.")
        return cls(text, filters or RecordFilters(), ordering)

    @property
    def fields(self) -> tuple[str, ...]:
        """The database ordering, ending in the primary key."""
        return ORDERINGS[self.ordering]

    @property
    def filtered(self) -> bool:
        return self.filters != RecordFilters()

    @property
    def annotations(self) -> tuple[str, ...]:
        """The names records() annotates each record with: `rank`, `year_key`."""
        rank = ("rank",) if self.text is not None or self.ordering == "relevance" else ()
        return rank + (("year_key",) if self.ordering in ("year", "-year") else ())

    def records(self) -> QuerySet[Record]:
        """The matching records in the ordering, without RECORD_DEFERRED."""
        records = matching(self.text, self.filters, Record.objects.defer(*RECORD_DEFERRED))
        if self.ordering == "relevance" and self.text is None:
            records = records.annotate(rank=Value(0.0, output_field=FloatField()))
        if self.ordering in ("year", "-year"):
            records = records.annotate(
                year_key=Coalesce("publication_year", Value(-1), output_field=IntegerField())
            )
        return records.order_by(*self.fields)


def record_search(
    *, q: str = "", filters: RecordFilters | None = None, ordering: str | None = None
) -> QuerySet[Record]:
    """The records a search (see Search) finds, in its ordering, as a QuerySet: with a query,
    or ordered by relevance, each record carries `rank`. Pages of it are read by
    catalog.selectors.record_page and record_slice, which attach the records' links."""
    return Search.of(q=q, filters=filters, ordering=ordering).records()
