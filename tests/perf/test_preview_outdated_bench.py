"""What asking whether a staged preview is outdated costs at 20,000 staged rows (the staff
import page and the API's job detail ask it on each view), beside one indexed lookup of the
job's row. Measured with nothing changed since the preview, and with one record elsewhere in
the catalog changed since (which cannot turn the preview's decisions)."""

import io
import statistics
import time

from django.db import connection

from catalog.imports.generate import marc_generate
from catalog.imports.jobs import import_job_create, import_job_outdated
from catalog.services import RecordData, record_create
from tests.catalog.imports.helpers import job_run
from tests.perf.results import record

ROWS = 20_000
TIMES = 15


def _median_ms(ask: object) -> float:
    times = []
    for _ in range(TIMES):
        started = time.perf_counter()
        ask()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def test_preview_outdated_at_20000_staged_rows(in_library):
    stream = io.BytesIO()
    marc_generate(stream, ROWS)
    stream.seek(0)
    job = job_run(import_job_create(file=stream, file_name="bench.mrc", create_locations=True))
    assert (job.status, job.created) == ("staged", ROWS)

    def floor() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM imports_importjob WHERE id = %s", [job.pk])

    floor_ms = _median_ms(floor)
    quiet_ms = _median_ms(lambda: import_job_outdated(job))
    record_create(data=RecordData(title="Elsewhere", identifiers=[("isbn", "9780140449136")]))
    elsewhere_ms = _median_ms(lambda: import_job_outdated(job))
    assert import_job_outdated(job) == []
    print(f"\noutdated check: {quiet_ms:.2f} ms quiet, {elsewhere_ms:.2f} ms after an edit "
          f"elsewhere; floor {floor_ms:.3f} ms")  # fmt: skip
    record("preview_outdated_20000_rows_quiet", quiet_ms, "ms", floor_ms)
    record("preview_outdated_20000_rows_edit_elsewhere", elsewhere_ms, "ms", floor_ms)
