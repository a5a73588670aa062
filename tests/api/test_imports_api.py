"""The imports and exports API: upload, preview, commit, revert, downloads, and isolation."""

import orjson
import pytest
from celery import current_app
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context
from kombu.exceptions import OperationalError

from catalog.imports.exports import export_job_write, export_jobs_resumable
from catalog.imports.models import ExportJob, ImportJob
from catalog.imports.resuming import import_jobs_resumable
from catalog.models import Record
from catalog.services import RecordData, record_create
from common.tasks import task_enqueue
from staff.services import api_key_create
from tests.api.conftest import nothing_to_commit_refused
from tests.catalog.imports.helpers import MARC_DIR, api_upload_run, job_run

CSV = b"title,isbn,barcode\nDune,0441172717,B-1\n,0441172717,\nEmma,,B-2\n"


def _key(schema: str, scope: str = "write") -> str:
    with schema_context(schema):
        return api_key_create(name=f"imports {scope}", scope=scope).secret


@pytest.fixture
def staff(api_client):  # type: ignore[no-untyped-def]
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {_key('alpha')}")
    return api_client


@pytest.fixture
def other_staff(other_api_client):  # type: ignore[no-untyped-def]
    other_api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {_key('beta')}")
    return other_api_client


def _upload(client, content=CSV, name="books.csv", **fields):  # type: ignore[no-untyped-def]
    data = {"file": SimpleUploadedFile(name, content), **fields}
    return client.post("/api/v1/imports/", data, format="multipart")


def _staged(staff) -> int:  # type: ignore[no-untyped-def]
    response = _upload(staff)
    assert response.status_code == 202, response.json()
    with schema_context("alpha"):
        job_run(ImportJob.objects.get(pk=response.json()["id"]))
    return response.json()["id"]


def test_upload_queues_a_job_with_its_options(staff):
    response = _upload(staff, on_match="skip", dry_run="true")

    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued"
    assert (body["format"], body["on_match"], body["dry_run"]) == ("csv", "skip", True)
    assert body["started_by"].startswith("API key")
    with schema_context("alpha"):
        assert ImportJob.objects.filter(pk=body["id"]).exists()


def test_upload_over_the_limit_answers_413_and_keeps_nothing(staff, settings):
    settings.STACKS_IMPORT_MAX_UPLOAD_BYTES = 100
    response = _upload(staff, content=CSV * 10)

    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "upload_too_large"
    assert "accepts files up to 100 bytes" in body["detail"]
    with schema_context("alpha"):
        assert not ImportJob.objects.exists()


def test_read_only_keys_and_anonymous_callers_cannot_upload(api_client):
    assert _upload(api_client).status_code == 401
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {_key('alpha', 'read')}")
    assert _upload(api_client).status_code == 403


def test_preview_shows_counts_and_each_record_with_its_reason(staff, django_assert_num_queries):
    job_id = _staged(staff)

    job = staff.get(f"/api/v1/imports/{job_id}/").json()
    assert job["status"] == "staged"
    assert (job["total"], job["created"], job["rejected"], job["progress"]) == (3, 2, 1, 1.0)
    rows = staff.get(f"/api/v1/imports/{job_id}/rows/").json()["results"]
    assert [r["position"] for r in rows] == [1, 2, 3]
    assert [r["action"] for r in rows] == ["create", "reject", "create"]
    assert "title" in rows[1]["reason"]
    # Job, page (the key is held in memory, the session's search_path is the library's already).
    with django_assert_num_queries(2):
        rejects = staff.get(f"/api/v1/imports/{job_id}/rows/?action=reject").json()
    assert [r["position"] for r in rejects["results"]] == [2]
    every = staff.get(f"/api/v1/imports/{job_id}/rows/?action=").json()["results"]
    assert [r["position"] for r in every] == [1, 2, 3]
    # An action the preview has no such name for is refused, as items' ?status= is.
    wrong = staff.get(f"/api/v1/imports/{job_id}/rows/?action=nope")
    assert wrong.status_code == 400
    assert wrong["Content-Type"] == "application/problem+json"
    assert list(wrong.json()["errors"]) == ["action"]
    assert "nope" in wrong.json()["errors"]["action"][0]
    with django_assert_num_queries(1):  # the page
        listed = staff.get("/api/v1/imports/").json()
    assert [j["id"] for j in listed["results"]] == [job_id]


def test_commit_then_revert_over_the_api(staff):
    job_id = _staged(staff)
    response = staff.post(f"/api/v1/imports/{job_id}/commit/")
    assert response.status_code == 202
    assert response.json()["status"] == "committing"
    with schema_context("alpha"):
        job_run(ImportJob.objects.get(pk=job_id))
        assert Record.objects.count() == 2

    response = staff.post(f"/api/v1/imports/{job_id}/revert/")

    assert response.status_code == 200
    assert response.json()["status"] == "reverted"
    with schema_context("alpha"):
        assert Record.objects.count() == 0
    assert staff.post(f"/api/v1/imports/{job_id}/revert/").status_code == 409


def test_an_import_whose_every_row_was_rejected_has_nothing_to_commit(staff):
    job_id = api_upload_run(staff, "books.csv", b"title,isbn\n,0441172717\n,0312243022\n")
    nothing_to_commit_refused(staff, f"/api/v1/imports/{job_id}/", rejected=2)
    rows = staff.get(f"/api/v1/imports/{job_id}/rows/?action=reject").json()["results"]
    assert [row["reason"] for row in rows] == [
        "No title: the \u201ctitle\u201d column is empty."
    ] * 2
    rejects = staff.get(f"/api/v1/imports/{job_id}/rejects/")
    assert rejects.status_code == 200
    assert len(b"".join(rejects.streaming_content).decode("utf-8-sig").splitlines()) == 3
    with schema_context("alpha"):
        assert not Record.objects.exists()


def test_rejects_and_template_download(staff):
    job_id = _staged(staff)
    response = staff.get(f"/api/v1/imports/{job_id}/rejects/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="books-rejects.csv"'
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0] == "title,isbn,barcode,reason,line"

    template = staff.get("/api/v1/imports/template/")
    assert template.status_code == 200
    assert template.content.decode().startswith("title,subtitle,authors,roles,isbn,")


def test_marc_upload_guesses_its_format(staff):
    response = _upload(staff, content=(MARC_DIR / "test.dat").read_bytes(), name="test.dat")
    assert response.status_code == 202
    assert response.json()["format"] == "marc"


def test_another_librarys_job_is_not_found_and_stays_as_it_was(staff, other_staff):
    job_id = _staged(staff)

    for method, suffix in (
        ("get", ""),
        ("get", "rows/"),
        ("get", "rejects/"),
        ("post", "commit/"),
        ("post", "cancel/"),
        ("post", "revert/"),
    ):
        response = getattr(other_staff, method)(f"/api/v1/imports/{job_id}/{suffix}")
        assert response.status_code == 404, (method, suffix)
    assert other_staff.get("/api/v1/imports/").json()["results"] == []
    with schema_context("alpha"):
        assert ImportJob.objects.get(pk=job_id).status == "staged"
        assert Record.objects.count() == 0


def test_another_librarys_key_is_not_accepted_here(api_client):
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {_key('beta')}")
    assert api_client.get("/api/v1/imports/").status_code == 401
    assert _upload(api_client).status_code == 401
    assert api_client.post("/api/v1/exports/", {"format": "csv"}, format="json").status_code == 401
    with schema_context("alpha"):
        assert not ImportJob.objects.exists()
        assert not ExportJob.objects.exists()


def test_an_export_whose_first_year_is_after_its_last_is_refused(staff):
    response = staff.post(
        "/api/v1/exports/",
        {"format": "csv", "filters": {"year_from": 2010, "year_to": 1990}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "filters.year_from": [
            "year_from (2010) is after year_to (1990): give the earlier year in year_from."
        ]
    }
    with schema_context("alpha"):
        assert not ExportJob.objects.exists()


def test_export_job_then_download_by_staff_only(staff, other_staff, api_client):
    _staged(staff)
    response = staff.post(
        "/api/v1/exports/", {"format": "jsonl", "filters": {"q": "dune"}}, format="json"
    )
    assert response.status_code == 202
    export_id = response.json()["id"]
    assert staff.get(f"/api/v1/exports/{export_id}/download/").status_code == 409
    with schema_context("alpha"):
        export_job_write(job_id=export_id)

    response = staff.get(f"/api/v1/exports/{export_id}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b""  # nothing committed yet
    assert staff.get(f"/api/v1/exports/{export_id}/").json()["status"] == "done"
    assert other_staff.get(f"/api/v1/exports/{export_id}/").status_code == 404
    assert other_staff.get(f"/api/v1/exports/{export_id}/download/").status_code == 404
    api_client.credentials()
    assert api_client.get(f"/api/v1/exports/{export_id}/download/").status_code == 401


def test_export_with_an_unknown_filter_is_refused(staff):
    response = staff.post(
        "/api/v1/exports/", {"format": "csv", "filters": {"colour": "red"}}, format="json"
    )
    assert response.status_code == 400
    assert "filters.colour" in response.json()["errors"]


def test_an_upload_retried_with_its_idempotency_key_starts_one_job(callers):
    staff = callers["librarian"]
    answers = [
        staff.post(
            "/api/v1/imports/",
            {"file": SimpleUploadedFile("books.csv", CSV), "dry_run": "true"},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="upload-1",
        )
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert answers[1]["Idempotent-Replayed"] == "true"
    with schema_context("alpha"):
        assert ImportJob.objects.count() == 1
    other_file = SimpleUploadedFile("books.csv", CSV + b"\n")
    reused = staff.post(
        "/api/v1/imports/",
        {"file": other_file},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="upload-1",
    )
    assert reused.status_code == 422


@pytest.mark.parametrize(
    ("content", "status"),
    [
        (b"t\xe9tle,isbn\nDune,\xff\n", 400),  # a header that is not UTF-8
        (b"title," + b"x" * 200_000 + b"\nDune\n", 400),  # a header past any spreadsheet's
        (b"\x00\x01\x02\x89PNG binary", 400),  # not text at all
    ],
)
def test_a_rejects_download_of_an_unreadable_csv_is_a_4xx_before_any_body(
    staff, content: bytes, status: int
):
    staff.raise_request_exception = False
    with schema_context("alpha"):
        job = ImportJob(format="csv", file_name="bad.csv", status="staged")
        job.file.save("bad.csv", SimpleUploadedFile("bad.csv", content), save=False)
        job.save()
    response = staff.get(f"/api/v1/imports/{job.pk}/rejects/")
    assert response.status_code == status
    assert response.json()["code"] == "rejects_unreadable"


@pytest.mark.parametrize(
    ("export_format", "media_type", "extension"),
    [
        ("jsonl", "application/jsonl", "jsonl"),
        ("csv", "text/csv; charset=utf-8", "csv"),
        ("marc", "application/marc", "mrc"),
        ("marcxml", "application/marcxml+xml", "xml"),
    ],
)
def test_a_download_says_its_format(staff, export_format, media_type, extension):
    with schema_context("alpha"):
        record = record_create(data=RecordData(title="The Dispossessed"))
    response = staff.post("/api/v1/exports/", {"format": export_format}, format="json")
    export_id = response.json()["id"]
    with schema_context("alpha"):
        export_job_write(job_id=export_id)
    download = staff.get(f"/api/v1/exports/{export_id}/download/")
    assert download.status_code == 200
    assert download["Content-Type"] == media_type
    assert download["Content-Disposition"] == (
        f'attachment; filename="catalog-export-{export_id}.{extension}"'
    )
    body = b"".join(download.streaming_content)
    if export_format == "jsonl":
        lines = body.decode().splitlines()
        assert [orjson.loads(line)["id"] for line in lines] == [record.pk]


def test_the_document_says_what_a_download_is(staff):
    document = staff.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    answer = document["paths"]["/api/v1/exports/{id}/download/"]["get"]["responses"]["200"]
    assert set(answer["content"]) == {
        "text/csv",
        "application/marc",
        "application/marcxml+xml",
        "application/jsonl",
    }
    assert ".jsonl, application/jsonl" in answer["description"]
    assert "Content-Disposition" in answer["description"]


def _broker_down(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    """Every task sent fails as it does with Redis stopped; gives the names tried."""
    tried: list[str] = []

    def refused(name: str, *args: object, **kwargs: object) -> None:
        tried.append(name)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(current_app, "send_task", refused)
    return tried


def test_an_import_or_export_asked_for_while_the_broker_is_away_is_accepted_once(
    staff, monkeypatch, django_capture_on_commit_callbacks
):
    tried = _broker_down(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        imported = _upload(staff)
    with django_capture_on_commit_callbacks(execute=True):
        exported = staff.post("/api/v1/exports/", {"format": "jsonl"}, format="json")

    # Accepted, not a 500 that a client would answer by asking a second time: the jobs are
    # stored, and the workers' watch queues them once the broker is back.
    assert (imported.status_code, exported.status_code) == (202, 202)
    assert tried == ["worker.import_job_run", "worker.export_job_run"]
    with schema_context("alpha"):
        assert ImportJob.objects.filter(status=ImportJob.Status.QUEUED).count() == 1
        assert ExportJob.objects.count() == 1
        assert import_jobs_resumable()[0] == [imported.json()["id"]]
        assert export_jobs_resumable() == [exported.json()["id"]]


def test_a_task_no_watch_queues_again_still_fails_loudly_with_the_broker_away(
    library, monkeypatch, django_capture_on_commit_callbacks
):
    _broker_down(monkeypatch)
    with pytest.raises(OperationalError), django_capture_on_commit_callbacks(execute=True):
        task_enqueue("worker.circulation_notices_send")
