"""A patron file's rejects come back in the file's own encoding and delimiter, as a catalog
CSV's do: Excel opens a Windows-1252 file's rejects as it saved the file, and the fixed lines
go back in with their accents."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from circulation.models import Patron
from common.spreadsheet_csv import spreadsheet_csv
from staff.services import api_key_create
from tests.api.conftest import client_for
from tests.circulation.conftest import Desk, staff_client
from tests.circulation.test_patron_imports import desk_client, worker_runs
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST

EXCEL = (
    "name;barcode;email\r\nLuis Pérez;P-LUIS;not-an-email\r\nZoë Ñúñez;P-ZOE;zoe@example.org\r\n"
)


def _upload(client, content: bytes):
    upload = SimpleUploadedFile("lectores.csv", content, content_type="text/csv")
    return client.post("/api/v1/patron-imports/", {"file": upload}, format="multipart")


def test_a_windows_1252_file_s_rejects_come_back_in_windows_1252(library, desk: Desk) -> None:
    client = desk_client(library)
    queued = _upload(client, EXCEL.encode("cp1252"))
    job_id = queued.json()["id"]
    worker_runs(desk.schema, job_id)

    rejects = client.get(f"/api/v1/patron-imports/{job_id}/rejects/")

    assert rejects.status_code == 200
    assert rejects["Content-Type"] == "text/csv; charset=windows-1252"
    lines = rejects.content.decode("cp1252").splitlines()
    assert lines[0] == "name;barcode;email;reason"
    assert lines[1].startswith("Luis Pérez;P-LUIS;not-an-email;line 2: ")
    # The staff page's link is the same download, for a librarian signed in.
    librarian = staff_client(desk.schema, LIBRARY_HOST, "librarian")
    assert librarian.get(f"/api/v1/patron-imports/{job_id}/rejects/").content == rejects.content
    # Fixed in Excel and saved again as it was: the name arrives as written.
    fixed = rejects.content.replace(b"not-an-email", b"luis@example.org")
    again = _upload(client, fixed).json()["id"]
    worker_runs(desk.schema, again)
    assert client.post(f"/api/v1/patron-imports/{again}/commit/").status_code == 200
    worker_runs(desk.schema, again)
    with schema_context(desk.schema):
        assert Patron.objects.get(barcode="P-LUIS").name == "Luis Pérez"


def test_a_utf8_file_s_rejects_carry_the_mark_excel_reads_utf8_by(library, desk: Desk) -> None:
    client = desk_client(library)
    queued = _upload(client, EXCEL.replace(";", ",").encode())
    worker_runs(desk.schema, queued.json()["id"])

    rejects = client.get(f"/api/v1/patron-imports/{queued.json()['id']}/rejects/")

    assert rejects["Content-Type"] == "text/csv; charset=utf-8"
    assert rejects.content.startswith("\ufeffname,barcode,email,reason\r\n".encode())
    assert "Luis Pérez,P-LUIS,not-an-email," in rejects.content.decode("utf-8-sig")


def test_text_windows_1252_cannot_hold_comes_back_in_utf8_with_its_mark() -> None:
    content, charset = spreadsheet_csv(["name\r\n", "Ωmega Ünal\r\n"], "cp1252")
    assert (b"".join(content), charset) == ("\ufeffname\r\nΩmega Ünal\r\n".encode(), "utf-8")
    content, charset = spreadsheet_csv(["name\r\n", "Ünal\r\n"], "cp1252")
    assert (b"".join(content), charset) == ("name\r\nÜnal\r\n".encode("cp1252"), "windows-1252")


def test_another_library_s_rejects_are_not_found(library, other_library, desk: Desk) -> None:
    client = desk_client(library)
    queued = _upload(client, EXCEL.encode("cp1252"))
    worker_runs(desk.schema, queued.json()["id"])
    with schema_context(other_library.schema_name):
        secret = api_key_create(name="desk", scope="write", patrons=True).secret
    theirs = client_for(OTHER_LIBRARY_HOST, f"Api-Key {secret}")
    far = queued.json()["id"] + 10**6
    for job_id in (queued.json()["id"], far):
        assert theirs.get(f"/api/v1/patron-imports/{job_id}/rejects/").status_code == 404
