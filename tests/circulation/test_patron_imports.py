"""Patrons from CSV: staged with each row's action and reason, committed in one transaction,
rejects downloadable with their reasons, counts as catalog imports keep them."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from circulation.models import Patron, PatronImport
from staff.services import api_key_create
from tests.api.conftest import callers_of, client_for
from tests.circulation.conftest import Desk
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST

FILE = (
    "name,barcode,email,category,expires_on,notes\n"
    "Odo,P-ODO,odo@example.org,adult,2030-01-01,\n"  # new
    "Shevek Anarres,alpha-P001,shevek@a.example,adult,,\n"  # unchanged
    "Takver A.,alpha-P002,takver@a.example,adult,,moved\n"  # update
    "Sabul,P-SABUL,not-an-email,adult,,\n"  # reject: email
    "Bedap,P-ODO,,adult,,\n"  # reject: repeated barcode
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


def desk_client(library):
    with schema_context(library.schema_name):
        secret = api_key_create(name="desk", scope="write", patrons=True).secret
    return client_for(LIBRARY_HOST, f"Api-Key {secret}")


def test_preview_then_commit_then_rejects(library, desk: Desk) -> None:
    client = desk_client(library)
    staged = upload(client)
    assert staged.status_code == 201, staged.content
    job = staged.json()
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
    assert "earlier line" in reasons[6]
    assert "needs a barcode" in reasons[7]
    assert "not a date" in reasons[8]
    assert "is an item's" in reasons[9]
    assert "2 cells" in reasons[10]
    committed = client.post(f"/api/v1/patron-imports/{job['id']}/commit/")
    assert committed.status_code == 200
    assert committed.json()["status"] == "committed"
    with schema_context(desk.schema):
        assert Patron.objects.get(barcode="P-ODO").email == "odo@example.org"
        assert Patron.objects.get(barcode="alpha-P002").notes == "moved"
        assert Patron.objects.count() == 3
    again = client.post(f"/api/v1/patron-imports/{job['id']}/commit/")
    assert again.status_code == 409
    rejects = client.get(f"/api/v1/patron-imports/{job['id']}/rejects/")
    lines = list(csv.reader(io.StringIO(rejects.content.decode())))
    assert lines[0][-1] == "reason"
    assert [line[1] for line in lines[1:]] == ["P-SABUL", "P-ODO", "", "P-GV", "alpha-I000", "row"]


def test_a_file_without_the_columns_is_refused(library, desk: Desk) -> None:
    client = desk_client(library)
    response = upload(client, "who,what\nx,y\n")
    assert response.status_code == 400
    assert "name and barcode" in response.json()["detail"]
    with schema_context(desk.schema):
        assert PatronImport.objects.count() == 0


def test_keys_without_patron_scope_and_other_libraries(library, other_library, desk: Desk) -> None:
    callers = callers_of(library.schema_name, LIBRARY_HOST)
    assert upload(callers["write_key"]).status_code == 403
    assert upload(callers["viewer"]).status_code == 403
    job = upload(desk_client(library)).json()
    b = callers_of(other_library.schema_name, OTHER_LIBRARY_HOST)
    base = f"/api/v1/patron-imports/{job['id']}/"
    for path in (base, f"{base}rows/", f"{base}rejects/"):
        assert b["admin"].get(path).status_code == 404
    assert b["admin"].post(f"/api/v1/patron-imports/{job['id']}/commit/").status_code == 404
    with schema_context(desk.schema):
        assert PatronImport.objects.get().status == "staged"
        assert Patron.objects.count() == 2
