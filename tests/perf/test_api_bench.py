"""API latency and throughput over real HTTP through gunicorn, beside a bare WSGI floor.

A library is filled with STACKS_BENCH_RECORDS generated records (default 100,000) through the
import's COPY path; `gunicorn config.wsgi` then serves its API with deploy/gunicorn.conf.py
(two workers), and tests/perf/bare_wsgi.py serves the floor under the same settings: the SQL
the API ran for the same request (taken from Django's query log) answered as orjson. Figures:
list and search latency (p50, p95; one caller, its requests to the API and to the floor
alternating) and requests per second. Targets (printed, not asserted):
list p50 within 2x of its floor, search p95 under 50 ms.
"""

import contextlib
import io
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
from django.core.cache import caches
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from catalog.imports.accounting import CATALOG_TABLES, statistics_refresh
from catalog.imports.formats.source import ItemData, SourceRecord
from catalog.imports.generate import isbn13
from catalog.imports.writing import records_bulk_create
from catalog.models import Record
from catalog.services import RecordData, search_terms_refresh
from tests.conftest import ROOT, free_port, process_stop, subprocess_env
from tests.perf.results import p50_p95, record, record_p50_p95

REQUESTS = int(os.environ.get("STACKS_BENCH_REQUESTS", "300"))
THREADS = 4
CHUNK = 5000


def _records() -> int:
    return int(os.environ.get("STACKS_BENCH_RECORDS", "100000"))


# --- A catalog that reads like one ----------------------------------------------------------

_ONSETS = [*"bcdfghjklmnprstvw", "br", "ch", "cl", "dr", "fl", "gr", "pl", "sh", "st", "th", "tr"]
_VOWELS = [*"aeiou", "ai", "ea", "ee", "oa", "ou", "ie"]
_CODAS = ["", "", "n", "r", "s", "t", "l", "nd", "rk", "st", "ng", "th"]


def _word(rng: random.Random, syllables: int) -> str:
    return "".join(
        rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(syllables)
    )


class Vocabulary:
    """Distinct made-up words used with Zipf frequencies, as words are in real titles."""

    def __init__(self, rng: random.Random, size: int) -> None:
        words: set[str] = set()
        while len(words) < size:
            words.add(_word(rng, rng.choice((1, 2, 2, 3))))
        self.words = sorted(words, key=lambda w: (len(w), w))
        rng.shuffle(self.words)
        self.weights = [1 / rank for rank in range(1, size + 1)]
        self.rng = rng

    def pick(self, count: int) -> list[str]:
        return self.rng.choices(self.words, weights=self.weights, k=count)


def catalog_generate(count: int, seed: int = 7) -> Iterator[SourceRecord]:
    rng = random.Random(seed)
    vocabulary = Vocabulary(rng, 20_000)
    surnames = sorted({_word(rng, rng.choice((2, 3))).capitalize() for _ in range(4000)})
    given = sorted({_word(rng, 2).capitalize() for _ in range(600)})
    headings = sorted({" ".join(vocabulary.pick(2)).capitalize() for _ in range(1500)})
    languages = ["eng"] * 6 + ["fre", "ger", "spa", "ita"]
    for n in range(1, count + 1):
        contributors = [
            (f"{rng.choice(surnames)}, {rng.choice(given)}", "author" if i == 0 else "editor")
            for i in range(rng.choice((1, 1, 1, 2, 3)))
        ]
        data = RecordData(
            title=" ".join(vocabulary.pick(rng.randint(2, 8))).capitalize(),
            subtitle=" ".join(vocabulary.pick(rng.randint(0, 5))),
            publisher=f"{rng.choice(surnames)} Press",
            publication_year=rng.randint(1890, 2025),
            language=rng.choice(languages),
            contributors=contributors,
            subjects=[(rng.choice(headings), "lcsh") for _ in range(rng.randint(1, 3))],
            identifiers=[("isbn", isbn13(n))],
            control_number=f"bench{n:09d}",
            control_number_source="BENCH",
        )
        items = [ItemData(barcode=f"B{n:09d}", call_number=f"{n % 1000:03d}", location="MAIN")]
        yield SourceRecord(position=n, raw=b"", data=data, items=items)


def catalog_fill(schema: str, count: int) -> None:
    """Records, credits, subjects, identifiers and copies through the import's COPY path."""
    with schema_context(schema):
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")
        chunk: list[SourceRecord] = []
        created = 0
        for source in catalog_generate(count):
            chunk.append(source)
            if len(chunk) == CHUNK or source.position == count:
                with transaction.atomic():
                    records_bulk_create(chunk)
                created += len(chunk)
                # As an import does: fresh planner statistics as the catalog grows, or each
                # chunk's lookups are planned for an empty catalog and slow down.
                statistics_refresh(created, len(chunk))
                chunk = []
        # As a large import leaves them (catalog.imports.accounting.statistics_after).
        search_terms_refresh()
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO on")
            cursor.execute(
                "VACUUM (ANALYZE) catalog_record, catalog_recordsearch, catalog_searchtermrank"
            )
            for table in CATALOG_TABLES:
                cursor.execute(f"ANALYZE {table._meta.db_table}")
        assert Record.objects.count() == count


def isbn10(isbn: str) -> str:
    body = isbn[3:12]
    check = sum((10 - i) * int(d) for i, d in enumerate(body)) % 11
    digit = "X" if (11 - check) % 11 == 10 else str((11 - check) % 11)
    return f"{body[0]}-{body[1:4]}-{body[4:9]}-{digit}"


def search_terms(schema: str, count: int) -> list[str]:
    """What people type: a title's words (common and rare ones), a surname, an ISBN, a phrase."""
    # The same records each run (the catalog itself is generated from a fixed seed), so that
    # runs compare: a p95 depends on how common the words picked are.
    rng = random.Random(11)
    with schema_context(schema):
        ids = list(Record.objects.order_by("pk").values_list("pk", flat=True))
        chosen = rng.sample(ids, 50)
        title_of = dict(Record.objects.filter(pk__in=chosen[:40]).values_list("pk", "title"))
        titles = [title_of[pk] for pk in chosen[:40]]
        first_author = dict(
            Record.objects.filter(pk__in=chosen[40:], credits__position=0).values_list(
                "pk", "credits__contributor__name"
            )
        )
        names = [first_author[pk] for pk in chosen[40:] if pk in first_author]
    terms = []
    for title in titles[:20]:
        terms.append(rng.choice(title.split()))
    for title in titles[20:30]:
        words = title.split()
        terms.append(" ".join(words[:2]))
    for title in titles[30:35]:
        terms.append(f'"{" ".join(title.split()[:3])}"')
    terms += [name.split(",")[0] for name in names]
    # ISBNs as typed: plain, and hyphenated ISBN-10.
    terms += [isbn13(count // 3), isbn10(isbn13(count // 2))]
    return terms


# --- Servers ----------------------------------------------------------------------------------


class Gunicorn:
    """`gunicorn -c deploy/gunicorn.conf.py <app>` with two workers, as deployed."""

    def __init__(self, app: str, log: Path, **env: str) -> None:
        self.port = free_port()
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", app],
            cwd=ROOT,
            env=subprocess_env(
                PORT=str(self.port), WEB_CONCURRENCY="2", DEBUG="0", LOG_FORMAT="json",
                # The throttles still run on every request; their ceilings are out of the way.
                API_RATE_PER_CALLER="10000000/min", API_RATE_PER_ADDRESS="10000000/min",
                **{"DJANGO_SETTINGS_MODULE": "tests.settings", **env},
            ),
            stdout=log.open("ab"), stderr=subprocess.STDOUT,
        )  # fmt: skip

    @classmethod
    def with_floor(
        cls, schema: str, statements: dict[str, object], tmp_path: Path, **env: str
    ) -> tuple["Gunicorn", "Gunicorn"]:
        """The project's server (with `env`), and the floor's: bare WSGI answering each of
        `statements`' names by running its captured SQL in `schema`. They share a log."""
        sql_file = tmp_path / "floor.json"
        sql_file.write_text(json.dumps(statements))
        log = ROOT / ".stacks" / "bench-gunicorn.log"
        log.parent.mkdir(exist_ok=True)
        floor = cls(
            "tests.perf.bare_wsgi:application", log,
            STACKS_FLOOR_SQL=str(sql_file), STACKS_FLOOR_SCHEMA=schema,
        )  # fmt: skip
        return cls("config.wsgi", log, **env), floor

    def wait(self, path: str, host: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log}")
            try:
                if requests.get(self.url(path), headers={"Host": host}, timeout=5).ok:
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass  # not up yet, or slow to answer its first request on a loaded machine
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn not answering after {timeout}s; see {self.log}")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        process_stop(self.process)


# --- Measuring --------------------------------------------------------------------------------


def _timed(session: requests.Session, url: str, host: str) -> float:
    started = time.perf_counter()
    response = session.get(url, headers={"Host": host}, timeout=30)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code, response.text[:300])
    return elapsed * 1000


def latencies(
    urls: list[str], floor_urls: list[str], host: str
) -> tuple[tuple[float, float], tuple[float, float]]:
    """p50 and p95 in milliseconds of one caller asking for `urls` in turn, REQUESTS times,
    and of the same for `floor_urls` (the same requests to the floor): the two alternate,
    request by request, so that both meet the machine as it is at that moment (measured one
    after the other, a quieter minute for either moved their ratio by a quarter)."""
    session, floor_session = requests.Session(), requests.Session()
    for url, floor_url in list(zip(urls, floor_urls, strict=True))[:10]:
        _timed(session, url, host)  # warm both workers' connections and caches
        _timed(floor_session, floor_url, host)
    times, floor_times = [], []
    for i in range(REQUESTS):
        floor_times.append(_timed(floor_session, floor_urls[i % len(floor_urls)], host))
        times.append(_timed(session, urls[i % len(urls)], host))
    return p50_p95(times), p50_p95(floor_times)


def throughput(urls: list[str], host: str) -> float:
    """Requests per second with THREADS callers at once (both workers kept busy)."""
    total = REQUESTS * 2

    def run(start: int) -> None:
        session = requests.Session()
        for i in range(start, total, THREADS):
            _timed(session, urls[i % len(urls)], host)

    started = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(run, range(THREADS)))
    return total / (time.perf_counter() - started)


def captured_sql(host: str, path: str, *, uncached: bool = False) -> list[str]:
    """The statements the API runs for `path` once warm (the second of two calls), without
    django-tenants' `SET search_path` (the floor selects the schema once per request); with
    `uncached`, a website page made afresh rather than read from the page cache."""
    client = Client(HTTP_HOST=host)
    assert client.get(path).status_code == 200
    if uncached:
        caches["pages"].clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    assert response.get("X-Page-Cache") != "hit"
    connection.set_schema_to_public()
    statements = [q["sql"] for q in queries.captured_queries]
    print(f"\n{path} runs {len(statements)} statements:")
    for sql in statements:
        print(f"  {sql[:150]}")
    return [sql for sql in statements if not sql.startswith("SET ")]


@pytest.fixture
def bench_library(live_library):
    schema = live_library.library.schema_name
    started = time.perf_counter()
    catalog_fill(schema, _records())
    print(f"\nfilled {_records()} records in {time.perf_counter() - started:.1f}s")
    with schema_context(schema):
        live_library.library.public_catalog = True
        live_library.library.save(update_fields=["public_catalog"])
    return live_library


def test_api_list_and_search_against_bare_sql(bench_library, tmp_path):
    count = _records()
    schema = bench_library.library.schema_name
    host = bench_library.domain.domain
    list_path = "/api/v1/records/"
    terms = search_terms(schema, count)
    search_paths = [f"/api/v1/records/?{urlencode({'q': t})}" for t in terms]

    statements = {"list": captured_sql(host, list_path)}
    with contextlib.redirect_stdout(io.StringIO()):
        for i, path in enumerate(search_paths):
            statements[f"search{i}"] = captured_sql(host, path)
    api, floor = Gunicorn.with_floor(schema, statements, tmp_path)
    try:
        api.wait(list_path, host)
        floor.wait("/list", host)
        api_list = [api.url(list_path)]
        floor_list = [floor.url("/list")]
        api_search = [api.url(p) for p in search_paths]
        floor_search = [floor.url(f"/search{i}") for i in range(len(search_paths))]

        list_ms, floor_list_ms = latencies(api_list, floor_list, host)
        search_ms, floor_search_ms = latencies(api_search, floor_search, host)
        floor_list_rps = throughput(floor_list, host)
        list_rps = throughput(api_list, host)
        floor_search_rps = throughput(floor_search, host)
        search_rps = throughput(api_search, host)
    finally:
        api.stop()
        floor.stop()

    suffix = "" if count == 100_000 else f"_{count}"
    record_p50_p95("api_list", list_ms, floor_list_ms, suffix)
    record_p50_p95("api_search", search_ms, floor_search_ms, suffix)
    record(f"api_list_rps{suffix}", list_rps, "req/s", floor_list_rps)
    record(f"api_search_rps{suffix}", search_rps, "req/s", floor_search_rps)
    print(
        f"\ntargets: list p50 within 2x of its floor (now {list_ms[0] / floor_list_ms[0]:.2f}x); "
        f"search p95 under 50 ms (now {search_ms[1]:.1f} ms)"
    )
