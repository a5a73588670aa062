"""`separator` on POST /api/v1/exports/: a comma unless a semicolon is asked for."""

from django_tenants.utils import schema_context

from catalog.imports.exports import export_job_write
from catalog.imports.models import ExportJob


def _download(client, body) -> str:  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/exports/", body, format="json")
    assert response.status_code == 202, response.json()
    with schema_context("alpha"):
        export_job_write(job_id=response.json()["id"])
    download = client.get(f"/api/v1/exports/{response.json()['id']}/download/")
    assert download.status_code == 200
    return b"".join(download.streaming_content).decode("utf-8-sig")


def test_a_csv_export_separates_with_a_comma_unless_asked_for_a_semicolon(callers, catalog):
    plain = _download(callers["write_key"], {"format": "csv"})
    assert plain.startswith("id,title,subtitle,authors,")
    semicolons = _download(callers["write_key"], {"format": "csv", "separator": ";"})
    assert semicolons.startswith("id;title;subtitle;authors;")
    assert sorted(callers["write_key"].get("/api/v1/exports/").json()["results"][i]["separator"]
                  for i in range(2)) == [",", ";"]  # fmt: skip


def test_an_unknown_separator_is_a_400_naming_it(callers, catalog):
    response = callers["write_key"].post(
        "/api/v1/exports/", {"format": "csv", "separator": "|"}, format="json"
    )
    assert response.status_code == 400
    assert "separator" in str(response.json())
    with schema_context("alpha"):
        assert not ExportJob.objects.exists()


def test_another_librarys_export_stays_out_of_reach(callers, other_callers, catalog):
    response = callers["write_key"].post(
        "/api/v1/exports/", {"format": "csv", "separator": ";"}, format="json"
    )
    export_id = response.json()["id"]
    assert other_callers["write_key"].get(f"/api/v1/exports/{export_id}/").status_code == 404
    with schema_context("alpha"):
        assert list(ExportJob.objects.values_list("pk", "separator")) == [(export_id, ";")]
