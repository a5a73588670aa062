"""Memory of a real worker staging files of hostile shapes, beside the same worker idle.

Each file is staged (read, checked, previewed) by a fresh `celery worker` process, whose peak
resident memory (VmHWM) is read when the job has finished: a 40 MB MARCXML of empty elements
outside any record, a 5 MB CSV of one line, and a CSV whose rows have 10,000 fields.
"""

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from catalog.imports.jobs import import_job_create
from catalog.imports.models import ImportJob
from tests.conftest import worker_on_own_queue
from tests.perf import pathological
from tests.perf.processes import pool_child, proc_kb
from tests.perf.results import record

CEILING_MB = 200
FILES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "marcxml_40mb_empty_elements": (pathological.marcxml_empty_elements, "xml"),
    "csv_5mb_one_line": (pathological.csv_one_line, "csv"),
    "csv_10000_columns": (lambda path: pathological.csv_many_columns(path, rows=1_000), "csv"),
}


@pytest.mark.parametrize("name", list(FILES))
def test_hostile_file_staged_in_bounded_memory(live_library, tmp_path, name):
    make, suffix = FILES[name]
    path = make(tmp_path / f"{name}.{suffix}")
    schema = live_library.library.schema_name
    with worker_on_own_queue() as worker:
        assert worker.process is not None
        child = pool_child(worker.process.pid)
        idle_kb = proc_kb(child, "VmRSS")
        with schema_context(schema), path.open("rb") as stream:
            job = import_job_create(file=stream, file_name=path.name)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            with schema_context(schema):
                job.refresh_from_db()
            if job.status in ("staged", "failed"):
                break
            time.sleep(0.5)
        peak_kb = proc_kb(child, "VmHWM")

    assert isinstance(job, ImportJob)
    assert job.status == "staged", job.error
    print(
        f"\n{name} ({path.stat().st_size / 2**20:.1f} MB): {job.total} records, "
        f"{job.rejected} rejected; worker peak {peak_kb / 1024:.0f} MB, "
        f"idle {idle_kb / 1024:.0f} MB"
    )
    record(f"import_peak_rss_{name}", peak_kb / 1024, "MB", idle_kb / 1024)
    assert peak_kb / 1024 < CEILING_MB
