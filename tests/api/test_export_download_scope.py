"""An export's file holds staff data: downloading it needs what starting the export needs."""

from django_tenants.utils import schema_context

from catalog.imports.exports import export_job_write
from tests.api.conftest import client_for
from tests.conftest import LIBRARY_HOST


def _finished_export(client, export_format: str) -> int:  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/exports/", {"format": export_format}, format="json")
    assert response.status_code == 202, response.json()
    with schema_context("alpha"):
        export_job_write(job_id=response.json()["id"])
    return int(response.json()["id"])


def test_a_read_key_watches_an_export_but_may_not_download_its_prices(callers, catalog):
    for export_format in ("csv", "jsonl", "marcxml"):
        export_id = _finished_export(callers["write_key"], export_format)
        url = f"/api/v1/exports/{export_id}/"

        assert callers["read_key"].get(url).json()["status"] == "done"
        refused = callers["read_key"].get(f"{url}download/")
        assert refused.status_code == 403
        assert refused["Content-Type"] == "application/problem+json"
        assert "write scope" in refused.json()["detail"]
        assert callers["viewer"].get(f"{url}download/").status_code == 403

        for allowed in ("write_key", "librarian", "admin"):
            assert callers[allowed].get(f"{url}download/").status_code == 200


def test_another_librarys_keys_cannot_download(callers, other_callers, catalog):
    export_id = _finished_export(callers["write_key"], "jsonl")
    url = f"/api/v1/exports/{export_id}/download/"
    # Library B's write key on its own address finds no such export there.
    assert other_callers["write_key"].get(url).status_code == 404
    for scope in ("read_key", "write_key"):
        # Library B's key sent to library A's address is no key there.
        foreign = client_for(LIBRARY_HOST, other_callers[scope]._credentials["HTTP_AUTHORIZATION"])
        assert foreign.get(url).status_code == 401
    download = callers["write_key"].get(url)
    assert download.status_code == 200
