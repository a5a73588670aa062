"""A text search as the ORM reads it: the query typed, the ISBN it may be, a condition, a rank."""

from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import BooleanField, Case, F, FloatField, Func, Q, QuerySet, Value, When
from django.db.models.functions import Cast

from catalog.identifiers import (
    InvalidIdentifier,
    isbn_check_digit_wrong,
    isbn_looks_like,
    isbn_normalize,
)
from catalog.models import Identifier, RecordSearch
from catalog.text import SEARCH_CONFIG, search_forms

# What an exact ISBN ranks: the best possible answer, above any text match.
ISBN_RANK = 2.0


class _IdIn(Func):
    """`id = ANY(ARRAY(SELECT ...))`: the ids are computed once, before the scan, so PostgreSQL
    can OR the primary key's index with the search index. A correlated EXISTS beside the text
    match would make it test every record in turn."""

    template = "(%(expressions)s))"
    arg_joiner = " = ANY("
    output_field = BooleanField()


def _isbn_of(q: str) -> tuple[str, str] | None:
    """The query as an ISBN-13 (kind "isbn"), or as the digits of an ISBN with a wrong check
    digit (kind "isbn_bad", as the catalog keeps them), if it reads as either."""
    if not isbn_looks_like(q):
        return None
    # Spaces are punctuation in an ISBN typed by hand ("0 312 86355 1").
    typed = "".join(q.split())
    try:
        return Identifier.Kind.ISBN.value, isbn_normalize(typed)
    except InvalidIdentifier:
        wrong = isbn_check_digit_wrong(typed)
        return (Identifier.Kind.ISBN_INVALID.value, wrong) if wrong else None


def search_query(forms: list[str] | tuple[str, ...], *, config: str = SEARCH_CONFIG) -> Any:
    """The web-search query matching any of `forms` (catalog.text.search_forms)."""
    query: Any = SearchQuery(forms[0], search_type="websearch", config=config)
    for form in forms[1:]:
        query = query | SearchQuery(form, search_type="websearch", config=config)
    return query


def tsquery_sql(forms: tuple[str, ...]) -> tuple[str, list[str]]:
    """SQL of the tsquery of `forms` (as search_query), and its parameters."""
    sql = " || ".join(["websearch_to_tsquery(%s::regconfig, %s)"] * len(forms))
    return f"({sql})", [param for form in forms for param in (SEARCH_CONFIG, form)]


@dataclass(frozen=True)
class TextMatch:
    """A web-search query, and the ISBN it reads as if it does, as a condition and a rank over
    the records (joined to their search vectors). catalog.search.sql.ranked_page reads the
    same matches and ranks from the vectors' own table."""

    q: str
    isbn: str | None
    isbn_kind: str = "isbn"
    # Any other form the query is looked up in (catalog.text.search_forms): "Müller" is
    # "Mueller" (q) or "Muller".
    also: tuple[str, ...] = ()

    @classmethod
    def of(cls, q: str) -> "TextMatch | None":
        """The query typed, or None when it is blank."""
        # Folded as the stored vectors are (catalog.services.search_index.search_vector_sql).
        first, *also = (form.strip() for form in search_forms(q))
        if not first:
            return None
        isbn = _isbn_of(first)
        if isbn is None:
            return cls(first, None, also=tuple(also))
        return cls(first, isbn[1], isbn[0], also=tuple(also))

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.q, *self.also)

    @property
    def query(self) -> Any:
        return search_query(self.forms)

    def tsquery_sql(self) -> tuple[str, list[str]]:
        """SQL of the query's tsquery (as `query`), and its parameters."""
        return tsquery_sql(self.forms)

    def _named(self, record: str = "pk") -> _IdIn:
        records = (
            Identifier.objects.filter(kind=self.isbn_kind, value=self.isbn)
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
            rank = Case(
                When(self._named(), then=Value(ISBN_RANK)), default=rank, output_field=FloatField()
            )
        return rank
