"""A subject heading given with no scheme is stored under one scheme, whoever writes it."""

import pytest
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from catalog.imports.models import ImportJob
from catalog.models import Record, Subject
from tests.catalog.imports.helpers import api_upload_run, job_run

pytestmark = pytest.mark.django_db


def test_a_heading_without_a_scheme_is_local_through_the_api_and_a_csv_import(
    writer: APIClient, library, other_library
) -> None:  # type: ignore[no-untyped-def]
    created = writer.post(
        "/api/v1/records/",
        data={"title": "X", "subjects": [{"heading": "Local heading"}]},
        format="json",
    )
    assert created.status_code == 201, created.content[:300]
    assert created.json()["subjects"][0]["scheme"] == "local"
    job_id = api_upload_run(writer, "books.csv", b"title,subjects\nY,Local heading\n")
    assert writer.post(f"/api/v1/imports/{job_id}/commit/").status_code == 202
    with schema_context(library.schema_name):
        job_run(ImportJob.objects.get(pk=job_id))
    job = writer.get(f"/api/v1/imports/{job_id}/").json()
    assert (job["status"], job["created"]) == ("committed", 1), job
    with schema_context(library.schema_name):
        schemes = {
            title: [s.scheme for s in Subject.objects.filter(record_links__record__title=title)]
            for title in ("X", "Y")
        }
        assert schemes == {"X": ["local"], "Y": ["local"]}
        assert Subject.objects.filter(heading="Local heading").count() == 1
    with schema_context(other_library.schema_name):
        assert not Record.objects.filter(title__in=["X", "Y"]).exists()
