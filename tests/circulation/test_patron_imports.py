"""Patrons from CSV: the request stores the file, the worker stages it with each row's action
and reason, and, once confirmed, writes it a chunk at a time; rejects downloadable with their
reasons, counts as catalog imports keep them."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context, tenant_context

from circulation import patron_imports
from circulation.models import Patron, PatronImport
from circulation.patron_imports import patron_import_run
from staff.services import api_key_create
from tests.api.conftest import callers_of, client_for, nothing_to_commit_refused
from tests.circulation.conftest import Desk
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST

FILE = (
    "name,barcode,email,category,expires_on,notes\n"
    "Odo,P-ODO,odo@example.org,adult,2030-01-01,\n"  # new
    "Shevek Anarres,alpha-P001,shevek@a.example,adult,,\n"  # unchanged
    "Takver A.,alpha-P002,takver@a.example,adult,,moved\n"  # update
    "Sabul,P-SABUL,not-an-email,adult,,\n"  # reject: email
    "Bedap,P-SABUL,,adult,,\n"  # reject: the barcode of line 5 (rejected itself)
    "Rulag,,,adult,,\n"  # reject: no barcode
    "Gvarab,P-GV,,adult,someday,\n"  # reject: date
    "Keng,alpha-I000,,adult,,\n"  # reject: an item's barcode
    "short,row\n"  # reject: cells
)


def upload(client, text: str = FILE):
    return client.post(
        "/api/v1/patron-imports/",
        {"file": SimpleUploadedFile("patrons.csv", text.encode(), content_type="text/csv")},
        format="multipart",
    )


def worker_runs(schema: str, job_id: int) -> PatronImport | None:
    """What the worker does with the job the request queued (the task calls this service)."""
    with schema_context(schema):
        return patron_import_run(job_id=job_id)


def desk_client(library):
    with schema_context(library.schema_name):
        secret = api_key_create(name="desk", scope="write", patrons=True).secret
    return client_for(LIBRARY_HOST, f"Api-Key {secret}")


def test_preview_then_commit_then_rejects(library, desk: Desk) -> None:
    client = desk_client(library)
    queued = upload(client)
    assert queued.status_code == 201, queued.content
    assert (queued.json()["status"], queued.json()["total"]) == ("queued", 0)
    assert queued["Location"].endswith(f"/api/v1/patron-imports/{queued.json()['id']}/")
    with schema_context(desk.schema):
        assert not PatronImport.objects.get().rows.exists()  # the request read nothing
    worker_runs(desk.schema, queued.json()["id"])
    job = client.get(f"/api/v1/patron-imports/{queued.json()['id']}/").json()
    assert job["status"] == "staged"
    assert (job["total"], job["created"], job["updated"], job["unchanged"], job["rejected"]) == (
        9,
        1,
        1,
        1,
        6,
    )
    with schema_context(desk.schema):
        assert Patron.objects.count() == 2  # nothing yet
    rows = client.get(f"/api/v1/patron-imports/{job['id']}/rows/?action=reject").json()["results"]
    reasons = {row["position"]: row["reason"] for row in rows}
    assert "not an email address" in reasons[5]
    assert "is on line 6 of this file too" in reasons[5]
    assert "is on line 5 of this file too" in reasons[6]
    assert "needs a barcode" in reasons[7]
    assert "not a date" in reasons[8]
    assert "is already a copy of" in reasons[9]
    assert "2 cells" in reasons[10]
    confirmed = client.post(f"/api/v1/patron-imports/{job['id']}/commit/")
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "committing"
    with schema_context(desk.schema):
        assert Patron.objects.count() == 2  # the worker writes, not the request
    worker_runs(desk.schema, job["id"])
    committed = client.get(f"/api/v1/patron-imports/{job['id']}/").json()
    assert committed["status"] == "committed"
    assert (committed["processed"], committed["created"], committed["updated"]) == (3, 1, 1)
    with schema_context(desk.schema):
        assert Patron.objects.get(barcode="P-ODO").email == "odo@example.org"
        assert Patron.objects.get(barcode="alpha-P002").notes == "moved"
        assert Patron.objects.count() == 3
    again = client.post(f"/api/v1/patron-imports/{job['id']}/commit/")
    assert again.status_code == 409
    rejects = client.get(f"/api/v1/patron-imports/{job['id']}/rejects/")
    # Patrons' names are seldom ASCII: the download says its encoding (CSV's default is ASCII).
    assert rejects["Content-Type"] == "text/csv; charset=utf-8"
    lines = list(csv.reader(io.StringIO(rejects.content.decode("utf-8-sig"))))
    assert lines[0][-1] == "reason"
    assert [line[1] for line in lines[1:]] == [
        "P-SABUL",
        "P-SABUL",
        "",
        "P-GV",
        "alpha-I000",
        "row",
    ]


def test_a_file_whose_every_line_is_rejected_has_nothing_to_commit(library, desk: Desk) -> None:
    client = desk_client(library)
    queued = upload(client, "name,barcode,email\nSabul,P-SABUL,nope\nRulag,,\n").json()
    worker_runs(desk.schema, queued["id"])
    # The job waits as it was: its rows, its rejects, and no worker queued to write nothing.
    nothing_to_commit_refused(client, f"/api/v1/patron-imports/{queued['id']}/", rejected=2)
    rows = client.get(f"/api/v1/patron-imports/{queued['id']}/rows/?action=reject").json()
    assert len(rows["results"]) == 2
    with schema_context(desk.schema):
        assert Patron.objects.count() == 2


def test_the_template_is_a_utf8_csv_download(library, desk: Desk) -> None:
    template = desk_client(library).get("/api/v1/patron-imports/template/")
    assert template.status_code == 200
    assert template["Content-Type"] == "text/csv; charset=utf-8"
    assert template["Content-Disposition"] == 'attachment; filename="stacks-patrons-template.csv"'
    assert template.content.decode().startswith("name,barcode,email,category,expires_on,notes")


def test_a_file_without_the_columns_is_refused(library, desk: Desk) -> None:
    client = desk_client(library)
    response = upload(client, "who,what\nx,y\n")
    assert response.status_code == 400
    assert "name and barcode" in response.json()["detail"]
    with schema_context(desk.schema):
        assert PatronImport.objects.count() == 0


def test_a_file_saved_with_semicolons_between_columns_is_read(library, desk: Desk) -> None:
    # As Excel saves CSV in French, German or Spanish: a cell holding a ";" is quoted.
    client = desk_client(library)
    text = (
        "name;barcode;email;category;expires_on;notes\r\n"
        'Anarres, Odo;P-ODO;odo@example.org;adult;2030-01-01;"desk; east wing"\r\n'
        "Sabul;P-SABUL;not-an-email;adult;;\r\n"
    )
    queued = upload(client, text)
    assert queued.status_code == 201, queued.content
    worker_runs(desk.schema, queued.json()["id"])
    rows = client.get(f"/api/v1/patron-imports/{queued.json()['id']}/rows/").json()["results"]
    assert [row["action"] for row in rows] == ["create", "reject"]
    assert "not an email address" in rows[1]["reason"]
    client.post(f"/api/v1/patron-imports/{queued.json()['id']}/commit/")
    worker_runs(desk.schema, queued.json()["id"])
    with schema_context(desk.schema):
        odo = Patron.objects.get(barcode="P-ODO")
        assert (odo.name, odo.email, odo.notes) == (
            "Anarres, Odo", "odo@example.org", "desk; east wing"
        )  # fmt: skip
        assert odo.expires_on.isoformat() == "2030-01-01"
        assert not Patron.objects.filter(barcode="P-SABUL").exists()


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_the_rejects_keep_the_file_s_delimiter_and_columns(
    library, desk: Desk, delimiter: str
) -> None:
    # As Excel saves CSV in French, German or Spanish (";") or as text (a tab), its columns in
    # the librarian's order: the rejects open in the same spreadsheet, each value in its column.
    client = desk_client(library)
    written = io.StringIO()
    csv.writer(written, delimiter=delimiter).writerows(
        [
            ["barcode", "Name", "email"],
            ["P-ODO", "Anarres, Odo", "odo@example.org"],
            ["P-SABUL", "Sabul; the elder", "not-an-email"],
            ["P-GV", "Gvarab"],
        ]
    )
    text = written.getvalue()
    queued = upload(client, text)
    worker_runs(desk.schema, queued.json()["id"])

    rejects = client.get(f"/api/v1/patron-imports/{queued.json()['id']}/rejects/")

    assert rejects.status_code == 200
    body = rejects.content.decode("utf-8-sig")
    assert body.splitlines()[0] == delimiter.join(["barcode", "Name", "email", "reason"])
    lines = list(csv.reader(io.StringIO(body), delimiter=delimiter))
    assert [line[:3] for line in lines[1:]] == [
        ["P-SABUL", "Sabul; the elder", "not-an-email"],
        ["P-GV", "Gvarab", ""],
    ]
    assert lines[1][3].startswith("line 3: \u201cnot-an-email\u201d is not an email address")
    assert lines[2][3] == "line 4: 2 cells where the header has 3."


def test_the_worker_writes_reasons_in_the_library_s_language(library, desk: Desk) -> None:
    library.language = "de"
    library.save(update_fields=["language"])
    client = desk_client(library)
    queued = upload(client, "name,barcode,email\nOdo,P-ODO,\nSabul,P-SABUL,not-an-email\n")
    with tenant_context(library):  # as the worker runs it: in the library, not only its schema
        patron_import_run(job_id=queued.json()["id"])
    rows = client.get(f"/api/v1/patron-imports/{queued.json()['id']}/rows/").json()["results"]
    assert [(r["action"], r["reason"]) for r in rows] == [
        ("create", "neuer Barcode"),
        ("reject", "\u201enot-an-email\u201c ist keine E-Mail-Adresse."),
    ]


def test_keys_without_patron_scope_and_other_libraries(library, other_library, desk: Desk) -> None:
    callers = callers_of(library.schema_name, LIBRARY_HOST)
    assert upload(callers["write_key"]).status_code == 403
    assert upload(callers["viewer"]).status_code == 403
    job = upload(desk_client(library)).json()
    worker_runs(library.schema_name, job["id"])
    b = callers_of(other_library.schema_name, OTHER_LIBRARY_HOST)
    base = f"/api/v1/patron-imports/{job['id']}/"
    for path in (base, f"{base}rows/", f"{base}rejects/"):
        assert b["admin"].get(path).status_code == 404
    assert b["admin"].post(f"/api/v1/patron-imports/{job['id']}/commit/").status_code == 404
    with schema_context(desk.schema):
        assert PatronImport.objects.get().status == "staged"
        assert Patron.objects.count() == 2


def test_the_worker_writes_in_chunks_and_a_second_run_changes_nothing(
    library, desk: Desk, monkeypatch
) -> None:
    monkeypatch.setattr(patron_imports, "CHUNK", 2)
    lines = "".join(f"Reader {n},P-R{n:03},,adult,,\n" for n in range(7))
    client = desk_client(library)
    job_id = upload(client, "name,barcode,email,category,expires_on,notes\n" + lines).json()["id"]
    worker_runs(desk.schema, job_id)
    assert client.post(f"/api/v1/patron-imports/{job_id}/commit/").status_code == 200
    with schema_context(desk.schema):
        # One chunk, as a worker stopped after its first transaction would leave it.
        assert patron_imports._write_chunk(job_id)
        job = PatronImport.objects.get(pk=job_id)
        assert (job.status, job.processed, Patron.objects.count()) == ("committing", 2, 4)
    done = worker_runs(desk.schema, job_id)
    assert done is not None
    assert (done.status, done.processed, done.created, done.rejected) == ("committed", 7, 7, 0)
    again = worker_runs(desk.schema, job_id)
    assert again is not None
    assert again.status == "committed"
    with schema_context(desk.schema):
        assert Patron.objects.count() == 9


def test_an_unreadable_file_fails_the_job_with_a_reason(library, desk: Desk) -> None:
    client = desk_client(library)
    body = "name,barcode\n" + "".join(f"R{n},B{n}\n" for n in range(3))
    job_id = upload(client, body).json()["id"]
    with schema_context(desk.schema):
        job = PatronImport.objects.get(pk=job_id)
        job.file.storage.delete(job.file.name)
    failed = worker_runs(desk.schema, job_id)
    assert failed is not None
    assert failed.status == "failed"
    assert failed.error
    assert client.post(f"/api/v1/patron-imports/{job_id}/commit/").status_code == 409
    with schema_context(desk.schema):
        assert Patron.objects.count() == 2


def test_a_fixed_rejects_file_goes_back_in_as_it_is(library, desk: Desk) -> None:
    # The librarian fixes the lines in the rejects file and sends that very file back: its
    # reasons' column is read past, and what is still wrong gets this time's reason in it.
    client = desk_client(library)
    first = upload(client, "barcode;name;email\nP-ODO;Odo;odo@example.org\nP-SABUL;Sabul;bad\n")
    worker_runs(desk.schema, first.json()["id"])
    rejects = client.get(f"/api/v1/patron-imports/{first.json()['id']}/rejects/").content.decode(
        "utf-8-sig"
    )
    fixed = rejects.replace(";bad;", ";sabul@example.org;") + "P-GV;Gvarab;also-bad;\n"

    again = upload(client, fixed)
    assert again.status_code == 201, again.content
    worker_runs(desk.schema, again.json()["id"])
    rows = client.get(f"/api/v1/patron-imports/{again.json()['id']}/rows/").json()["results"]
    assert [(row["action"], row["data"].get("email")) for row in rows][:1] == [
        ("create", "sabul@example.org")
    ]
    second = client.get(f"/api/v1/patron-imports/{again.json()['id']}/rejects/").content.decode(
        "utf-8-sig"
    )
    lines = list(csv.reader(io.StringIO(second), delimiter=";"))
    assert lines[0] == ["barcode", "name", "email", "reason"]
    assert lines[1][:3] == ["P-GV", "Gvarab", "also-bad"]
    assert lines[1][3].startswith("line 3: \u201calso-bad\u201d is not an email address")
    assert len(lines) == 2


def test_a_note_with_a_line_break_keeps_later_lines_numbered_as_the_file_has_them(
    library, desk: Desk
) -> None:
    # Odo's note takes lines 2 and 3 of the file: Sabul's row, rejected, is on line 4.
    client = desk_client(library)
    text = (
        "name,barcode,email,notes\n"
        'Odo,P-ODO,odo@example.org,"moved\nto Anarres"\n'
        "Sabul,P-SABUL,not-an-email,\n"
    )
    queued = upload(client, text)
    worker_runs(desk.schema, queued.json()["id"])
    base = f"/api/v1/patron-imports/{queued.json()['id']}/"

    [row] = client.get(f"{base}rows/?action=reject").json()["results"]
    lines = list(csv.reader(io.StringIO(client.get(f"{base}rejects/").content.decode("utf-8-sig"))))

    assert row["position"] == 4
    assert lines[1][-1].startswith("line 4: \u201cnot-an-email\u201d is not an email address")
