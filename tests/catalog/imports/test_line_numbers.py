"""One number for one row wherever a librarian sees it: a CSV row by the line of the file it
starts on (the header is line 1), in the staff table, its reason, the API and the rejects
file; a MARC record by its position, as "record N"."""

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from catalog.imports.models import ImportJob
from tests.api.conftest import client_for
from tests.api.test_imports_api import _key
from tests.catalog.imports.helpers import job_run, marc_titled
from tests.circulation.conftest import staff_client
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST

# A summary with a line break in it (line 2 and 3), a blank line (4), a row without a title
# (5), the same book again (6) and a copy whose barcode the first row gave already (7).
CSV = (
    b"title,authors,isbn,summary,barcode\n"
    b'Dune,Frank Herbert,0441172717,"A desert\nplanet.",B-1\n'
    b"\n"
    b",,12345,,\n"
    b"Dune Messiah,Frank Herbert,0441172717,,B-2\n"
    b"Emma,Jane Austen,,,B-1\n"
)
_ROW = re.compile(r'<tr data-action="(\w+)">\s*<td[^>]*>(\d+)</td>')


@pytest.fixture
def api(library):  # type: ignore[no-untyped-def]
    return client_for(LIBRARY_HOST, f"Api-Key {_key('alpha')}")


def _staged(api, content: bytes, name: str) -> int:  # type: ignore[no-untyped-def]
    response = api.post(
        "/api/v1/imports/", {"file": SimpleUploadedFile(name, content)}, format="multipart"
    )
    assert response.status_code == 202, response.json()
    with schema_context("alpha"):
        job_run(ImportJob.objects.get(pk=response.json()["id"]))
    return int(response.json()["id"])


def _pages(job_id: int, *actions: str) -> list[str]:
    client = staff_client("alpha", LIBRARY_HOST, "librarian")
    return [client.get(f"/staff/imports/{job_id}/?action={a}").text for a in actions]


def test_a_csv_row_has_one_line_number_in_the_table_its_reason_the_api_and_rejects(api):
    job_id = _staged(api, CSV, "books.csv")
    rows = api.get(f"/api/v1/imports/{job_id}/rows/").json()["results"]
    by_title = {r["title"]: r for r in rows}
    dune, messiah, emma = by_title["Dune"], by_title["Dune Messiah"], by_title["Emma"]
    [untitled] = [r for r in rows if r["action"] == "reject" and r["title"] == ""]

    # The API: each row's line beside its position (blank rows count among positions).
    assert [(r["position"], r["line"]) for r in rows] == [(1, 2), (3, 5), (4, 6), (5, 7)]
    assert (messiah["action"], messiah["match_line"]) == ("update", 2)
    assert "same record as line 2 of this file" in messiah["reason"]
    assert "the values of line 6 are kept" in messiah["reason"]
    assert "copy on line 2 of this file" in emma["reason"]
    assert dune["match_line"] is None
    job = api.get(f"/api/v1/imports/{job_id}/").json()
    assert any("line 6 with line 2 (ISBN 9780441172719)" in w for w in job["warnings"])

    # The staff table names the rows by the same lines, under a "Line" heading.
    page, rejected = _pages(job_id, "", "reject")
    assert '<th scope="col">Line</th>' in page
    assert _ROW.findall(page) == [
        ("create", "2"),
        ("reject", "5"),
        ("update", "6"),
        ("reject", "7"),
    ]
    assert "line 2 of this file" in page  # the update's match
    assert _ROW.findall(rejected) == [("reject", "5"), ("reject", "7")]

    # The rejects file gives each rejected row's line in its last column.
    response = api.get(f"/api/v1/imports/{job_id}/rejects/")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rejects = list(csv.reader(io.StringIO(text)))
    assert rejects[0][-2:] == ["reason", "line"]
    assert [r[-1] for r in rejects[1:]] == [str(untitled["line"]), str(emma["line"])]


def test_a_marc_file_names_its_records_by_position(api):
    content = marc_titled("cn-1", "Dune") + marc_titled("cn-1", "Dune Messiah")
    job_id = _staged(api, content, "books.mrc")
    rows = api.get(f"/api/v1/imports/{job_id}/rows/").json()["results"]

    assert [(r["position"], r["line"], r["match_line"]) for r in rows] == [
        (1, None, None), (2, None, None)
    ]  # fmt: skip
    assert "same record as record 1 of this file" in rows[1]["reason"]
    [page] = _pages(job_id, "")
    assert '<th scope="col">Record</th>' in page
    assert _ROW.findall(page) == [("create", "1"), ("update", "2")]
    assert "record 1 of this file" in page


def test_another_library_cannot_read_the_rows_or_their_lines(api, other_library):
    job_id = _staged(api, CSV, "books.csv")
    other = client_for(OTHER_LIBRARY_HOST, f"Api-Key {_key('beta')}")

    assert other.get(f"/api/v1/imports/{job_id}/rows/").status_code == 404
    assert other.get(f"/api/v1/imports/{job_id}/rejects/").status_code == 404
    with schema_context("alpha"):
        job = ImportJob.objects.get(pk=job_id)
        assert (job.status, job.rows.filter(line=6).count()) == ("staged", 1)
