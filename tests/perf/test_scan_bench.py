"""Scan-to-add over real HTTP: from the scanner's Enter to the prefilled form, beside its SQL.

The library catalogues STACKS_BENCH_SCAN_RECORDS generated records (default 10,000); another
library shares STACKS_BENCH_POOL_RECORDS records in the platform's pool (default 100,000,
written straight into the pool's table: the bench measures the lookup, not the feed).
`gunicorn config.wsgi` serves /staff/add/?isbn=... to a signed-in librarian, an ISBN the
library has (a catalog hit: the record and "add a copy") and an ISBN only the pool has (the
prefilled record form); the floor is tests/perf/bare_wsgi.py running the SQL the same request
ran. Figures: p50 and p95 of each, requests alternating with the floor's. Target (printed,
not asserted): p95 under 150 ms for both.
"""

import os
import random
import re
import time

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from catalog.imports.generate import isbn13
from staff.models import User
from tenants.models import Library, PoolRecord
from tenants.pool import _vector_refresh
from tenants.services import library_create, library_drop
from tests.conftest import PASSWORD
from tests.perf.results import p50_p95, record_p50_p95
from tests.perf.test_api_bench import Gunicorn, catalog_fill

REQUESTS = int(os.environ.get("STACKS_BENCH_REQUESTS", "300"))
CHUNK = 5000


def _own() -> int:
    return int(os.environ.get("STACKS_BENCH_SCAN_RECORDS", "10000"))


def _pooled() -> int:
    return int(os.environ.get("STACKS_BENCH_POOL_RECORDS", "100000"))


def pool_isbn(n: int) -> str:
    """ISBNs (979-1...) that no generated catalog record has: only the pool answers them."""
    body = f"9791{n % 10**8:08d}"
    check = (10 - sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body)) % 10) % 10
    return body + str(check)


def pool_fill(library: Library, count: int) -> None:
    rng = random.Random(5)
    for start in range(1, count + 1, CHUNK):
        rows = [
            PoolRecord(
                library=library,
                record_id=n,
                title=f"Pooled title {n} {rng.randint(0, 10**6)}",
                contributors=[[f"Author{n % 5000}, Given", "author"]],
                identifiers=[["isbn", pool_isbn(n)]],
                isbns=[pool_isbn(n)],
                publisher="Pool Press",
                publication_year=rng.randint(1900, 2025),
            )
            for n in range(start, min(start + CHUNK, count + 1))
        ]
        PoolRecord.objects.bulk_create(rows)
        _vector_refresh(library.pk, [r.record_id for r in rows])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) tenants_poolrecord")


def page_sql(host: str, schema: str, email: str, path: str) -> list[str]:
    """The statements /staff/add/ runs for `path` once warm, without `SET search_path`."""
    client = Client(HTTP_HOST=host)
    with schema_context(schema):
        client.force_login(User.objects.get(email=email))
    assert client.get(path).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    connection.set_schema_to_public()
    # A form's choices are read through a server-side cursor; the floor reads them plainly.
    return [
        re.sub(r'^DECLARE "[^"]+" .*? FOR ', "", q["sql"])
        for q in queries.captured_queries
        if not q["sql"].startswith("SET ")
    ]


def _timed(session: requests.Session, url: str, host: str, expect: str) -> float:
    started = time.perf_counter()
    response = session.get(url, headers={"Host": host}, timeout=30, allow_redirects=False)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code, response.text[:300])
    assert expect in response.text, url
    return elapsed * 1000


@pytest.fixture
def sharer(live_db):  # type: ignore[no-untyped-def]
    schema = f"share_{os.urandom(3).hex()}"
    made = library_create(
        schema_name=schema, name="Sharing Library", domain=f"{schema.replace('_', '-')}.localhost",
        admin_email=f"admin@{schema.replace('_', '-')}.example", admin_password=PASSWORD,
    )  # fmt: skip
    Library.objects.filter(pk=made.library.pk).update(share_records=True)
    yield made.library
    connection.set_schema_to_public()
    library_drop(library=made.library)


def test_scan_to_add_against_bare_sql(live_library, sharer, tmp_path):  # type: ignore[no-untyped-def]
    own, pooled = _own(), _pooled()
    schema = live_library.library.schema_name
    host = live_library.domain.domain
    started = time.perf_counter()
    catalog_fill(schema, own)
    pool_fill(sharer, pooled)
    print(f"\nfilled {own} records and a pool of {pooled} in {time.perf_counter() - started:.1f}s")
    assert settings.STACKS_LOOKUP_SOURCES == []

    rng = random.Random(3)
    catalog_paths = [f"/staff/add/?isbn={isbn13(rng.randint(1, own))}" for _ in range(20)]
    pool_paths = [f"/staff/add/?isbn={pool_isbn(rng.randint(1, pooled))}" for _ in range(20)]
    email = live_library.admin_email
    statements = {
        **{f"catalog{i}": page_sql(host, schema, email, p) for i, p in enumerate(catalog_paths)},
        **{f"pool{i}": page_sql(host, schema, email, p) for i, p in enumerate(pool_paths)},
    }
    web, floor = Gunicorn.with_floor(schema, statements, tmp_path)
    try:
        web.wait("/healthz", host)
        floor.wait("/catalog0", host)
        # Signed in as a librarian is: the login form, its CSRF cookie, the session cookie.
        session = requests.Session()
        session.get(web.url("/staff/login/"), headers={"Host": host})
        token = session.cookies.get("csrftoken")
        signed = session.post(
            web.url("/staff/login/"),
            headers={"Host": host, "Referer": f"http://{host}/staff/login/"},
            data={"username": email, "password": live_library.admin_password,
                  "csrfmiddlewaretoken": token},
            allow_redirects=False,
        )  # fmt: skip
        assert signed.status_code == 302, signed.text[:300]
        floor_session = requests.Session()
        figures = {}
        for kind, paths, expect in (
            ("catalog", catalog_paths, "Already in the catalog"),
            ("pool", pool_paths, "Copy the record shared by"),
        ):
            for i, path in enumerate(paths[:5]):  # warm both servers
                _timed(session, web.url(path), host, expect)
                _timed(floor_session, floor.url(f"/{kind}{i}"), host, "results")
            times, floor_times = [], []
            for n in range(REQUESTS):
                i = n % len(paths)
                floor_times.append(_timed(floor_session, floor.url(f"/{kind}{i}"), host, "results"))
                times.append(_timed(session, web.url(paths[i]), host, expect))
            figures[kind] = (p50_p95(times), p50_p95(floor_times))
    finally:
        web.stop()
        floor.stop()

    suffix = "" if pooled == 100_000 else f"_{pooled}"
    for kind, (latency, floor_latency) in figures.items():
        record_p50_p95(f"scan_{kind}_hit", latency, floor_latency, suffix)
    print(
        f"\ntarget: p95 under 150 ms (catalog hit {figures['catalog'][0][1]:.1f} ms, "
        f"pool hit {figures['pool'][0][1]:.1f} ms)"
    )
