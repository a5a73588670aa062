"""Every hand-written read SELECT of the catalog, and the functions that run them, but those
of its word list for spelling suggestions (catalog.search.spelling_sql).

Each is written out because building it with the ORM cost more than running it; each has a
test holding its answer to the ORM's (tests/api/test_search_api.py, tests/catalog/). The SQL
that writes (search vectors, term ranks) stays with its writers in catalog.services.
"""

import json
import math
import re
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Field, QuerySet

from catalog.models import (
    Contributor,
    Identifier,
    Record,
    RecordContributor,
    RecordSearch,
    RecordSubject,
    SearchTerm,
    SearchTermRank,
    Subject,
)
from catalog.search.keyset import Seek
from catalog.search.match import ISBN_RANK, TextMatch

_Sql = tuple[str, list[Any]]
Rows = list[tuple[Any, ...]]

# The record's fields that lists and pages leave out: the MARC source is large, and a record
# loads it on first access.
RECORD_DEFERRED = ("source_marc",)

# --- Estimates -----------------------------------------------------------------------------------


def rows_estimate(queryset: "QuerySet[Any, Any]") -> int:
    """How many rows the planner expects `queryset` to give (EXPLAIN, nothing is run): an
    estimate from the tables' statistics, for counts too large to be worth counting."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


# --- Facets, by an array of record ids ----------------------------------------------------------

# Each record's rows are looked up by its id (the LATERAL subqueries' OFFSET 0 keeps them
# lookups): joined by hash instead, PostgreSQL read every link of the catalog to count those
# of a few thousand records. Every facet is counted in one statement, each record's row read
# once for its language and decade; subjects and contributors are counted by id, and only
# the groups that can make the biggest `size` (those at least as big as the size-th) are
# joined to their names, which order ties.
_FACETS_SQL = f"""
    WITH m AS MATERIALIZED (SELECT id FROM unnest(%(ids)s::bigint[]) id),
    subjects AS MATERIALIZED (
        SELECT l.subject_id AS id, count(*) AS n FROM m CROSS JOIN LATERAL
        (SELECT subject_id FROM {RecordSubject._meta.db_table} WHERE record_id = m.id OFFSET 0) l
        GROUP BY l.subject_id),
    contributors AS MATERIALIZED (
        SELECT l.contributor_id AS id, count(DISTINCT m.id) AS n FROM m CROSS JOIN LATERAL
        (SELECT contributor_id FROM {RecordContributor._meta.db_table} WHERE record_id = m.id
         OFFSET 0) l
        GROUP BY l.contributor_id),
    records AS MATERIALIZED (
        SELECT r.language, r.publication_year FROM m CROSS JOIN LATERAL
        (SELECT language, publication_year FROM {Record._meta.db_table} WHERE id = m.id OFFSET 0) r)
    SELECT
      (SELECT json_agg(json_build_array(id, heading, scheme, n) ORDER BY n DESC, heading_key)
       FROM (
         SELECT s.id, s.heading, s.scheme, s.heading_key, g.n FROM subjects g
         JOIN {Subject._meta.db_table} s ON s.id = g.id
         WHERE g.n >= coalesce(
             (SELECT n FROM subjects ORDER BY n DESC LIMIT 1 OFFSET %(last)s), 0)
         ORDER BY g.n DESC, s.heading_key LIMIT %(size)s) f),
      (SELECT json_agg(json_build_array(id, name, n) ORDER BY n DESC, name_key) FROM (
         SELECT c.id, c.name, c.name_key, g.n FROM contributors g
         JOIN {Contributor._meta.db_table} c ON c.id = g.id
         WHERE g.n >= coalesce(
             (SELECT n FROM contributors ORDER BY n DESC LIMIT 1 OFFSET %(last)s), 0)
         ORDER BY g.n DESC, c.name_key LIMIT %(size)s) f),
      (SELECT json_agg(json_build_array(language, n) ORDER BY n DESC, language) FROM (
         SELECT language, count(*) AS n FROM records WHERE language <> ''
         GROUP BY language ORDER BY n DESC, language LIMIT %(size)s) f),
      (SELECT json_agg(json_build_array(decade, n) ORDER BY decade DESC) FROM (
         SELECT publication_year / 10 * 10 AS decade, count(*) AS n FROM records
         WHERE publication_year IS NOT NULL GROUP BY decade ORDER BY decade DESC) f)
    """  # noqa: S608 - table names only
_FACETS = ("subject", "contributor", "language", "decade")


def facet_rows(ids: list[int], size: int) -> dict[str, Rows]:
    """How these records spread, the biggest `size` groups of each facet first: subject (id,
    heading, scheme, records), contributor (id, name, records), language (code, records),
    decade (first year, records; every decade, newest first)."""
    with connection.cursor() as cursor:
        cursor.execute(_FACETS_SQL, {"ids": ids, "size": size, "last": size - 1})
        found = cursor.fetchone()
    rows = {}
    for name, value in zip(_FACETS, found, strict=True):
        if isinstance(value, str):
            value = json.loads(value)
        rows[name] = [tuple(row) for row in value or ()]
    return rows


# --- A page's links, by an array of record ids ------------------------------------------------

_CREDITS_SQL = f"""
    SELECT rc.record_id, rc.contributor_id, c.name, rc.role
    FROM {RecordContributor._meta.db_table} rc
    JOIN {Contributor._meta.db_table} c ON c.id = rc.contributor_id
    WHERE rc.record_id = ANY(%s) ORDER BY rc.position, rc.id"""  # noqa: S608 - table names only
_SUBJECTS_SQL = f"""
    SELECT rs.record_id, rs.subject_id, s.heading, s.scheme
    FROM {RecordSubject._meta.db_table} rs
    JOIN {Subject._meta.db_table} s ON s.id = rs.subject_id
    WHERE rs.record_id = ANY(%s) ORDER BY rs.position, rs.id"""  # noqa: S608 - table names only
_IDENTIFIERS_SQL = f"""
    SELECT record_id, kind, value FROM {Identifier._meta.db_table}
    WHERE record_id = ANY(%s) ORDER BY kind, id"""  # noqa: S608 - table names only


def record_links(ids: list[int]) -> tuple[Rows, Rows, Rows]:
    """The credits (record_id, contributor_id, name, role), subjects (record_id, subject_id,
    heading, scheme) and identifiers (record_id, kind, value) of these records, in order."""
    with connection.cursor() as cursor:
        cursor.execute(_CREDITS_SQL, [ids])
        credits = cursor.fetchall()
        cursor.execute(_SUBJECTS_SQL, [ids])
        subjects = cursor.fetchall()
        cursor.execute(_IDENTIFIERS_SQL, [ids])
        return credits, subjects, cursor.fetchall()


# --- Records ----------------------------------------------------------------------------------

_RECORDS_TABLE = connection.ops.quote_name(Record._meta.db_table)
_LOADED = [
    field
    for field in Record._meta.concrete_fields
    if field.name not in RECORD_DEFERRED and field.attname not in RECORD_DEFERRED
]
# The columns of a record's row, id first, as the readers below give them.
RECORD_COLUMNS: tuple[str, ...] = tuple(field.attname for field in _LOADED)
assert RECORD_COLUMNS[0] == "id"  # noqa: S101 - readers take a row's id from its first column
_SELECT = (
    f"SELECT {', '.join(connection.ops.quote_name(f.column) for f in _LOADED)} "  # noqa: S608 - names from the model
    f"FROM {_RECORDS_TABLE}"
)
_BY_ID_SQL = f"{_SELECT} WHERE id = ANY(%s)"


def _rows(sql: str, params: list[Any]) -> Rows:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def record_rows_by_id(ids: list[int]) -> Rows:
    """The rows (RECORD_COLUMNS) of the records with these ids, in no particular order."""
    return _rows(_BY_ID_SQL, [ids])


@cache
def _in_order_sql(
    ordering: tuple[str, ...], operator: str | None
) -> tuple[list[Field], str] | None:
    """The ordering's fields and the SELECT of a page in it; None if it names anything but
    the records' own columns that are never null."""
    own = {field.name: field for field in Record._meta.concrete_fields}
    fields = []
    for name in ordering:
        field = own.get("id" if name.lstrip("-") == "pk" else name.lstrip("-"))
        if field is None or field.is_relation or field.null:
            return None
        fields.append(field)
    quoted = [connection.ops.quote_name(str(field.column)) for field in fields]
    where = ""
    if operator is not None:
        where = f" WHERE ({', '.join(quoted)}) {operator} ({', '.join(['%s'] * len(fields))})"
    way = " DESC" if ordering[0].startswith("-") else ""
    order = ", ".join(f"{column}{way}" for column in quoted)
    return fields, f"{_SELECT}{where} ORDER BY {order} LIMIT %s"


def record_rows_in_order(ordering: tuple[str, ...], seek: Seek | None, limit: int) -> Rows | None:
    """The rows (RECORD_COLUMNS) of up to `limit` records in `ordering` (fields that all run
    one way), past `seek`'s position if any; None if the ordering names anything but the
    records' own columns that are never null (the ORM then reads the page)."""
    written = _in_order_sql(ordering, seek.operator if seek else None)
    if written is None:
        return None
    fields, sql = written
    params: list[Any] = []
    if seek is not None:
        # As the ORM's filter would: each value checked and converted by its field (a forged
        # cursor's raises ValidationError, TypeError or ValueError).
        params = [
            field.get_db_prep_value(value, connection, prepared=False)
            for field, value in zip(fields, seek.values, strict=True)
        ]
    return _rows(sql, [*params, limit])


# --- Ranked pages of a text search --------------------------------------------------------------

_VECTORS_TABLE = RecordSearch._meta.db_table
_TERMS_TABLE = SearchTerm._meta.db_table
_TERM_RANKS_TABLE = SearchTermRank._meta.db_table
_IDENTIFIERS_TABLE = Identifier._meta.db_table


def ranked_page(
    text: TextMatch, *, seek: Seek | None, descending: bool = True, limit: int, offset: int = 0,
    among_newest: int | None = None,
) -> list[tuple[int, float]]:  # fmt: skip
    """(record id, rank) of up to `limit` of the matches of `text`, without the records'
    table: the same matches and ranks as TextMatch.condition() and rank(), by rank and then
    id (best first when `descending`), past `seek`'s position (rank, id) if any and the first
    `offset` rows. A query
    that is one search term (catalog.models.SearchTerm) reads the ranks kept for it, in rank
    order; any other ranks the vector of every match, or with `among_newest` only those of
    that many of the newest matches (a page of the best of them, exact when the query matches
    no more: ranking hundreds of thousands of matches of common words one by one took
    seconds)."""
    tsquery, tsquery_params = text.tsquery_sql()
    rank: _Sql = (f"ts_rank(vector, {tsquery})::float8", tsquery_params)
    match: _Sql = (f"vector @@ {tsquery}", tsquery_params)
    page = _RankedPage(descending, seek, limit, offset)
    if text.isbn is not None:
        named = (
            f"record_id = ANY(ARRAY(SELECT record_id FROM {_IDENTIFIERS_TABLE} "  # noqa: S608 - no input in the SQL
            "WHERE kind = %s AND value = %s))"
        )
        named_params = [text.isbn_kind, text.isbn]
        rank = (
            f"CASE WHEN {named} THEN {ISBN_RANK}::float8 ELSE {rank[0]} END",
            [*named_params, *rank[1]],
        )
        match = (f"({match[0]} OR {named})", [*match[1], *named_params])
        sql = page.select(_VECTORS_TABLE, rank, "record_id", [match])
    else:
        # The term the query is, if it is one: 'kor', or 'kor' & 'kor' (matched and ranked
        # alike); the ranks kept for it if so, the vectors' otherwise.
        term: _Sql = (
            f"WITH term AS MATERIALIZED (SELECT query FROM {_TERMS_TABLE} "  # noqa: S608 - no input in the SQL
            f"WHERE query = regexp_replace({tsquery}::text, %s, %s)) ",
            [*tsquery_params, r"^('[^']+')( [&|] \1)+$", r"\1"],
        )
        kept = page.select(
            f"{_TERM_RANKS_TABLE} t",
            ("t.rank", []),
            "t.record_id",
            [
                ("t.term = (SELECT query FROM term)", []),
                # Not a rank left by a record deleted during a refresh (SearchTermRank).
                (f"EXISTS (SELECT FROM {_VECTORS_TABLE} s WHERE s.record_id = t.record_id)", []),
            ],
        )
        matches: _Sql = (_VECTORS_TABLE, [])
        where = [match]
        if among_newest is not None:
            matches = (
                f"(SELECT record_id, vector FROM {_VECTORS_TABLE} WHERE {match[0]} "  # noqa: S608 - no input in the SQL
                "ORDER BY record_id DESC LIMIT %s) newest",
                [*match[1], among_newest],
            )
            where = []
        ranked = page.select(matches, rank, "record_id", where)
        # The condition outside the ranking's LIMIT, so that it stays there: inside,
        # PostgreSQL tested it in parallel workers started for nothing.
        sql = (
            f"{term[0]}({kept[0]}) UNION ALL (SELECT * FROM ({ranked[0]}) ranked "  # noqa: S608 - no input in the SQL
            f"WHERE NOT EXISTS (SELECT FROM term)) ORDER BY {page.order}",
            [*term[1], *kept[1], *ranked[1]],
        )
    with connection.cursor() as cursor:
        cursor.execute(*sql)
        return cursor.fetchall()


class _RankedPage:
    """One page of (record_id, rank) rows by rank and record_id, both the same way, from a
    seek's position (rank, id) if any, past the first `offset`."""

    def __init__(self, descending: bool, seek: Seek | None, limit: int, offset: int) -> None:
        self.seek = seek
        self.limit = limit
        self.offset = offset
        way = "DESC" if descending else "ASC"
        self.order = f"rank {way}, record_id {way}"

    def select(self, table: str | _Sql, rank: _Sql, record: str, where: list[_Sql]) -> _Sql:
        """The page's SELECT from `table`, whose rank and record id are `rank` and `record`,
        of the rows every `where` condition picks."""
        conditions = [condition for condition, _ in where]
        table, table_params = (table, []) if isinstance(table, str) else table
        conditions = conditions or ["TRUE"]
        params = [
            *rank[1], *table_params, *(p for _, condition_params in where for p in condition_params)
        ]  # fmt: skip
        if self.seek is not None:
            # A row comparison: both fields run the same way. float() and int() refuse a
            # forged cursor's values with ValueError or TypeError.
            rank_value, record_id = self.seek.values
            conditions.append(f"({rank[0]}, {record}) {self.seek.operator} (%s, %s)")
            params += [*rank[1], float(rank_value), int(record_id)]
        sql = (
            f"SELECT {record} AS record_id, {rank[0]} AS rank FROM {table} "  # noqa: S608 - no input in the SQL
            f"WHERE {' AND '.join(conditions)} ORDER BY {self.order} LIMIT %s OFFSET %s"
        )
        return sql, [*params, self.limit, self.offset]


# --- Common words together, in one word's rank order ----------------------------------------

# The query as PostgreSQL writes it, whether its words are search terms, and how many records
# the catalog has (the planner's count, kept by VACUUM and ANALYZE).
_QUERY_TERMS_SQL = f"""
    SELECT q.text, (SELECT reltuples FROM pg_class WHERE oid = %s::regclass),
           (SELECT json_agg(json_build_array(t.query, t.records)) FROM {_TERMS_TABLE} t
            WHERE t.query = ANY(string_to_array(q.text, ' & ')))
    FROM (SELECT {{tsquery}}::text AS text) q"""  # noqa: S608 - no input in the SQL

# Words that must all be there ('kor' & 'press'), and nothing else.
_WORDS_ALL = re.compile(r"'[^']+'(?: & '[^']+')+")
# Runs of letters and digits: PostgreSQL's parser splits words at least where these end.
_TYPED_WORDS = re.compile(r"[^\W_]+")


def words_walked(text: TextMatch, *, more_than: int, term: str | None = None) -> str | None:
    """The search term (catalog.models.SearchTerm) by whose kept ranks the matches of `text`
    are ordered, or None to rank them as ranked_page does: its rarest word, when `text` is
    two or more words that must all be there, each a search term, and the terms' counts
    (taken as independent) put its matches above `more_than`. Ranking every match of common
    words together read hundreds of thousands of vectors; in one word's rank order a page is
    read from its kept ranks (term_walk_page).

    With `term`, the word an earlier page of the same search walked, the next page goes on in
    its order whatever the counts say now: `term` if it is one of the words of such a query,
    search term or no longer, and ValueError if not (a cursor of another query, or forged)."""
    if term is None and (text.isbn is not None or len(_TYPED_WORDS.findall(text.q)) < 2):
        return None  # one word at most: no query to look up
    with connection.cursor() as cursor:
        tsquery, tsquery_params = text.tsquery_sql()
        cursor.execute(_QUERY_TERMS_SQL.format(tsquery=tsquery), [_VECTORS_TABLE, *tsquery_params])
        query, catalog, found = cursor.fetchone()
    words = set(query.split(" & "))
    if term is not None:
        if text.isbn is None and _WORDS_ALL.fullmatch(query) and term in words:
            return term
        raise ValueError(f"{term} is not a word of {query} walked in rank order.")
    if not _WORDS_ALL.fullmatch(query):
        return None
    if isinstance(found, str):
        found = json.loads(found)
    counts: dict[str, int] = dict(found or [])
    if len(words) < 2 or not words <= counts.keys():
        return None
    size = max(catalog, *counts.values(), 1)
    expected = size * math.prod(counts[word] / size for word in words)
    if expected <= more_than:
        return None
    return min(words, key=lambda word: (counts[word], word))


# How many of the term's ranks a page's walk reads at most, per row of the page: past them
# the query's matches are sparse among the term's, and the search index finds them sooner.
_WALK_PER_ROW = 20
_WALK_LEAST = 2000


def term_walk_page(
    text: TextMatch, term: str, *, seek: Seek | None, descending: bool = True, limit: int
) -> list[tuple[int, float]]:
    """(record id, rank) of up to `limit` of the matches of `text`, by `term`'s kept rank
    (its SearchTermRank, every match of `text` has one: words_walked) and then id, best first
    when `descending`, past `seek`'s position (rank, id) if any. The term's ranks are read in
    order, each record's vector tested against the query, until the page is full; if a
    bounded stretch of them leaves it short, the query's matches are found by the search
    index and ordered the same way. A term whose ranks are no longer kept (a cursor's, from
    before the terms were chosen afresh) has them computed from the matches' vectors, as
    they were kept, so that its pages go on in the same order."""
    tsquery, tsquery_params = text.tsquery_sql()
    bound = max(_WALK_LEAST, _WALK_PER_ROW * limit)
    kept: _Sql = ("t.rank", [])
    of_term: _Sql = ("t.term = %s", [term])
    candidates = _RankedPage(descending, seek, bound, 0).select(
        f"{_TERM_RANKS_TABLE} t", kept, "t.record_id", [of_term]
    )
    page = _RankedPage(descending, None, limit, 0)
    walk = (
        f"SELECT c.record_id, c.rank FROM ({candidates[0]}) c "  # noqa: S608 - no input in the SQL
        f"CROSS JOIN LATERAL (SELECT FROM {_VECTORS_TABLE} s WHERE s.record_id = c.record_id "
        f"AND s.vector @@ {tsquery} OFFSET 0) m ORDER BY {page.order} LIMIT %s",
        [*candidates[1], *tsquery_params, limit],
    )
    with connection.cursor() as cursor:
        cursor.execute(*walk)
        rows = cursor.fetchall()
        if len(rows) == limit:
            return rows
        # Short: the term's ranks ran out (the page is all there is), or the bound came first,
        # or the term is no longer kept.
        cursor.execute(f"SELECT count(*) FROM ({candidates[0]}) c", candidates[1])  # noqa: S608 - no input in the SQL
        walked = cursor.fetchone()[0]
        if 0 < walked < bound:
            return rows
        if walked == 0:
            cursor.execute(f"SELECT EXISTS (SELECT FROM {_TERMS_TABLE} WHERE query = %s)", [term])  # noqa: S608 - no input in the SQL
            if cursor.fetchone()[0]:
                return rows
            # The term's rank as search_term_ranks_sql keeps it, for every match.
            computed = _RankedPage(descending, seek, limit, 0).select(
                _VECTORS_TABLE,
                ("ts_rank(vector, %s::tsquery)::float8", [term]),
                "record_id",
                [(f"vector @@ {tsquery}", tsquery_params)],
            )
            cursor.execute(*computed)
            return cursor.fetchall()
        # The matches from the search index, apart: beside the term's ranks, the planner
        # tested each rank against them one by one.
        matched = (
            f"WITH m AS MATERIALIZED (SELECT record_id FROM {_VECTORS_TABLE} "  # noqa: S608 - no input in the SQL
            f"WHERE vector @@ {tsquery}) ",
            tsquery_params,
        )
        joined = _RankedPage(descending, seek, limit, 0).select(
            f"{_TERM_RANKS_TABLE} t JOIN m ON m.record_id = t.record_id",
            kept,
            "t.record_id",
            [of_term],
        )
        indexed = (matched[0] + joined[0], [*matched[1], *joined[1]])
        cursor.execute(*indexed)
        return cursor.fetchall()
