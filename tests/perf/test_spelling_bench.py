"""Spelling suggestions at 100,000 records (STACKS_BENCH_RECORDS), beside raw SQL floors.

The catalog is the API benchmark's (made-up words used with Zipf frequencies). Figures:
- counting every word afresh (search_words_refresh, after a large import) beside the raw
  ts_stat over the stored search vectors that choosing the search terms already runs;
- a suggestion for a misspelt word (p50, p95) beside the search that found nothing (a count
  of the word's matches in the search vectors, raw SQL), and how often it gives back the word
  that was misspelt (one edit: a transposed pair, a letter left out, doubled or changed);
- a record written by the catalog's services: adding its new words beside its search vector.
Targets (printed, not asserted): a suggestion under 20 ms at p95, right 80% of the time.
"""

import random
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, transaction
from django_tenants.utils import schema_context

from catalog.models import Record, SearchWord
from catalog.search import spelling_suggest
from catalog.services import record_search_refresh, search_words_add, search_words_refresh
from tests.perf.results import p50_p95, record
from tests.perf.test_api_bench import _records, catalog_fill

SAMPLES = 200
# The floors: counting the search vectors' lexemes, and a word's matches (a search that
# found nothing).
LEXEMES_COUNT = "SELECT count(*) FROM ts_stat('SELECT vector FROM catalog_recordsearch')"
MATCHES_COUNT = (
    "SELECT count(*) FROM catalog_recordsearch WHERE vector @@ websearch_to_tsquery('english', %s)"
)


def _ms(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def _misspelt(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word) - 1)
    match rng.randrange(4):
        case 0:
            return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        case 1:
            return word[:i] + word[i + 1 :]
        case 2:
            return word[:i] + word[i] + word[i:]
        case _:
            letter = rng.choice([c for c in "aeioustrnl" if c != word[i]])
            return word[:i] + letter + word[i + 1 :]


def _sql_value(statement: str, params: Sequence[object] = ()) -> Any:
    """The first value a raw SQL statement answers."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()[0]


def test_spelling_suggestions_against_raw_sql(live_library):
    count = _records()
    suffix = "" if count == 100_000 else f"_{count}"
    schema = live_library.library.schema_name
    started = time.perf_counter()
    catalog_fill(schema, count)
    print(f"\nfilled {count} records in {time.perf_counter() - started:.1f}s")
    with schema_context(schema):
        started = time.perf_counter()
        lexemes = _sql_value(LEXEMES_COUNT)
        floor_refresh = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        words = search_words_refresh()
        refresh = (time.perf_counter() - started) * 1000
        print(f"{words} words (the vectors have {lexemes} lexemes)")
        # A second refresh, of a catalog that did not change, writes nothing.
        started = time.perf_counter()
        search_words_refresh()
        refresh_again = (time.perf_counter() - started) * 1000
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE catalog_searchword")

        rng = random.Random(5)
        known = set(SearchWord.objects.values_list("word", flat=True))
        pool = sorted(w for w in known if len(w) >= 5)
        typos = []
        while len(typos) < SAMPLES:
            word = rng.choice(pool)
            typo = _misspelt(word, rng)
            if typo not in known:
                typos.append((word, typo))
        suggest_times, floor_times, right = [], [], 0
        for word, typo in typos:
            floor_times.append(_ms(lambda t=typo: _sql_value(MATCHES_COUNT, [t])))
            answer: list[str | None] = []
            suggest_times.append(_ms(lambda t=typo, a=answer: a.append(spelling_suggest(t))))
            right += answer[0] == word
        suggest_p50, suggest_p95 = p50_p95(suggest_times)
        floor_p50, floor_p95 = p50_p95(floor_times)

        ids = list(Record.objects.order_by("?").values_list("pk", flat=True)[:SAMPLES])
        add_times, vector_times = [], []
        for record_id in ids:
            with transaction.atomic():
                vector_times.append(_ms(lambda r=record_id: record_search_refresh([r])))
                add_times.append(_ms(lambda r=record_id: search_words_add([r])))

    record(f"spelling_words_refresh{suffix}", refresh, "ms", floor_refresh)
    record(f"spelling_words_refresh_unchanged{suffix}", refresh_again, "ms", floor_refresh)
    record(f"spelling_suggest_p50{suffix}", suggest_p50, "ms", floor_p50)
    record(f"spelling_suggest_p95{suffix}", suggest_p95, "ms", floor_p95)
    record(f"spelling_suggest_right{suffix}", 100 * right / SAMPLES, "%", 100)
    record(
        f"spelling_words_add_per_record{suffix}",
        statistics.median(add_times), "ms", statistics.median(vector_times),
    )  # fmt: skip
    print(
        f"\ntargets: a suggestion under 20 ms at p95 (now {suggest_p95:.1f} ms), "
        f"right 80% of the time (now {100 * right / SAMPLES:.0f}%)"
    )
