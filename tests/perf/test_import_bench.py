"""Import speed end to end (upload to committed, through a real worker) beside pymarc's parse rate.

`make bench` imports 100,000 generated MARC records one-shot; BENCH_LARGE=1 imports
1,000,000; BENCH_IMPORT_RECORDS=N picks any size for a quick run.
"""

import os
import time
from pathlib import Path

import pymarc
from django_tenants.utils import schema_context

from catalog.imports.generate import marc_generate
from catalog.imports.jobs import import_job_create
from catalog.imports.models import ImportJob
from catalog.models import Record
from tests.conftest import worker_on_own_queue
from tests.perf.processes import pool_child, proc_kb
from tests.perf.results import record
from tests.worker.helpers import import_job_follow


def _records() -> int:
    default = 1_000_000 if os.environ.get("BENCH_LARGE") == "1" else 100_000
    return int(os.environ.get("BENCH_IMPORT_RECORDS", default))


def _pymarc_rate(path: Path) -> float:
    started = time.perf_counter()
    with path.open("rb") as stream:
        count = sum(1 for _ in pymarc.MARCReader(stream, to_unicode=True))
    return count / (time.perf_counter() - started)


def _import_one_shot(
    live_library, tmp_path, count: int, *, accented: bool
) -> tuple[float, float, ImportJob, float]:  # type: ignore[no-untyped-def]
    """(records/s, pymarc's records/s, the job, the worker's idle RSS in kB) of a one-shot
    import of `count` generated records through a real worker."""
    path = tmp_path / "bench.mrc"
    with path.open("wb") as out:
        marc_generate(out, count, accented=accented)
    floor = _pymarc_rate(path)

    schema = live_library.library.schema_name
    with worker_on_own_queue() as worker:
        assert worker.process is not None
        idle_kb = proc_kb(pool_child(worker.process.pid), "VmRSS")
        with schema_context(schema), path.open("rb") as stream:
            job = import_job_create(
                file=stream, file_name="bench.mrc", one_shot=True, create_locations=True
            )
        import_job_follow(schema, job)

    assert job.status == "committed", job.error
    assert job.created == count
    assert job.worker_peak_rss_kb, "the worker's peak memory was not recorded"
    with schema_context(schema):
        assert Record.objects.count() == count
    seconds = (job.finished_at - job.created_at).total_seconds()
    waited = (job.phase_started_at - job.created_at).total_seconds() if job.phase_started_at else 0
    print(
        f"\n{count} records in {seconds:.1f}s (the worker took the job after {waited:.2f}s); "
        f"pymarc alone parses {floor:.0f} records/s"
    )
    return count / seconds, floor, job, idle_kb


def test_import_one_shot_through_a_worker(live_library, tmp_path):
    count = _records()
    rate, floor, job, idle_kb = _import_one_shot(live_library, tmp_path, count, accented=False)
    suffix = "" if count == 100_000 else f"_{count}"
    record(f"import_marc_one_shot{suffix}", rate, "rec/s", floor)
    peak_mb = (job.worker_peak_rss_kb or 0) / 1024
    record(f"import_worker_peak_rss{suffix}", peak_mb, "MB", idle_kb / 1024)


def test_import_one_shot_accented_through_a_worker(live_library, tmp_path):
    """A French and German catalog: accents, apostrophes inside words and umlauts, which the
    search vectors fold in SQL (catalog.text), where an English one passes as it is."""
    count = int(os.environ.get("BENCH_ACCENTED_RECORDS", 20_000))
    rate, floor, _, _ = _import_one_shot(live_library, tmp_path, count, accented=True)
    record(f"import_marc_one_shot_accented_{count}", rate, "rec/s", floor)
