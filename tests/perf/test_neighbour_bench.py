"""A quiet neighbour: one library's search latency while another library imports a large file.

The stack is `make up`'s, on one machine: `gunicorn config.wsgi` with two workers
(deploy/gunicorn.conf.py) and an imports worker at the niceness `make up` and compose give it
(STACKS_WORKER_NICE, 10; BENCH_NEIGHBOUR_NICE=0 shows the stack without it), which gives way
to readers as configured (STACKS_IMPORT_GIVE_WAY; BENCH_NEIGHBOUR_GIVE_WAY=0 shows imports
that never pause). A reading library holds STACKS_BENCH_RECORDS generated records (100,000);
a second library imports BENCH_NEIGHBOUR_IMPORT (200,000) generated MARC records one-shot.

On a shared machine other processes' load comes and goes, so the idle and the busy searches
are measured in turns within the one import, BENCH_NEIGHBOUR_WINDOW seconds each: idle (the
imports worker stopped by SIGSTOP, its last statements given time to end), busy (two callers
searching while it runs), and alone (nobody searching: the import's own speed, half a window,
so that on a quiet machine the import lasts for enough busy windows). The figures are the
medians of the windows' p95s. Target: busy p95 within 1.5x of idle p95.
"""

import contextlib
import os
import signal
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import requests
from django.db import connection
from django_tenants.utils import schema_context

from catalog.imports.generate import marc_generate
from catalog.imports.jobs import import_job_create
from catalog.imports.models import ImportJob
from common.readers import READERS_LINGER_SECONDS
from config.celery import app
from tenants.services import library_drop
from tests.conftest import ROOT, WorkerProcess, live_library_create
from tests.perf.results import record
from tests.perf.test_api_bench import Gunicorn, catalog_fill, search_terms
from tests.worker.helpers import database_sessions_of, processes_of

CALLERS = 2
# Time for a stopped import's statements in flight to end before an idle window starts.
SETTLE_SECONDS = 1.0


def _reader_records() -> int:
    return int(os.environ.get("STACKS_BENCH_RECORDS", "100000"))


def _import_records() -> int:
    return int(os.environ.get("BENCH_NEIGHBOUR_IMPORT", "200000"))


def _window() -> float:
    return float(os.environ.get("BENCH_NEIGHBOUR_WINDOW", "8"))


def _nice() -> str:
    return os.environ.get("BENCH_NEIGHBOUR_NICE", "10")


def _give_way() -> dict[str, str]:
    factor = os.environ.get("BENCH_NEIGHBOUR_GIVE_WAY")
    return {} if factor is None else {"STACKS_IMPORT_GIVE_WAY": factor}


def _searches(urls: list[str], host: str, seconds: float) -> list[float]:
    """Milliseconds of CALLERS callers searching at once for `seconds`."""
    deadline = time.monotonic() + seconds

    def run(start: int) -> list[float]:
        session = requests.Session()
        times = []
        i = start
        while time.monotonic() < deadline:
            began = time.perf_counter()
            response = session.get(urls[i % len(urls)], headers={"Host": host}, timeout=30)
            times.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, (response.status_code, response.text[:300])
            i += CALLERS
        return times

    with ThreadPoolExecutor(CALLERS) as pool:
        return [t for times in pool.map(run, range(CALLERS)) for t in times]


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=100)[94]


def _signal(pids: list[int], sig: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


class Progress:
    """The import's records created so far, read in the neighbour's schema."""

    def __init__(self, job: ImportJob, schema: str) -> None:
        self.job = job
        self.schema = schema

    def read(self) -> tuple[int, str]:
        with schema_context(self.schema):
            self.job.refresh_from_db()
        return self.job.created, self.job.status

    def done(self) -> bool:
        return self.read()[1] in ("committed", "failed")


def test_search_while_a_neighbour_imports(live_library, tmp_path):
    reader = live_library
    schema = reader.library.schema_name
    host = reader.domain.domain
    count = _reader_records()
    catalog_fill(schema, count)
    with schema_context(schema):
        reader.library.public_catalog = True
        reader.library.save(update_fields=["public_catalog"])
    urls_paths = [f"/api/v1/records/?{urlencode({'q': t})}" for t in search_terms(schema, count)]

    neighbour = live_library_create("Neighbour")
    neighbour_schema = neighbour.library.schema_name
    size = _import_records()
    path = tmp_path / "neighbour.mrc"
    with path.open("wb") as out:
        marc_generate(out, size)

    queue = f"bench-{os.urandom(4).hex()}"
    before = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    log = ROOT / ".stacks" / "bench-neighbour-gunicorn.log"
    log.parent.mkdir(exist_ok=True)
    web = Gunicorn("config.wsgi", log)
    worker = WorkerProcess(
        concurrency=1,
        extra_env={"CELERY_DEFAULT_QUEUE": queue, "STACKS_WORKER_NICE": _nice(), **_give_way()},
    )
    window = _window()
    idle: list[list[float]] = []
    busy: list[list[float]] = []
    busy_made = alone_made = 0
    busy_seconds = alone_seconds = 0.0
    sessions: list[tuple[int, int, str]] = []
    pids: list[int] = []
    workers_nice: list[int] = []
    try:
        worker.start()
        assert worker.process is not None
        web.wait(urls_paths[0], host)
        urls = [web.url(p) for p in urls_paths]
        _searches(urls[:10], host, 2)  # warm both web workers

        with schema_context(neighbour_schema), path.open("rb") as stream:
            job = import_job_create(
                file=stream, file_name="neighbour.mrc", one_shot=True, create_locations=True
            )
        progress = Progress(job, neighbour_schema)
        # Windows start from the worker's first chunk on, not while the job waits to be taken.
        while progress.read()[0] == 0 and not progress.done():
            time.sleep(0.2)
        pids = processes_of(worker.process.pid)
        started = time.monotonic()
        while not progress.done():
            _signal(pids, signal.SIGSTOP)
            time.sleep(SETTLE_SECONDS)
            idle.append(_searches(urls, host, window))
            _signal(pids, signal.SIGCONT)

            # Alone first: the chunk the stop interrupted ends here, not in a busy window.
            time.sleep(READERS_LINGER_SECONDS + 0.5)  # readers' flag down
            made, began = progress.read()[0], time.monotonic()
            time.sleep(window / 2)
            if progress.done():
                break
            alone_made += progress.read()[0] - made
            alone_seconds += time.monotonic() - began

            made, began = progress.read()[0], time.monotonic()
            times = _searches(urls, host, window)
            if not sessions:
                sessions = database_sessions_of(pids)
                workers_nice = [os.getpriority(os.PRIO_PROCESS, p) for p in pids]
            if progress.done():
                break  # the import ended within the window: not a busy window throughout
            busy.append(times)
            busy_made += progress.read()[0] - made
            busy_seconds += time.monotonic() - began
        elapsed = time.monotonic() - started
    finally:
        _signal(pids, signal.SIGCONT)
        web.stop()
        worker.stop()
        app.conf.task_default_queue = before
        connection.set_schema_to_public()
        library_drop(library=neighbour.library)

    assert job.status == "committed", job.error
    assert job.created == size
    assert len(busy) >= 3, f"only {len(busy)} busy windows: import more records"
    idle_p95 = statistics.median(_p95(times) for times in idle)
    busy_p95 = statistics.median(_p95(times) for times in busy)
    idle_all = [t for times in idle for t in times]
    busy_all = [t for times in busy for t in times]
    with_readers = busy_made / busy_seconds
    without = alone_made / alone_seconds if alone_seconds else float("nan")
    print(
        f"\n{size} records imported next door in {elapsed:.1f}s at niceness {_nice()} "
        f"(its database sessions' niceness: {[n for _, n, _ in sessions]}); "
        f"{len(idle)} idle and {len(busy)} busy windows of {window:.0f}s, "
        f"{len(idle_all)} and {len(busy_all)} searches; "
        f"p50 {statistics.median(idle_all):.1f} -> {statistics.median(busy_all):.1f} ms, "
        f"p95 of all {_p95(idle_all):.1f} -> {_p95(busy_all):.1f} ms; "
        f"window p95s idle {sorted(round(_p95(t)) for t in idle)}, "
        f"busy {sorted(round(_p95(t)) for t in busy)}"
    )
    print(f"worker processes' niceness {workers_nice}; database sessions {sessions}")
    print(
        f"import throughput: {without:.0f} records/s with nobody searching, "
        f"{with_readers:.0f} records/s while two callers search; load {_loadavg()}"
    )
    suffix = "" if _nice() == "10" else f"_nice{_nice()}"
    suffix += "" if not _give_way() else f"_give_way{_give_way()['STACKS_IMPORT_GIVE_WAY']}"
    record(f"neighbour_search_p95{suffix}", busy_p95, "ms", idle_p95)
    print(f"target: search p95 within 1.5x of idle (now {busy_p95 / idle_p95:.2f}x)")


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])
