"""Check-out and check-in latency over real HTTP through gunicorn, beside their SQL floor.

A library of STACKS_BENCH_CIRC_ITEMS items (default 20,000; 100,000 for the issue's size) with
a tenth as many patrons and a fifth as many open loans is served by `gunicorn config.wsgi`
(deploy/gunicorn.conf.py, two workers); tests/perf/circulation_floor.py serves the floor: the
statements loan_checkout and loan_checkin run, written out as SQL, in one transaction each.
One caller (a self-check machine's patron-scoped key) checks out and then checks in
STACKS_BENCH_REQUESTS items, its requests to the API and to the floor alternating, each on an
item of its own. Target (printed, not asserted): p95 under 2x of the floor.
"""

import os
import random
import time

import pytest
import requests
from django.db import connection
from django_tenants.utils import schema_context

from staff.services import api_key_create
from tests.conftest import ROOT
from tests.perf.results import p50_p95, record_p50_p95
from tests.perf.test_api_bench import Gunicorn, catalog_fill

REQUESTS = int(os.environ.get("STACKS_BENCH_REQUESTS", "300"))


def _items() -> int:
    return int(os.environ.get("STACKS_BENCH_CIRC_ITEMS", "20000"))


def lending_fill(schema: str, items: int) -> None:
    """Patrons (a tenth of the items) and open loans (a fifth), spread over the patrons, in SQL."""
    patrons, loans = items // 10, items // 5
    with schema_context(schema), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO circulation_patron (name, barcode, email, category, notes, pin_hash,"
            " created_at, updated_at) SELECT 'Patron ' || n, 'P' || lpad(n::text, 9, '0'),"
            " 'p' || n || '@bench.example', 'adult', '', '', now(), now()"
            " FROM generate_series(1, %s) AS n",
            [patrons],
        )
        # Every fifth item is on loan, to the patrons in turn.
        cursor.execute(
            "WITH lent AS (SELECT i.id, row_number() OVER (ORDER BY i.id) AS n FROM catalog_item i"
            " WHERE i.id %% 5 = 0 LIMIT %s)"
            " INSERT INTO circulation_loan (item_id, patron_id, checked_out_at, due_on, renewals)"
            " SELECT lent.id, p.id, now(), current_date + 14, 0 FROM lent"
            " JOIN circulation_patron p"
            " ON p.barcode = 'P' || lpad((1 + lent.n %% %s)::text, 9, '0')",
            [loans, patrons],
        )
        cursor.execute(
            "UPDATE catalog_item SET status = 'on_loan' WHERE id IN"
            " (SELECT item_id FROM circulation_loan WHERE returned_at IS NULL)"
        )
        cursor.execute(
            "VACUUM (ANALYZE) circulation_patron, circulation_loan, catalog_item, catalog_change"
        )
        cursor.execute("SELECT count(*) FROM circulation_loan WHERE returned_at IS NULL")
        assert cursor.fetchone()[0] == loans


def _timed(session: requests.Session, url: str, host: str, json: dict | None = None) -> float:
    started = time.perf_counter()
    response = session.post(url, headers={"Host": host}, json=json, timeout=30)
    elapsed = time.perf_counter() - started
    assert response.status_code in (200, 201), (url, response.status_code, response.text[:300])
    return elapsed * 1000


def _ready(server: Gunicorn, host: str, timeout: float = 120) -> None:
    """Wait for a server's first answer (on a busy machine its first request may take a while)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            server.wait("/healthz", host, timeout=timeout)
            return
        except requests.Timeout:
            if time.monotonic() > deadline:
                raise


@pytest.fixture
def lending_library(live_library):
    schema = live_library.library.schema_name
    started = time.perf_counter()
    catalog_fill(schema, _items())
    lending_fill(schema, _items())
    print(f"\nfilled {_items()} items in {time.perf_counter() - started:.1f}s")
    return live_library


def test_checkout_and_checkin_against_their_sql(lending_library):
    count = _items()
    schema = lending_library.library.schema_name
    host = lending_library.domain.domain
    with schema_context(schema):
        key = api_key_create(name="Self-check", scope="write", patrons=True).secret
    # Free items (not every fifth) and patrons, in a fixed random order, half for each side.
    rng = random.Random(5)
    free = [n for n in range(1, count + 1) if n % 5 != 0]
    chosen = rng.sample(free, 2 * (REQUESTS + 10))
    patrons = count // 10
    work = [(f"B{n:09d}", f"P{rng.randint(1, patrons):09d}") for n in chosen]
    api_work, floor_work = work[: REQUESTS + 10], work[REQUESTS + 10 :]

    log = ROOT / ".stacks" / "bench-gunicorn.log"
    log.parent.mkdir(exist_ok=True)
    api = Gunicorn("config.wsgi", log)
    floor = Gunicorn("tests.perf.circulation_floor:application", log, STACKS_FLOOR_SCHEMA=schema)
    session, floor_session = requests.Session(), requests.Session()
    session.headers["Authorization"] = f"Api-Key {key}"
    out, floor_out, back, floor_back = [], [], [], []
    try:
        _ready(api, host)
        _ready(floor, host)
        for i, ((item, patron), (f_item, f_patron)) in enumerate(
            zip(api_work, floor_work, strict=True)
        ):
            f = _timed(floor_session, floor.url(f"/checkout?item={f_item}&patron={f_patron}"), host)
            a = _timed(session, api.url("/api/v1/loans/"), host,
                       {"item_barcode": item, "patron_barcode": patron})  # fmt: skip
            if i >= 10:  # the first ten warm both sides
                floor_out.append(f)
                out.append(a)
        for i, ((item, _), (f_item, _)) in enumerate(zip(api_work, floor_work, strict=True)):
            f = _timed(floor_session, floor.url(f"/checkin?item={f_item}"), host)
            a = _timed(session, api.url("/api/v1/loans/return/"), host, {"item_barcode": item})
            if i >= 10:
                floor_back.append(f)
                back.append(a)
    finally:
        api.stop()
        floor.stop()

    out_ms, floor_out_ms = p50_p95(out), p50_p95(floor_out)
    in_ms, floor_in_ms = p50_p95(back), p50_p95(floor_back)
    suffix = "" if count == 100_000 else f"_{count}"
    record_p50_p95("circulation_checkout", out_ms, floor_out_ms, suffix)
    record_p50_p95("circulation_checkin", in_ms, floor_in_ms, suffix)
    print(
        f"\ntarget: p95 under 2x the floor (check-out {out_ms[1] / floor_out_ms[1]:.2f}x, "
        f"check-in {in_ms[1] / floor_in_ms[1]:.2f}x)"
    )
