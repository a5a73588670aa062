"""Catalog search: one selector for the API, the website and exports, plus facet counts."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce

from catalog.identifiers import InvalidIdentifier, isbn_looks_like, isbn_normalize
from catalog.models import (
    Contributor,
    Identifier,
    Item,
    Record,
    RecordContributor,
    RecordSearch,
    SearchTerm,
    SearchTermRank,
    Subject,
)
from catalog.selectors import record_list
from catalog.text import SEARCH_CONFIG

# The ordering names callers use, and the database ordering each means. Every ordering ends
# in the primary key, so pages are stable; the first field is what cursors remember.
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
FACET_SIZE = 20


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


class _IdIn(Func):
    """`id = ANY(ARRAY(SELECT ...))`: the ids are computed once, before the scan, so PostgreSQL
    can OR the primary key's index with the search index. A correlated EXISTS beside the text
    match would make it test every record in turn."""

    template = "(%(expressions)s))"
    arg_joiner = " = ANY("
    output_field = BooleanField()


def _isbn_of(q: str) -> str | None:
    """The query as an ISBN-13, if it reads as an ISBN in any form."""
    if not isbn_looks_like(q):
        return None
    try:
        # Spaces are punctuation in an ISBN typed by hand ("0 312 86355 1").
        return isbn_normalize("".join(q.split()))
    except InvalidIdentifier:
        return None


_VECTORS_TABLE = RecordSearch._meta.db_table
_TERMS_TABLE = SearchTerm._meta.db_table
_TERM_RANKS_TABLE = SearchTermRank._meta.db_table
_IDENTIFIERS_TABLE = Identifier._meta.db_table


@dataclass(frozen=True)
class TextMatch:
    """A web-search query, and the ISBN it reads as if it does, as a condition and a rank over
    the records (joined to their search vectors), and as a ranked page of the vectors' own
    table alone."""

    q: str
    isbn: str | None

    @classmethod
    def of(cls, q: str) -> "TextMatch | None":
        """The query typed, or None when it is blank."""
        q = q.strip()
        return cls(q, _isbn_of(q)) if q else None

    @property
    def query(self) -> SearchQuery:
        return SearchQuery(self.q, search_type="websearch", config=SEARCH_CONFIG)

    def _named(self, record: str = "pk") -> _IdIn:
        records = (
            Identifier.objects.filter(kind=Identifier.Kind.ISBN, value=self.isbn)
            .order_by()
            .values("record_id")
        )
        return _IdIn(F(record), ArraySubquery(records))

    def condition(self) -> Q:
        """Records whose vector matches the query or that carry its ISBN."""
        matches = Q(search__vector=self.query)
        return matches if self.isbn is None else matches | Q(self._named())

    def record_ids(self) -> "QuerySet[RecordSearch, Any]":
        """The ids of the same records, from the search vectors' table alone."""
        matches = Q(vector=self.query)
        if self.isbn is not None:
            matches |= Q(self._named("record_id"))
        return RecordSearch.objects.filter(matches).values("record_id")

    def rank(self) -> Any:
        # float8, so the rank a cursor remembers compares exactly on the next page.
        rank: Any = Cast(SearchRank(F("search__vector"), self.query), FloatField())
        if self.isbn is not None:
            # An exact ISBN is the best possible answer, above any text match.
            rank = Case(
                When(self._named(), then=Value(2.0)), default=rank, output_field=FloatField()
            )
        return rank

    def ranked_page(
        self, *, ordering: list[str], seek: Any, offset: int, limit: int, using: str = "default"
    ) -> list[tuple[int, float]]:
        """(record id, rank) of one page of the matches, without the records' table: the same
        matches and ranks as condition() and rank(), in `ordering` of rank and record_id
        ("-rank", "-record_id"), from a cursor's position if `seek` (a
        catalog.selectors.Seek over the same names) says one. A query that is one search
        term (catalog.models.SearchTerm) reads the ranks kept for it, in rank order; any
        other ranks the vector of every match. Written out, as the link queries are: this is
        every search's costliest query, and building it with the ORM cost a search more time
        than running it for most words."""
        tsquery = "websearch_to_tsquery(%s::regconfig, %s)"
        rank: _Sql = (f"ts_rank(vector, {tsquery})::float8", [SEARCH_CONFIG, self.q])
        match: _Sql = (f"vector @@ {tsquery}", [SEARCH_CONFIG, self.q])
        page = _Page(ordering, seek, offset, limit)
        if self.isbn is not None:
            named = (
                f"record_id = ANY(ARRAY(SELECT record_id FROM {_IDENTIFIERS_TABLE} "  # noqa: S608 - no input in the SQL
                "WHERE kind = %s AND value = %s))"
            )
            named_params = [Identifier.Kind.ISBN.value, self.isbn]
            rank = (
                f"CASE WHEN {named} THEN 2.0::float8 ELSE {rank[0]} END",
                [*named_params, *rank[1]],
            )
            match = (f"({match[0]} OR {named})", [*match[1], *named_params])
            sql = page.select(_VECTORS_TABLE, rank, "record_id", [match])
        else:
            # The term the query is, if it is one: 'kor', or 'kor' & 'kor' (matched and
            # ranked alike); the ranks kept for it if so, the vectors' otherwise.
            term: _Sql = (
                f"WITH term AS MATERIALIZED (SELECT query FROM {_TERMS_TABLE} "  # noqa: S608 - no input in the SQL
                f"WHERE query = regexp_replace({tsquery}::text, %s, %s)) ",
                [SEARCH_CONFIG, self.q, r"^('[^']+')( [&|] \1)+$", r"\1"],
            )
            kept = page.select(
                f"{_TERM_RANKS_TABLE} t",
                ("t.rank", []),
                "t.record_id",
                [
                    ("t.term = (SELECT query FROM term)", []),
                    # Not a rank left by a record deleted during a refresh (SearchTermRank).
                    (
                        f"EXISTS (SELECT FROM {_VECTORS_TABLE} s WHERE s.record_id = t.record_id)",
                        [],
                    ),
                ],
            )
            ranked = page.select(_VECTORS_TABLE, rank, "record_id", [match])
            # The condition outside the ranking's LIMIT, so that it stays there: inside, it
            # was tested by parallel workers started for nothing, 4 ms for each search.
            sql = (
                f"{term[0]}({kept[0]}) UNION ALL (SELECT * FROM ({ranked[0]}) ranked "  # noqa: S608 - no input in the SQL
                f"WHERE NOT EXISTS (SELECT FROM term)) ORDER BY {page.order}",
                [*term[1], *kept[1], *ranked[1]],
            )
        with connections[using].cursor() as cursor:
            cursor.execute(*sql)
            return cursor.fetchall()


_Sql = tuple[str, list[Any]]


@dataclass(frozen=True)
class _Page:
    """One page of (record_id, rank) rows, in an ordering of rank and record_id that runs
    both the same way, from a cursor's position (a catalog.selectors.Seek) if any."""

    ordering: list[str]
    seek: Any
    offset: int
    limit: int

    @property
    def order(self) -> str:
        return ", ".join(
            f"{field.lstrip('-')} {'DESC' if field.startswith('-') else 'ASC'}"
            for field in self.ordering
        )

    def select(self, table: str, rank: _Sql, record: str, where: list[_Sql]) -> _Sql:
        """The page's SELECT from `table`, whose rank and record id are `rank` and `record`,
        of the rows every `where` condition picks."""
        conditions = [condition for condition, _ in where]
        params = [*rank[1], *(p for _, condition_params in where for p in condition_params)]
        if self.seek is not None:
            # A row comparison: both fields of every ordering here run the same way.
            columns, values = [], []
            for name, value in zip(self.seek.fields, self.seek.values, strict=True):
                if name == "rank":
                    columns.append(rank[0])
                    params += rank[1]
                    values.append(float(value))
                else:
                    columns.append(record)
                    values.append(int(value))
            marks = ", ".join(["%s"] * len(values))
            conditions.append(f"({', '.join(columns)}) {self.seek.operator} ({marks})")
            params += values
        sql = (
            f"SELECT {record} AS record_id, {rank[0]} AS rank FROM {table} "  # noqa: S608 - no input in the SQL
            f"WHERE {' AND '.join(conditions)} ORDER BY {self.order} LIMIT %s OFFSET %s"
        )
        return sql, [*params, self.limit, self.offset]


def _filters_apply(records: QuerySet[Record], filters: RecordFilters) -> QuerySet[Record]:
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
    if filters.location or filters.item_status:
        items = Item.objects.filter(record=OuterRef("pk"))
        if filters.location:
            items = items.filter(location__code=filters.location)
        if filters.item_status:
            items = items.filter(status=filters.item_status)
        records = records.filter(Exists(items))
    return records


def _unfiltered(filters: RecordFilters | None) -> bool:
    return filters is None or filters == RecordFilters()


def _matching(
    text: TextMatch | None, filters: RecordFilters | None, base: QuerySet[Record]
) -> QuerySet[Record]:
    records = base
    if text is not None:
        records = records.filter(text.condition()).annotate(rank=text.rank())
    if filters is not None:
        records = _filters_apply(records, filters)
    return records


def record_search(
    *, q: str = "", filters: RecordFilters | None = None, ordering: str | None = None
) -> QuerySet[Record]:
    """Records matching a web-search query (quoted phrases, -excluded words, `or`) or an ISBN in
    any form, narrowed by `filters`, in `ordering` (relevance by default when there is a
    query). With a query, or ordered by relevance, each record carries `rank`; the QuerySet
    prefetches what the API shows. (Columns an ordering does not need are left out: on the
    plain list they cost a third of the query's time in Django.)"""
    text = TextMatch.of(q)
    ordering = ordering or ("relevance" if text else DEFAULT_ORDERING)
    records = _matching(text, filters, record_list())
    if text is not None and ordering == "relevance" and _unfiltered(filters):
        # Nothing but the text to match: a page is ranked from the vectors' table alone.
        records = records.ranked_from(text)  # type: ignore[attr-defined]
    if ordering == "relevance" and text is None:
        records = records.annotate(rank=Value(0.0, output_field=FloatField()))
    if ordering in ("year", "-year"):
        records = records.annotate(
            year_key=Coalesce("publication_year", Value(-1), output_field=IntegerField())
        )
    return records.order_by(*ORDERINGS[ordering])


def record_facets(*, q: str = "", filters: RecordFilters | None = None) -> dict[str, list[dict]]:
    """How the records matching a search spread over subjects, contributors, languages and
    decades (the biggest groups first)."""
    text = TextMatch.of(q)
    if text is not None and _unfiltered(filters):
        # The text alone: the matches' ids from the vectors' table, without the records'.
        matched: QuerySet[Any] = text.record_ids()
    else:
        matched = _matching(text, filters, Record.objects.all()).values("pk")
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
