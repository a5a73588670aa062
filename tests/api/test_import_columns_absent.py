"""A CSV import updating a record leaves the fields the file has no column for as they are; an
empty cell of a column the file has is what clears a field."""

import pytest
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from catalog.imports.models import ImportJob
from tests.catalog.imports.helpers import api_upload_run, job_run

pytestmark = pytest.mark.django_db

LA_PESTE = "9782070360420"


def _imported(writer: APIClient, content: str) -> tuple[str, dict]:  # type: ignore[type-arg]
    """The preview's reason for the file's one row, and the job once committed."""
    job_id = api_upload_run(writer, "catalogue.csv", content.encode())
    rows = writer.get(f"/api/v1/imports/{job_id}/rows/").json()["results"]
    assert [row["action"] for row in rows] == ["update"], rows
    assert writer.post(f"/api/v1/imports/{job_id}/commit/").status_code == 202
    with schema_context("alpha"):
        job_run(ImportJob.objects.get(pk=job_id))
    return rows[0]["reason"], writer.get(f"/api/v1/imports/{job_id}/").json()


def test_a_column_the_file_lacks_leaves_its_field_as_it_is(writer: APIClient, library) -> None:
    created = writer.post(
        "/api/v1/records/",
        data={
            "title": "La peste", "publisher": "Gallimard", "series": "Folio ; 42",
            "summary": "Oran, 194-.", "language": "fre", "publication_year": 1972,
            "contributors": [{"name": "Camus, Albert", "role": "author"}],
            "subjects": [{"heading": "Peste", "scheme": "rameau"}],
            "identifiers": [{"kind": "isbn", "value": LA_PESTE},
                            {"kind": "lccn", "value": "72345678"}],
        },
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    url = f"/api/v1/records/{created.json()['id']}/"
    assert writer.patch(url, {"edition": "Nouvelle éd."}, format="json").status_code == 200

    # A spreadsheet of titles, ISBNs and publishers only, with the default options.
    reason, job = _imported(writer, f"Titre;ISBN;Éditeur\nLa peste;{LA_PESTE};Folio\n")
    assert "edition" not in reason
    assert reason.endswith(
        "it is updated: publisher: \u201cGallimard\u201d \u2192 \u201cFolio\u201d."
    )
    assert (job["status"], job["updated"]) == ("committed", 1)
    record = writer.get(url).json()
    assert record["publisher"] == "Folio"
    kept = {name: record[name] for name in ("edition", "series", "summary", "language",
                                            "publication_year")}  # fmt: skip
    assert kept == {"edition": "Nouvelle éd.", "series": "Folio ; 42", "summary": "Oran, 194-.",
                    "language": "fre", "publication_year": 1972}  # fmt: skip
    assert [c["name"] for c in record["contributors"]] == ["Camus, Albert"]
    assert [(s["heading"], s["scheme"]) for s in record["subjects"]] == [("Peste", "rameau")]
    assert sorted((i["kind"], i["value"]) for i in record["identifiers"]) == [
        ("isbn", LA_PESTE), ("lccn", "72345678"),
    ]  # fmt: skip

    # A column the file has, empty in the row, clears its field (on match: update, replace).
    reason, _job = _imported(writer, f"title,isbn,edition\nLa peste,{LA_PESTE},\n")
    assert reason.endswith("it is updated: edition: removed.")
    assert writer.get(url).json()["edition"] == ""
