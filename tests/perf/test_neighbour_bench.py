"""A quiet neighbour: one library's search latency while another library imports a large file.

The stack is `make up`'s, on one machine: `gunicorn config.wsgi` with two workers
(deploy/gunicorn.conf.py) and an imports worker at the niceness `make up` and compose give it
(STACKS_WORKER_NICE, 10; BENCH_NEIGHBOUR_NICE=0 shows the stack without it). A reading library
holds STACKS_BENCH_RECORDS generated records (100,000); two callers search its API, first
with nothing else running (the floor), then while a second library imports
BENCH_NEIGHBOUR_IMPORT (200,000) generated MARC records one-shot. Target: the search p95
during the import within 1.5x of its idle value.
"""

import os
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import requests
from django.db import connection
from django_tenants.utils import schema_context

from catalog.imports.generate import marc_generate
from catalog.imports.jobs import import_job_create
from config.celery import app
from tenants.services import library_drop
from tests.conftest import ROOT, WorkerProcess, live_library_create
from tests.perf.results import record
from tests.perf.test_api_bench import Gunicorn, catalog_fill, search_terms
from tests.worker.helpers import import_job_follow, import_job_over

CALLERS = 2
# Requests each caller makes while idle; during the import they ask until it ends.
IDLE_REQUESTS = int(os.environ.get("BENCH_NEIGHBOUR_REQUESTS", "200"))


def _reader_records() -> int:
    return int(os.environ.get("STACKS_BENCH_RECORDS", "100000"))


def _import_records() -> int:
    return int(os.environ.get("BENCH_NEIGHBOUR_IMPORT", "200000"))


def _nice() -> str:
    return os.environ.get("BENCH_NEIGHBOUR_NICE", "10")


def _searches(urls: list[str], host: str, until: threading.Event | None) -> list[float]:
    """Milliseconds of CALLERS callers searching at once: IDLE_REQUESTS each, or (with
    `until`) until it is set."""

    def run(start: int) -> list[float]:
        session = requests.Session()
        times = []
        i = start
        while (until is None and len(times) < IDLE_REQUESTS) or (
            until is not None and not until.is_set()
        ):
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
        concurrency=1, extra_env={"CELERY_DEFAULT_QUEUE": queue, "STACKS_WORKER_NICE": _nice()}
    )
    try:
        worker.start()
        web.wait(urls_paths[0], host)
        urls = [web.url(p) for p in urls_paths]
        _searches(urls[:10], host, None)  # warm both web workers
        idle = _searches(urls, host, None)

        with schema_context(neighbour_schema), path.open("rb") as stream:
            job = import_job_create(
                file=stream, file_name="neighbour.mrc", one_shot=True, create_locations=True
            )
        finished = threading.Event()

        def watch() -> None:
            try:
                import_job_follow(neighbour_schema, job)
            finally:
                finished.set()
                connection.close()  # this thread's own

        # Measured from the worker's first chunk on, not while the job waits to be taken.
        import_job_follow(
            neighbour_schema, job, until=lambda job: job.created or import_job_over(job), every=0.2
        )
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        during = _searches(urls, host, finished)
        watcher.join()
    finally:
        web.stop()
        worker.stop()
        app.conf.task_default_queue = before
        connection.set_schema_to_public()
        library_drop(library=neighbour.library)

    assert job.status == "committed", job.error
    assert job.created == size
    assert len(during) >= 50, f"only {len(during)} searches ran during the import"
    seconds = (job.finished_at - job.created_at).total_seconds()
    idle_p95, during_p95 = _p95(idle), _p95(during)
    suffix = "" if _nice() == "10" else f"_nice{_nice()}"
    print(
        f"\n{size} records imported next door in {seconds:.1f}s ({size / seconds:.0f}/s) at "
        f"niceness {_nice()}; {len(idle)} idle searches, {len(during)} during the import; "
        f"p50 {statistics.median(idle):.1f} -> {statistics.median(during):.1f} ms"
    )
    record(f"neighbour_search_p95{suffix}", during_p95, "ms", idle_p95)
    print(f"target: search p95 within 1.5x of idle (now {during_p95 / idle_p95:.2f}x)")
