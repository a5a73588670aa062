"""A CSV as Excel on Windows saves it (Windows-1252, `;` between columns) is read with its
accents and signs intact, and the preview says which encoding it was read in."""

import io

from django_tenants.utils import schema_context

from catalog.imports.jobs import import_job_create
from catalog.imports.models import ImportJob, ImportRow
from catalog.imports.rejects import import_rejects_file
from catalog.imports.selectors import import_job_warnings
from catalog.models import Record
from tests.api.conftest import client_for
from tests.api.test_imports_api import _key
from tests.catalog.imports.helpers import api_upload_run, job_run
from tests.circulation.conftest import staff_client
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST

EXCEL = (
    "Title;Authors;Publisher;Year;Summary\r\n"
    "Les Misérables;Hugo, Victor;Éditions Müller;1862;"
    "Prix\u00a0: 12\u00a0€, l\u2019édition reliée\r\n"
    ";;;;Row without a title\r\n"
).encode("cp1252")


def _run(content: bytes, **options: object) -> ImportJob:
    job = import_job_create(file=io.BytesIO(content), file_name="books.csv", **options)  # type: ignore[arg-type]
    return job_run(job)


def test_an_excel_csv_in_windows_1252_arrives_intact_and_says_how_it_was_read(in_library):
    job = _run(EXCEL, one_shot=True)

    assert (job.status, job.created, job.rejected) == ("committed", 1, 1)
    record = Record.objects.get()
    assert (record.title, record.publisher) == ("Les Misérables", "Éditions Müller")
    assert record.summary == "Prix\u00a0: 12\u00a0€, l\u2019édition reliée"
    assert [c.contributor.name for c in record.credits.all()] == ["Hugo, Victor"]
    [warning] = import_job_warnings(job)
    assert warning.startswith("Read as Windows-1252 (Excel)")
    # Its rejects come back in the file's own columns and encoding, the title-less row with
    # its reason: Excel opens them as it saved the file.
    content, _, content_type = import_rejects_file(job=job)
    assert content_type == "text/csv; charset=windows-1252"
    lines = b"".join(content).decode("cp1252").splitlines()
    assert lines[0] == "Title;Authors;Publisher;Year;Summary;reason;line"
    assert lines[1].startswith(";;;;Row without a title;")


def test_a_utf8_file_with_or_without_bom_gives_no_encoding_warning(in_library):
    text = "title,publisher\nLes Misérables,Éditions Müller €\n"
    for content in (text.encode(), b"\xef\xbb\xbf" + text.encode()):
        job = _run(content, one_shot=True)
        assert (job.status, job.error, job.created) == ("committed", "", 1)
        assert import_job_warnings(job) == []
        assert Record.objects.get().publisher == "Éditions Müller €"
        Record.objects.all().delete()


def test_a_utf8_file_with_one_damaged_line_is_still_refused_at_that_line(in_library):
    content = "title\nLes Misérables\n".encode() + b"Caf\xe9\n"
    job = _run(content)

    assert job.status == "failed"
    assert "not UTF-8 at line 3" in job.error
    assert not ImportRow.objects.filter(job=job, action="create").exists()


def test_bytes_neither_utf8_nor_windows_1252_are_refused_with_their_line(in_library):
    job = _run(b"title\nCaf\xe9\nOdd \x81 byte\n")

    assert job.status == "failed"
    assert "neither UTF-8 nor Windows-1252" in job.error
    assert "line 3" in job.error


def test_the_api_and_the_staff_page_say_the_file_was_read_as_windows_1252(library):
    api = client_for(LIBRARY_HOST, f"Api-Key {_key('alpha')}")
    job_id = api_upload_run(api, "excel.csv", EXCEL)
    job = api.get(f"/api/v1/imports/{job_id}/").json()
    rows = api.get(f"/api/v1/imports/{job_id}/rows/?action=create").json()["results"]
    page = staff_client("alpha", LIBRARY_HOST, "librarian").get(f"/staff/imports/{job_id}/")

    assert job["status"] == "staged"
    assert job["warnings"][0].startswith("Read as Windows-1252 (Excel)")
    assert rows[0]["title"] == "Les Misérables"
    assert "Read as Windows-1252 (Excel)" in page.text
    assert "Les Misérables" in page.text

    other = client_for(OTHER_LIBRARY_HOST, f"Api-Key {_key('beta')}")
    assert other.get(f"/api/v1/imports/{job_id}/").status_code == 404
    with schema_context("alpha"):
        assert ImportJob.objects.get(pk=job_id).status == "staged"
