"""Running import jobs in the test process, slice after slice, as the worker would."""

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pymarc
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from catalog.imports.generate import marc_generate
from catalog.imports.jobs import import_job_commit, import_job_create, import_job_work
from catalog.imports.leasing import lease_token
from catalog.imports.models import ImportJob
from catalog.models import Record

MARC_DIR = Path(__file__).resolve().parents[2] / "data" / "marc"


def job_run(job: ImportJob) -> ImportJob:
    owner = lease_token()
    while import_job_work(job_id=job.pk, owner=owner):
        pass
    job.refresh_from_db()
    return job


def csv_committed_after(meanwhile: Callable[[], object], rows: str) -> ImportJob:
    """An import of the CSV `rows` checked, then committed once `meanwhile` has run: what the
    catalog does with a change made between a file's preview and its import."""
    job = job_run(import_job_create(file=io.BytesIO(rows.encode()), file_name="new.csv"))
    assert job.status == "staged"
    meanwhile()
    job = job_run(import_job_commit(job_id=job.pk))
    assert job.status == "committed", job.error
    return job


def api_upload_run(
    api: Any, name: str, content: bytes, schema: str = "alpha", **fields: str
) -> int:
    """Upload `content` as file `name` (with the form's other `fields`) to POST
    /api/v1/imports/ with the client `api`, run the job it made to its end in `schema`, and
    give the job's id."""
    response = api.post(
        "/api/v1/imports/",
        {"file": SimpleUploadedFile(name, content), **fields},
        format="multipart",
    )
    assert response.status_code == 202, response.json()
    job_id = int(response.json()["id"])
    with schema_context(schema):
        job_run(ImportJob.objects.get(pk=job_id))
    return job_id


def api_staged_job(api: Any, content: bytes, **fields: str) -> dict[str, Any]:
    """A CSV sent to POST /api/v1/imports/ by `api` and run in library alpha: the job as the
    API then shows it (its counts, warnings and progress)."""
    job_id = api_upload_run(api, "books.csv", content, **fields)
    return dict(api.get(f"/api/v1/imports/{job_id}/").json())


def marc_titled(control_number: str, title: str) -> bytes:
    """One UTF-8 MARC record with only a control number (001) and a title (245 $a)."""
    record = pymarc.Record(force_utf8=True)
    record.add_field(pymarc.Field(tag="001", data=control_number))
    record.add_field(
        pymarc.Field(
            tag="245",
            indicators=pymarc.Indicators("0", "0"),
            subfields=[pymarc.Subfield("a", title)],
        )
    )
    return bytes(record.as_marc())


def contributor_names(record: Record) -> list[str]:
    """The names of the record's contributors, in the record's order."""
    return [credit.contributor.name for credit in record.credits.order_by("position")]


def job_import(path: Path, **options: object) -> ImportJob:
    with path.open("rb") as stream:
        job = import_job_create(file=stream, file_name=path.name, **options)  # type: ignore[arg-type]
    return job_run(job)


def generated_job(count: int) -> ImportJob:
    """A one-shot import job of `count` generated MARC records in the current schema, not run."""
    file = io.BytesIO()
    marc_generate(file, count)
    file.seek(0)
    return import_job_create(
        file=file, file_name="generated.mrc", one_shot=True, create_locations=True
    )


def generated_import(count: int) -> ImportJob:
    """`count` generated MARC records imported in one shot into the current schema."""
    return job_run(generated_job(count))


def author_title_imported(author: str, title: str) -> None:
    """One MARC record of an author (100 $a) and a title (245 $a) imported in one shot into
    the current schema."""
    marc = pymarc.Record(force_utf8=True)
    marc.add_field(
        pymarc.Field(tag="100", indicators=pymarc.Indicators("1", " "),
                     subfields=[pymarc.Subfield("a", author)]),
        pymarc.Field(tag="245", indicators=pymarc.Indicators("1", "0"),
                     subfields=[pymarc.Subfield("a", title)]),
    )  # fmt: skip
    job = import_job_create(file=io.BytesIO(marc.as_marc()), file_name="one.mrc", one_shot=True)
    assert job_run(job).status == "committed", job.error
