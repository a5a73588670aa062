"""Every 404 of the API says what is missing in the resource's own words ("No such import."),
never the generic "Not found.", which reads the same for a wrong address."""

import json

import pytest

pytestmark = pytest.mark.django_db

_MISSING = "999999999"


def _detail_operations(client):  # type: ignore[no-untyped-def]
    document = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert document.status_code == 200
    found = []
    for path, item in document.json()["paths"].items():
        if "{" not in path:
            continue
        for method in ("get", "post", "put", "patch", "delete"):
            if method in item:
                found.append((method, path.replace("{id}", _MISSING).replace("{barcode}", "NONE")))
    return found


def test_every_404_names_what_is_missing(callers, catalog):
    client = callers["admin"]
    operations = _detail_operations(client)
    assert len(operations) > 40
    generic = []
    for method, path in operations:
        response = getattr(client, method)(path, {}, format="json")
        if response.status_code != 404:
            continue
        detail = response.json()["detail"]
        if detail == "Not found.":
            generic.append(f"{method.upper()} {path}: {detail}")
    assert not generic, json.dumps(generic, indent=1)


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/api/v1/imports/999999999/", "No such import."),
        ("/api/v1/imports/999999999/rows/", "No such import."),
        ("/api/v1/exports/999999999/", "No such export."),
        ("/api/v1/exports/999999999/download/", "No such export."),
    ],
)
def test_a_missing_job_is_named(callers, path, words):
    response = callers["librarian"].get(path)
    assert response.status_code == 404
    assert response.json()["detail"] == words


def test_an_id_past_the_database_s_numbers_is_a_404_everywhere(callers, catalog):
    """Twenty digits are past any id the database holds (a bigint's 19): every operation on
    one answers 404, never a 500 from the database refusing the number."""
    client = callers["admin"]
    broken = []
    for method, path in _detail_operations(client):
        path = path.replace(_MISSING, "9" * 20)
        response = getattr(client, method)(path, {}, format="json")
        if response.status_code != 404:
            broken.append(f"{method.upper()} {path}: {response.status_code}")
    assert not broken, json.dumps(broken, indent=1)
