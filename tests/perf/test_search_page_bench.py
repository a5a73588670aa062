"""The catalog's search page over real HTTP through gunicorn, facets included, beside its SQL.

A library is filled as tests/perf/test_api_bench.py fills one (STACKS_BENCH_RECORDS records,
100,000 by default; with BENCH_LARGE=1 they are then copied to 1,000,000, nine times over, by
tests/perf/catalog_copies.py), its page cache off
(tests/perf/settings_uncached.py), and the search page asked for the catalog's commonest word
and for its two commonest words together. The floor is the page's SQL alone (the statements
the same request ran, from Django's query log) answered by tests/perf/bare_wsgi.py. With
BENCH_LARGE=1 the copies' search terms are then chosen afresh, as an import of that size
leaves them, and the API's search is measured too: the same two queries, and the mix of
test_api_bench, each beside the same SQL by bare WSGI. Targets (printed, not asserted): page
p95 under 150 ms for both queries; API search p95 under 50 ms.
"""

import contextlib
import io
import os
import time
from pathlib import Path
from urllib.parse import urlencode

from django.db import connection
from django_tenants.utils import schema_context

from catalog.services import search_terms_refresh
from tests.perf.catalog_copies import catalog_copy
from tests.perf.results import record
from tests.perf.test_api_bench import (  # noqa: F401 - bench_library is a fixture
    Gunicorn,
    bench_library,
    captured_sql,
    latencies,
    search_terms,
)

LARGE = os.environ.get("BENCH_LARGE") == "1"


def test_search_page_with_facets_against_its_sql(bench_library, tmp_path):  # noqa: F811
    schema = bench_library.library.schema_name
    host = bench_library.domain.domain
    count = filled = int(os.environ.get("STACKS_BENCH_RECORDS", "100000"))
    if LARGE:
        started = time.perf_counter()
        # Nine copies of 100,000 (or as many of a smaller fill as make 1,000,000).
        count = catalog_copy(schema, copies=max(1_000_000 // filled - 1, 1))
        print(f"\ncopied to {count} records in {time.perf_counter() - started:.1f}s")
        started = time.perf_counter()
        with schema_context(schema):
            terms = search_terms_refresh()
        print(f"\n{len(terms or ())} search terms chosen in {time.perf_counter() - started:.1f}s")
    with schema_context(schema), connection.cursor() as cursor:
        cursor.execute(
            "SELECT word, ndoc FROM ts_stat('SELECT vector FROM catalog_recordsearch') "
            "ORDER BY ndoc DESC, word LIMIT 2"
        )
        commonest = cursor.fetchall()
    print(f"\ncommonest words: {commonest}")
    queries = {
        "word": commonest[0][0],
        "two_words": f"{commonest[0][0]} {commonest[1][0]}",
    }
    paths = {name: f"/search/?{urlencode({'q': q})}" for name, q in queries.items()}
    statements = {name: captured_sql(host, path, uncached=True) for name, path in paths.items()}
    # The API's searches, by figure: the two queries alone, and the mix of test_api_bench.
    api_paths: dict[str, list[str]] = {}
    if LARGE:
        api_paths = {
            f"api_{name}": [f"/api/v1/records/?{urlencode({'q': q})}"]
            for name, q in queries.items()
        }
        api_paths["api_search"] = [
            f"/api/v1/records/?{urlencode({'q': t})}" for t in search_terms(schema, filled)
        ]
        for name, urls in api_paths.items():
            # The mix's statements go unprinted: forty-odd queries.
            quiet = contextlib.redirect_stdout(io.StringIO()) if len(urls) > 1 else None
            with quiet or contextlib.nullcontext():
                for i, path in enumerate(urls):
                    statements[f"{name}{i}"] = captured_sql(host, path)
    # One caller asks for hundreds of pages a minute: the website's throttle is off.
    site, floor = Gunicorn.with_floor(
        schema, statements, tmp_path, DJANGO_SETTINGS_MODULE="tests.perf.settings_uncached",
        STACKS_WEBSITE_RATE_PER_ADDRESS="0",
    )  # fmt: skip
    figures = {}
    try:
        site.wait("/", host)
        floor.wait("/word", host)
        for name, path in paths.items():
            figures[name] = latencies([site.url(path)], [floor.url(f"/{name}")], host)
        for name, urls in api_paths.items():
            figures[name] = latencies(
                [site.url(p) for p in urls],
                [floor.url(f"/{name}{i}") for i in range(len(urls))],
                host,
            )
    finally:
        site.stop()
        floor.stop()

    suffix = "" if count == 100_000 else f"_{count}"
    for name, ((p50, p95), (floor_p50, floor_p95)) in figures.items():
        prefix = "" if name.startswith("api") else "search_page_"
        record(f"{prefix}{name}_p50{suffix}", p50, "ms", floor_p50)
        record(f"{prefix}{name}_p95{suffix}", p95, "ms", floor_p95)
    print(
        "\ntarget: search page p95 under 150 ms "
        f"(now {figures['word'][0][1]:.1f} ms for a word, "
        f"{figures['two_words'][0][1]:.1f} ms for two words)"
    )
    if api_paths:
        print(
            "target: API search p95 under 50 ms (now "
            + ", ".join(f"{figures[name][0][1]:.1f} ms for {name}" for name in api_paths)
            + f"); load average {Path('/proc/loadavg').read_text().split()[:3]}"
        )
