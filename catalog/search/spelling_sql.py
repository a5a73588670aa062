"""The hand-written read SELECTs of the catalog's word list (SearchWord), for spelling
suggestions (catalog.search.spelling); the rest of the catalog's are in catalog.search.sql."""

from django.db import connection

from catalog.models import SearchWord
from catalog.search.sql import Rows
from catalog.text import SEARCH_CONFIG

_WORDS_TABLE = SearchWord._meta.db_table

# A word's spelling as the catalog gives it most often (catalog.models.SearchWord.spelling).
_SPELLING = "coalesce(nullif(spelling, ''), word)"

# Typed words the catalog has, with their spelling, or that search ignores (stop words, never
# in the word list: spelt as typed).
_WORDS_KNOWN_SQL = f"""
    SELECT typed, coalesce(nullif(w.spelling, ''), typed) FROM unnest(%s::text[]) typed
    LEFT JOIN {_WORDS_TABLE} w ON w.word = typed
    WHERE w.word IS NOT NULL OR length(to_tsvector(%s::regconfig, typed)) = 0"""  # noqa: S608 - no input in the SQL

# The words sharing most of a typed word's pieces, of a length near its own, commonest first
# among equals: the few whose edit distance is then worth computing.
_WORDS_ALIKE_SQL = f"""
    SELECT word, records, {_SPELLING} FROM {_WORDS_TABLE}
    WHERE grams && %s::text[] AND length(word) BETWEEN %s AND %s
    ORDER BY cardinality(ARRAY(SELECT unnest(grams) INTERSECT SELECT unnest(%s::text[]))) DESC,
             records DESC, word
    LIMIT %s"""  # noqa: S608 - no input in the SQL


# The words among many spellings, sent as one string (a few hundred quoted array elements
# cost more to send than to look up).
_WORDS_COUNTED_SQL = f"""
    SELECT word, records, {_SPELLING} FROM {_WORDS_TABLE}
    WHERE word = ANY(string_to_array(%s, ' '))"""  # noqa: S608 - no input in the SQL


def words_counted(spellings: list[str]) -> Rows:
    """(word, records, spelling) of those of `spellings` (without spaces) that the catalog's
    words are."""
    with connection.cursor() as cursor:
        cursor.execute(_WORDS_COUNTED_SQL, [" ".join(spellings)])
        return cursor.fetchall()


def words_known(words: list[str]) -> dict[str, str]:
    """Those of `words` (lower case, folded) that the catalog's word list has, each with its
    spelling there, or that search ignores, each as it is."""
    with connection.cursor() as cursor:
        cursor.execute(_WORDS_KNOWN_SQL, [words, SEARCH_CONFIG])
        return dict(cursor.fetchall())


def words_alike(grams: list[str], *, shortest: int, longest: int, limit: int) -> Rows:
    """(word, records, spelling) of up to `limit` words from `shortest` to `longest` letters
    long that share the most of `grams` (catalog.models.SearchWord.grams)."""
    with connection.cursor() as cursor:
        cursor.execute(_WORDS_ALIKE_SQL, [grams, shortest, longest, grams, limit])
        return cursor.fetchall()
