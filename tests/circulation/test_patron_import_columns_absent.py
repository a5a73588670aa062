"""A patron file updating a patron leaves the fields it has no column for as the patron has
them; an empty cell of a column the file has is what clears a field."""

from tests.circulation.conftest import Desk
from tests.circulation.test_patron_imports import desk_client, upload, worker_runs


def _imported(client, desk: Desk, text: str) -> str:
    """The preview's reason for the file's one line, once the file is committed."""
    job_id = upload(client, text).json()["id"]
    worker_runs(desk.schema, job_id)
    rows = client.get(f"/api/v1/patron-imports/{job_id}/rows/").json()["results"]
    assert [row["action"] for row in rows] == ["update"], rows
    assert client.post(f"/api/v1/patron-imports/{job_id}/commit/").status_code == 200
    worker_runs(desk.schema, job_id)
    assert client.get(f"/api/v1/patron-imports/{job_id}/").json()["updated"] == 1
    return rows[0]["reason"]


def test_a_column_the_file_lacks_leaves_its_field_as_it_is(library, desk: Desk) -> None:
    client = desk_client(library)
    assert desk.patron is not None
    url = f"/api/v1/patrons/{desk.patron.pk}/"
    body = {"notes": "Wichtige Notiz", "expires_on": "2028-06-30"}
    assert client.patch(url, body, format="json").status_code == 200

    card = desk.patron.barcode
    reason = _imported(
        client, desk, f"name,barcode,email,category\nShevek A.,{card},shevek@a.example,adult\n"
    )
    assert reason == "barcode matches a patron; changes name"
    patron = client.get(url).json()
    assert (patron["name"], patron["notes"], patron["expires_on"]) == (
        "Shevek A.", "Wichtige Notiz", "2028-06-30"
    )  # fmt: skip

    # A column the file has, empty on the line, clears its field.
    reason = _imported(client, desk, f"name,barcode,notes\nShevek A.,{card},\n")
    assert reason == "barcode matches a patron; changes notes"
    patron = client.get(url).json()
    assert (patron["notes"], patron["expires_on"], patron["email"]) == (
        "", "2028-06-30", "shevek@a.example"
    )  # fmt: skip
