"""What the tests of real worker processes share: waiting for a worker's work, reading a job."""

import time
from collections.abc import Callable
from typing import TypeVar

from django_tenants.utils import schema_context

from catalog.imports.models import ImportJob

T = TypeVar("T")


def wait_for(predicate: Callable[[], T], timeout: float, *, errors_pass: bool = False) -> T | None:
    """The predicate's first true value within `timeout` seconds, or None. With `errors_pass`,
    a predicate that raises (a database down for the moment) counts as not yet."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except Exception:
            if not errors_pass:
                raise
            value = None
        if value:
            return value
        time.sleep(0.1)
    return None


def import_job_in(schema: str, job_id: int) -> ImportJob:
    """An import job as its library's schema holds it now."""
    with schema_context(schema):
        return ImportJob.objects.get(pk=job_id)


def import_job_over(job: ImportJob) -> bool:
    return job.status in ("committed", "failed")


def import_job_follow(
    schema: str,
    job: ImportJob,
    until: Callable[[ImportJob], object] = import_job_over,
    every: float = 0.5,
) -> ImportJob:
    """Read `job` again from its library's schema every `every` seconds until `until(job)`,
    with no time limit: a benchmark waits as long as the work takes."""
    while True:
        with schema_context(schema):
            job.refresh_from_db()
        if until(job):
            return job
        time.sleep(every)
