"""Running import jobs in the test process, slice after slice, as the worker would."""

from pathlib import Path

from catalog.imports.jobs import import_job_create, import_job_work
from catalog.imports.leasing import lease_token
from catalog.imports.models import ImportJob

MARC_DIR = Path(__file__).resolve().parents[2] / "data" / "marc"


def job_run(job: ImportJob) -> ImportJob:
    owner = lease_token()
    while import_job_work(job_id=job.pk, owner=owner):
        pass
    job.refresh_from_db()
    return job


def job_import(path: Path, **options: object) -> ImportJob:
    with path.open("rb") as stream:
        job = import_job_create(file=stream, file_name=path.name, **options)  # type: ignore[arg-type]
    return job_run(job)
