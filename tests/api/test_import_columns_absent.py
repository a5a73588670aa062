"""A CSV import updating a record leaves the fields the file has no column for as they are; an
empty cell of a column the file has is what clears a field. A file with names but no roles
(headings but no schemes) leaves the record's names their roles (headings their schemes)."""

import pytest
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from catalog.imports.models import ImportJob
from catalog.services import RecordData, record_create
from tests.api.conftest import export_downloaded
from tests.catalog.imports.helpers import api_upload_run, job_run

pytestmark = pytest.mark.django_db

LA_PESTE = "9782070360420"


def _imported(writer: APIClient, content: str) -> tuple[list[dict], dict]:  # type: ignore[type-arg]
    """The preview's rows of the file, and the job once committed."""
    job_id = api_upload_run(writer, "catalogue.csv", content.encode())
    rows = writer.get(f"/api/v1/imports/{job_id}/rows/").json()["results"]
    assert writer.post(f"/api/v1/imports/{job_id}/commit/").status_code == 202
    with schema_context("alpha"):
        job_run(ImportJob.objects.get(pk=job_id))
    return rows, writer.get(f"/api/v1/imports/{job_id}/").json()


def _updated(writer: APIClient, content: str) -> tuple[str, dict]:  # type: ignore[type-arg]
    """The preview's reason for the file's one row, an update, and the job once committed."""
    rows, job = _imported(writer, content)
    assert [row["action"] for row in rows] == ["update"], rows
    return rows[0]["reason"], job


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
    reason, job = _updated(writer, f"Titre;ISBN;Éditeur\nLa peste;{LA_PESTE};Folio\n")
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
    reason, _job = _updated(writer, f"title,isbn,edition\nLa peste,{LA_PESTE},\n")
    assert reason.endswith("it is updated: edition: removed.")
    assert writer.get(url).json()["edition"] == ""


def _la_peste(writer: APIClient, **fields: object) -> str:
    """A record of La peste with an illustrator, a translator, an LCSH and a RAMEAU heading
    (and `fields`) made over the API: its address."""
    created = writer.post(
        "/api/v1/records/",
        data={
            "title": "La peste",
            "contributors": [{"name": "Camus, Albert", "role": "author"},
                             {"name": "Dupont, Jean", "role": "illustrator"},
                             {"name": "Gilbert, Stuart", "role": "translator"}],
            "subjects": [{"heading": "Peste", "scheme": "rameau"},
                         {"heading": "Plague", "scheme": "lcsh"}],
            "identifiers": [{"kind": "isbn", "value": LA_PESTE}],
            **fields,
        },
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    return f"/api/v1/records/{created.json()['id']}/"


def _credits_and_headings(writer: APIClient, url: str) -> tuple[list, list]:  # type: ignore[type-arg]
    record = writer.get(url).json()
    return (
        [(c["name"], c["role"]) for c in record["contributors"]],
        [(s["heading"], s["scheme"]) for s in record["subjects"]],
    )


def test_names_without_roles_or_schemes_keep_the_records(writer: APIClient, library) -> None:
    url = _la_peste(writer)
    # The same names and headings, in a file with no roles or subject_schemes column.
    names = "Camus, Albert; Dupont, Jean; Gilbert, Stuart"
    [row], job = _imported(
        writer, f'title,isbn,authors,subjects\nLa peste,{LA_PESTE},"{names}",Peste; Plague\n'
    )
    assert (row["action"], job["status"], job["unchanged"]) == ("unchanged", "committed", 1)
    assert row["reason"].startswith("Identical to record"), row["reason"]
    assert _credits_and_headings(writer, url) == (
        [("Camus, Albert", "author"), ("Dupont, Jean", "illustrator"),
         ("Gilbert, Stuart", "translator")],
        [("Peste", "rameau"), ("Plague", "lcsh")],
    )  # fmt: skip


def test_a_new_name_without_a_role_or_scheme_takes_the_default(writer: APIClient, library) -> None:
    url = _la_peste(writer)
    # A name the record lacks comes in an author, a heading it lacks in the local scheme;
    # those the record has keep theirs, and those the file leaves out go.
    names = "Camus, Albert; Dupont, Jean; Martin, Paul"
    [row], job = _imported(
        writer, f'title,isbn,authors,subjects\nLa peste,{LA_PESTE},"{names}",Plague; Oran\n'
    )
    assert (row["action"], job["updated"]) == ("update", 1)
    # Dupont stays an illustrator on both sides of the change the preview lists.
    assert row["reason"].count("Dupont, Jean (illustrator)") == 2, row["reason"]
    assert row["reason"].endswith(
        "subjects: \u201cPeste; Plague\u201d \u2192 \u201cPlague; Oran\u201d."
    ), row["reason"]
    assert _credits_and_headings(writer, url) == (
        [("Camus, Albert", "author"), ("Dupont, Jean", "illustrator"), ("Martin, Paul", "author")],
        [("Plague", "lcsh"), ("Oran", "local")],
    )


def test_a_new_record_without_roles_or_schemes_takes_the_defaults(
    writer: APIClient, library
) -> None:
    [row], job = _imported(
        writer, f'title,isbn,authors,subjects\nLa peste,{LA_PESTE},"Camus, Albert",Peste\n'
    )
    assert (row["action"], job["created"]) == ("create", 1)
    [record] = writer.get("/api/v1/records/").json()["results"]
    assert _credits_and_headings(writer, f"/api/v1/records/{record['id']}/") == (
        [("Camus, Albert", "author")],
        [("Peste", "local")],
    )


def test_an_export_imported_again_changes_nothing(writer: APIClient, library) -> None:
    url = _la_peste(writer, control_number="12345", control_number_source="DLC")
    before = writer.get(url).json()
    exported = export_downloaded(writer, {"format": "csv"})
    assert exported.startswith("id,title,subtitle,authors,roles,")
    [row], job = _imported(writer, exported)
    assert (row["action"], job["unchanged"]) == ("unchanged", 1), row["reason"]
    assert writer.get(url).json() == before


def test_a_control_number_without_its_source_keeps_the_records_if_the_same(
    writer: APIClient, library
) -> None:
    url = _la_peste(writer, control_number="12345", control_number_source="DLC")
    [row], _job = _imported(writer, f"title,isbn,control_number\nLa peste,{LA_PESTE},12345\n")
    assert row["action"] == "unchanged", row["reason"]
    record = writer.get(url).json()
    assert (record["control_number"], record["control_number_source"]) == ("12345", "DLC")

    # Another number is not the Library of Congress's for being where its number was.
    reason, _job = _updated(writer, f"title,isbn,control_number\nLa peste,{LA_PESTE},67890\n")
    assert reason.endswith(
        "it is updated: control number: \u201c12345\u201d \u2192 \u201c67890\u201d; "
        "control number source: removed."
    ), reason
    record = writer.get(url).json()
    assert (record["control_number"], record["control_number_source"]) == ("67890", "")


def test_a_title_the_file_gives_as_it_is_keeps_its_nonfiling_count(
    writer: APIClient, library
) -> None:
    # As a MARC record whose 245 skips "La " in filing leaves it (no column of a CSV says so).
    with schema_context("alpha"):
        record = record_create(
            data=RecordData(title="La peste", nonfiling=3, identifiers=[("isbn", LA_PESTE)])
        )
    reason, _job = _updated(writer, f"title,isbn,publisher\nLa peste,{LA_PESTE},Folio\n")
    assert reason.endswith("it is updated: publisher: added \u201cFolio\u201d."), reason
    with schema_context("alpha"):
        record.refresh_from_db()
    assert (record.publisher, record.sort_title) == ("Folio", "peste")
