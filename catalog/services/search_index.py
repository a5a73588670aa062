"""The search index's writes: records' search vectors and the search terms' ranks.

Every write-side search SQL lives here; the import's COPY path builds its statements from
these pieces too, so a record reads the same in search however it was written.
"""

from collections.abc import Sequence

from django.conf import settings
from django.db import connection, transaction

from catalog.models import SearchTerm, SearchWord
from catalog.text import (
    SEARCH_CONFIG,
    search_fold_sql,
    search_text_sql,
    spelling_shown_sql,
    spelling_text_sql,
)
from common.sql import bulk_cursor, lock_waits_retried


def search_vector_sql(
    *, titles: str, contributors: str, subjects: str, rest: str, config: str = SEARCH_CONFIG
) -> str:
    """The stored search vector as SQL over four text expressions: title above contributors
    above subjects above the rest. Every writer of a search vector builds it from here.

    Text is folded as queries are (catalog.text.search_fold): "Misérables" is found by
    "miserables", full-width letters and ligatures by their plain spelling, "O'Brien" by
    "obrien" (and by "brien", catalog.text.search_text_sql)."""
    return (
        f"setweight(to_tsvector('{config}', {search_text_sql(titles)}), 'A')"
        f" || setweight(to_tsvector('{config}', {search_text_sql(contributors)}), 'B')"
        f" || setweight(to_tsvector('{config}', {search_text_sql(subjects)}), 'C')"
        f" || setweight(to_tsvector('{config}', {search_text_sql(rest)}), 'D')"
    )


# A stored record's text, from its row `r` and its contributors and subjects in order.
_RECORD_TEXT = {
    "titles": "r.title || ' ' || r.subtitle",
    "contributors": """coalesce((
               SELECT string_agg(c.name, ' ' ORDER BY rc.position)
               FROM catalog_recordcontributor rc
               JOIN catalog_contributor c ON c.id = rc.contributor_id
               WHERE rc.record_id = r.id), '')""",
    "subjects": """coalesce((
               SELECT string_agg(s.heading, ' ' ORDER BY rs.position)
               FROM catalog_recordsubject rs
               JOIN catalog_subject s ON s.id = rs.subject_id
               WHERE rs.record_id = r.id), '')""",
    "rest": "r.series || ' ' || r.publisher || ' ' || r.summary",
}
_RECORD_VECTOR = search_vector_sql(**_RECORD_TEXT)


def record_search_refresh(record_ids: Sequence[int]) -> None:
    """Compute the records' search vectors anew (catalog_recordsearch), and their ranks for
    the search terms."""
    if not record_ids:
        return
    ids = list(record_ids)
    ranks = search_term_ranks_sql(
        "(SELECT record_id, vector FROM catalog_recordsearch WHERE record_id = ANY(%s))"
    )
    with connection.cursor() as cursor:
        # One round trip, since every edit of a record pays it; each statement has a snapshot
        # of its own. Once the upsert holds the vectors' rows, another writer of the same
        # records has committed its ranks (seen, and replaced, by the statements after it)
        # or waits for ours.
        cursor.execute(
            f"{SEARCH_TERMS_LOCK}; "  # noqa: S608 - no input in the SQL
            f"INSERT INTO catalog_recordsearch (record_id, vector) "
            f"SELECT r.id, {_RECORD_VECTOR} FROM catalog_record r WHERE r.id = ANY(%s) "
            "ON CONFLICT (record_id) DO UPDATE SET vector = EXCLUDED.vector; "
            f"DELETE FROM catalog_searchtermrank WHERE record_id = ANY(%s); {ranks}",
            [ids, ids, ids],
        )


# Records with text that search folding changes (accents, compatibility forms, apostrophes
# inside words), in the expressions _RECORD_VECTOR folds (its contributors and subjects one by
# one): only their vectors differ between a writer that folds and one that did not.
_UNFOLDED_RECORDS = f"""
    SELECT r.id FROM catalog_record r
    WHERE {search_fold_sql("r.title || ' ' || r.subtitle")} <> r.title || ' ' || r.subtitle
       OR {search_fold_sql(_RECORD_TEXT["rest"])} <> {_RECORD_TEXT["rest"]}
    UNION
    SELECT rc.record_id FROM catalog_recordcontributor rc
    JOIN catalog_contributor c ON c.id = rc.contributor_id
    WHERE {search_fold_sql("c.name")} <> c.name
    UNION
    SELECT rs.record_id FROM catalog_recordsubject rs
    JOIN catalog_subject s ON s.id = rs.subject_id
    WHERE {search_fold_sql("s.heading")} <> s.heading
    ORDER BY 1"""  # noqa: S608 - no input in the SQL


def record_search_refold(*, batch: int = 5000) -> int:
    """Build anew the search vectors (and ranks) of the records whose text search folding
    changes, so that vectors written before text was folded (to NFKC, then without accents,
    then without apostrophes inside words) find what a query folds to. Returns how many
    records it rebuilt; other records' vectors are already what record_search_refresh writes.

    Each batch is a transaction of its own when called outside one (a migration that is not
    atomic), so a large catalog's edits wait for one batch at most, not for all of them."""
    with connection.cursor() as cursor:
        cursor.execute(_UNFOLDED_RECORDS)
        ids = [row[0] for row in cursor.fetchall()]
    for start in range(0, len(ids), batch):
        with transaction.atomic():
            record_search_refresh(ids[start : start + batch])
    return len(ids)


def search_refold() -> int:
    """Build anew what search folding changes for the records it changes: their vectors
    (record_search_refold), then the word list and the search terms, which may hold the
    folded words now. Returns how many records it rebuilt; with none, nothing is counted."""
    rebuilt = record_search_refold()
    if rebuilt:
        search_words_refresh()
        search_terms_refresh()
    return rebuilt


# Taken by every writer of search vectors (and deleter of records) before it writes them, for
# the rest of its transaction; search_terms_refresh takes the lock that excludes it. So a
# refresh sees every vector written before it, a vector written after it gets the new terms'
# ranks, and a refresh never waits on the ranks of a record being deleted (which, deleted
# after taking its own row locks, could deadlock with it).
SEARCH_TERMS_LOCK = f"LOCK TABLE {SearchTerm._meta.db_table} IN ROW SHARE MODE"


def search_terms_lock() -> None:
    """SEARCH_TERMS_LOCK, in its own statement: the statements after it see every term a
    refresh committed before it was granted."""
    with bulk_cursor() as cursor:
        cursor.execute(SEARCH_TERMS_LOCK)


def search_term_ranks_sql(vectors: str) -> str:
    """The INSERT of each record's rank for every search term among its words, for the
    search vectors in `vectors` (a relation of record_id and vector, such as the RETURNING
    of their own INSERT): run with SEARCH_TERMS_LOCK held, in the transaction that writes
    them. Each record's words are looked up among the few terms, rather than each term's
    many matches scanned for the records."""
    return (
        f"{_RANKS_INSERT} FROM {vectors} s "
        "CROSS JOIN LATERAL unnest(tsvector_to_array(s.vector)) AS w(word) "
        "JOIN catalog_searchterm t ON t.word = w.word"
    )


# Ranks of records for terms, from `s` (their search vectors) and `t` (the terms).
_RANKS_INSERT = (
    "INSERT INTO catalog_searchtermrank (record_id, term, rank) "
    "SELECT s.record_id, t.query, ts_rank(s.vector, t.query::tsquery)::float8"
)


# The words of the catalog's vectors in `min_records` records or more, each with the text of
# its one-word query: quoted, its quotes and backslashes escaped, and read back as a tsquery
# so that it is written as PostgreSQL writes one ('kor').
_COMMON_WORDS = r"""
    SELECT ('''' || replace(replace(word, '\', '\\'), '''', '''''') || '''')::tsquery::text,
           word, ndoc
    FROM ts_stat('SELECT vector FROM catalog_recordsearch')
    WHERE ndoc >= %s
    ORDER BY ndoc DESC, word
    LIMIT %s"""


def _terms_lock_exclusive() -> bool:
    """Take the lock that excludes writers of search vectors, waiting at most 200 ms at a
    time: while a refresh waits for it, every writer's SEARCH_TERMS_LOCK queues behind the
    refresh, so a long wait would hold up librarians' edits (and a wait shorter than
    PostgreSQL's deadlock check gives way before a cycle through it costs an edit). Tries
    for about 15 seconds; False if the lock never came."""

    def lock() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {SearchTerm._meta.db_table} IN EXCLUSIVE MODE")
        return True

    return bool(lock_waits_retried(lock, attempts=_LOCK_ATTEMPTS, pause=lambda _: 0.1))


_LOCK_ATTEMPTS = 50


@transaction.atomic
def search_terms_refresh(*, min_records: int | None = None) -> dict[str, int] | None:
    """Choose the search terms afresh: the words in `min_records` records or more
    (settings.STACKS_SEARCH_TERM_RECORDS by default), the commonest
    settings.STACKS_SEARCH_TERMS_MAX of them at most, with each matching record's rank for
    it; words no longer among them lose theirs. Returns the terms and how many records had
    each, or None if writers of the catalog held it off for too long (nothing changed). Run
    after a large import (and by `manage.py refresh_search_terms`); between runs the catalog
    keeps the terms it has, and every search is right either way (only slower for a common
    word not yet a term)."""
    if min_records is None:
        min_records = settings.STACKS_SEARCH_TERM_RECORDS
    with connection.cursor() as cursor:
        # Counted before the lock is taken: which words count as common need not be exact.
        cursor.execute(_COMMON_WORDS, [min_records, settings.STACKS_SEARCH_TERMS_MAX])
        words = {query: (word, records) for query, word, records in cursor.fetchall()}
        if not _terms_lock_exclusive():
            return None
        kept = set(SearchTerm.objects.values_list("query", flat=True))
        cursor.execute(
            "DELETE FROM catalog_searchtermrank WHERE term = ANY(%s)", [sorted(kept - set(words))]
        )
        SearchTerm.objects.all().delete()
        SearchTerm.objects.bulk_create(
            SearchTerm(query=query, word=word, records=records)
            for query, (word, records) in words.items()
        )
        # A new term's matches, from the search vectors' index.
        cursor.execute(
            f"{_RANKS_INSERT} FROM catalog_searchterm t "
            "JOIN catalog_recordsearch s ON s.vector @@ t.query::tsquery "
            "WHERE t.query = ANY(%s)",
            [sorted(set(words) - kept)],
        )
        # Ranks of records deleted without the terms' lock (not through the catalog's
        # services) while a refresh was writing theirs.
        cursor.execute(
            "DELETE FROM catalog_searchtermrank t WHERE NOT EXISTS "
            "(SELECT FROM catalog_recordsearch s WHERE s.record_id = t.record_id)"
        )
        # Fresh statistics, so the planner takes the terms for the few rows they are and
        # hashes them to look each writer's words up in, not the other way round.
        cursor.execute(f"ANALYZE {SearchTerm._meta.db_table}")
    return {query: records for query, (_, records) in words.items()}


# --- The catalog's words, for spelling suggestions ---------------------------------------------

_WORDS_TABLE = SearchWord._meta.db_table


def _spellings_of(text: str) -> str:
    """SQL of the words of `text` as the catalog spells them (catalog.text.spelling_text_sql):
    lower case, not stemmed, accents kept."""
    return f"tsvector_to_array(to_tsvector('simple', {spelling_text_sql(text)}))"


# A word worth suggesting: three letters or more, no digits or punctuation (numbers, codes,
# addresses), not a stop word (which search ignores, so it could never find anything).
_WORD_KEPT = (
    "length(word) BETWEEN 3 AND 40 AND word !~ '[[:digit:][:punct:]]' "
    f"AND length(to_tsvector('{SEARCH_CONFIG}', word)) > 0"
)
# Its three-letter pieces, as catalog.search.spelling cuts a typed word.
_WORD_GRAMS = (
    "ARRAY(SELECT DISTINCT substr('  ' || word || ' ', i, 3) "
    "FROM generate_series(1, length(word) + 1) i)"
)

# The words search reads for each spelling `s.spelling` (k.lexeme: "müller" is "muller", then
# "mueller"; "o'brien" is "obrien", then "o" and "brien"), the first of them its own (the
# others find it but are spelt so themselves). A spelling with punctuation ("garcía-márquez")
# is left out: the parser gave its parts as words of their own.
_SPELLINGS_KEYED = (
    f"CROSS JOIN LATERAL unnest(to_tsvector('simple', {search_text_sql('s.spelling')})) k "
    "WHERE s.spelling !~ '[[:punct:]]'"
)
_OWN = "k.positions[1] = 1"
_SHOWN = spelling_shown_sql("s.spelling")
# The order in which a word's spellings are chosen: its own first, the commonest, then one
# with accents (which tell more than the word without them), then the first in the alphabet.
_SPELLINGS_ORDER = "s.spelling = k.lexeme, s.spelling"
# The spelling a word keeps: '' when it is the word itself.
_SPELLING_KEPT = "CASE WHEN spelling = word THEN '' ELSE spelling END"

_RECORDS_WORDS_ADD = (
    f"INSERT INTO {_WORDS_TABLE} (word, records, grams, spelling) "  # noqa: S608 - no input in the SQL
    f"SELECT word, 1, {_WORD_GRAMS}, {_SPELLING_KEPT} FROM ("
    f"SELECT DISTINCT ON (k.lexeme) k.lexeme AS word, "
    f"CASE WHEN {_OWN} THEN {_SHOWN} ELSE k.lexeme END AS spelling "
    "FROM (SELECT DISTINCT w.spelling FROM catalog_record r CROSS JOIN LATERAL unnest("
    + _spellings_of(" || ' ' || ".join(_RECORD_TEXT.values()))
    + f") w(spelling) WHERE r.id = ANY(%s)) s {_SPELLINGS_KEYED} "
    f"ORDER BY k.lexeme, {_OWN} DESC, {_SPELLINGS_ORDER}) words WHERE {_WORD_KEPT} "
    # In one order, so that two writers adding the same new words wait for each other
    # rather than deadlock.
    "ORDER BY word ON CONFLICT (word) DO NOTHING"
)


def search_words_add(record_ids: Sequence[int]) -> None:
    """Add the words of these records that the catalog's word list lacks (counted once, in
    the first spelling met, until the next search_words_refresh). Call it from a short
    transaction: a new word's row is held until commit by whoever added it."""
    if record_ids:
        with connection.cursor() as cursor:
            cursor.execute(_RECORDS_WORDS_ADD, [list(record_ids)])


# Every spelling of the catalog with the number of records it is in (a name or heading counts
# once for each record it is linked to).
# The records' own spellings come first, by ts_stat alone: on Citus a statement naming the
# library's tables runs on its worker node, where ts_stat's query could not be run.
_RECORD_SPELLINGS = f"""
    SELECT word, ndoc FROM ts_stat($$SELECT to_tsvector('simple', {
    spelling_text_sql("r.title || ' ' || r.subtitle || ' ' || " + _RECORD_TEXT["rest"])
}) FROM catalog_record r$$)"""  # noqa: S608 - no input in the SQL

_ALL_SPELLINGS = f"""
    SELECT spelling, sum(n) AS n FROM (
        SELECT spelling, n FROM unnest(%s::text[], %s::integer[]) AS recorded(spelling, n)
        UNION ALL
        SELECT w.spelling, l.n FROM (SELECT contributor_id AS id, count(*) AS n
            FROM catalog_recordcontributor GROUP BY 1) l
        JOIN catalog_contributor c ON c.id = l.id
        CROSS JOIN LATERAL unnest({_spellings_of("c.name")}) w(spelling)
        UNION ALL
        SELECT w.spelling, l.n FROM (SELECT subject_id AS id, count(*) AS n
            FROM catalog_recordsubject GROUP BY 1) l
        JOIN catalog_subject s ON s.id = l.id
        CROSS JOIN LATERAL unnest({_spellings_of("s.heading")}) w(spelling)
    ) counted GROUP BY spelling"""  # noqa: S608 - no input in the SQL

# Every word search reads, with the records of its spellings (a record that spells a word two
# ways, "Müller" and "Mueller", counts for each) and its commonest own spelling.
_ALL_WORDS = f"""
    SELECT k.lexeme AS word, sum(s.n)::integer AS records,
        coalesce((array_agg({_SHOWN} ORDER BY s.n DESC, {_SPELLINGS_ORDER})
            FILTER (WHERE {_OWN}))[1], k.lexeme) AS spelling
    FROM ({_ALL_SPELLINGS}) s {_SPELLINGS_KEYED}
    GROUP BY k.lexeme"""  # noqa: S608 - no input in the SQL


@transaction.atomic
def search_words_refresh() -> int:
    """Count the catalog's words afresh, and choose each one's commonest spelling: words of
    deleted or changed records go, every count is made again. Run after each large import
    (and by `manage.py refresh_search_terms`); returns how many words the catalog has."""
    with connection.cursor() as cursor:
        cursor.execute(_RECORD_SPELLINGS)
        recorded = cursor.fetchall()
        # Only the rows that differ are written: most words keep their row and its pieces.
        cursor.execute(
            f"WITH counted AS MATERIALIZED (SELECT word, records, {_SPELLING_KEPT} AS spelling "  # noqa: S608 - no input in the SQL
            f"FROM ({_ALL_WORDS}) w WHERE {_WORD_KEPT}), "
            f"gone AS (DELETE FROM {_WORDS_TABLE} t WHERE NOT EXISTS "
            "(SELECT FROM counted c WHERE c.word = t.word)) "
            f"INSERT INTO {_WORDS_TABLE} (word, records, grams, spelling) "
            f"SELECT word, records, {_WORD_GRAMS}, spelling FROM counted ORDER BY word "
            "ON CONFLICT (word) DO UPDATE "
            "SET records = EXCLUDED.records, spelling = EXCLUDED.spelling "
            f"WHERE ({_WORDS_TABLE}.records, {_WORDS_TABLE}.spelling) "
            "<> (EXCLUDED.records, EXCLUDED.spelling)",
            [[word for word, _ in recorded], [n for _, n in recorded]],
        )
        cursor.execute(f"SELECT count(*) FROM {_WORDS_TABLE}")  # noqa: S608 - no input in the SQL
        return int(cursor.fetchone()[0])
