"""Export filters over the API: each one narrows the file as the record list's filter of the
same name narrows the list, and one that is malformed or cannot match is refused."""

import csv
import io

import pytest
from django_tenants.utils import schema_context

from catalog.imports.exports import export_job_write
from catalog.imports.models import ExportJob
from catalog.models import Record
from catalog.services import RecordData, record_create


def _exported_titles(client, filters) -> list[str]:  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/exports/", {"format": "csv", "filters": filters}, format="json")
    assert response.status_code == 202, response.json()
    assert response.json()["filters"] == filters
    with schema_context("alpha"):
        export_job_write(job_id=response.json()["id"])
    download = client.get(f"/api/v1/exports/{response.json()['id']}/download/")
    assert download.status_code == 200
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    return sorted(row["title"] for row in csv.DictReader(io.StringIO(text)))


def _listed_titles(client, query: str) -> list[str]:  # type: ignore[no-untyped-def]
    response = client.get(f"/api/v1/records/?{query}")
    assert response.status_code == 200
    return sorted(r["title"] for r in response.json()["results"])


@pytest.mark.parametrize(
    ("filters", "query"),
    [
        ({"ids": "{record}"}, "ids={record}"),
        ({"ids": ["{record}"]}, "ids={record}"),
        ({"ids": "{record}, {other}"}, "ids={record},{other}"),
        ({"identifier": "isbn:9780441478125"}, "identifier=isbn:9780441478125"),
        ({"isbn": "0-441-47812-3"}, "isbn=0-441-47812-3"),
        ({"location": "MAIN"}, "location=MAIN"),
    ],
)
def test_an_export_holds_the_records_the_list_shows_for_the_same_filter(
    callers, catalog, filters, query
):
    def filled(value):  # type: ignore[no-untyped-def]
        if isinstance(value, list):
            return [int(filled(v)) for v in value]
        return value.format(record=catalog.record.pk, other=catalog.other_record.pk)

    filters = {name: filled(value) for name, value in filters.items()}
    listed = _listed_titles(callers["librarian"], filled(query))
    assert listed  # the filter narrows, to something
    assert _exported_titles(callers["write_key"], filters) == listed
    if "isbn" in filters or "identifier" in filters or filters.get("ids") == [catalog.record.pk]:
        assert listed == ["The Left Hand of Darkness"]


@pytest.mark.parametrize(
    ("filters", "field", "words"),
    [
        ({"ids": "abc"}, "ids", "Give whole numbers separated by commas, such as 12,15."),
        ({"ids": ["abc"]}, "ids", "Give whole numbers separated by commas, such as 12,15."),
        ({"ids": [True, 2]}, "ids", "Give whole numbers separated by commas, such as 12,15."),
        ({"year_from": 1999.7}, "year_from", "year_from must be a whole number"),
        ({"year_to": "1999.7"}, "year_to", "year_to must be a whole number"),
        ({"ids": ""}, None, None),
        ({"ids": ",".join(["1"] * 201)}, "ids", "Send 1 to 200 ids"),
        ({"identifier": "9780441478125"}, "identifier", "Use kind:value"),
        ({"identifier": "isbn:123"}, "identifier", "is not an ISBN"),
        ({"isbn": "123"}, "isbn", "is not an ISBN"),
        ({"isbn": "0441478123", "identifier": "lccn:2001012345"}, "isbn", "not both"),
        ({"location": "NOPE"}, "location", "No location has the code \u201cNOPE\u201d."),
    ],
)
def test_a_filter_that_is_malformed_or_cannot_match_is_refused_by_name(
    callers, catalog, filters, field, words
):
    response = callers["write_key"].post(
        "/api/v1/exports/", {"format": "csv", "filters": filters}, format="json"
    )
    if field is None:  # an empty filter is no filter, as in the record list
        assert response.status_code == 202
        return
    assert response.status_code == 400
    body = response.json()
    assert words in body["detail"]
    assert list(body["errors"]) == [f"filters.{field}"]
    assert words in body["errors"][f"filters.{field}"][0]
    with schema_context("alpha"):
        assert not ExportJob.objects.exists()


def test_an_ids_filter_naming_another_librarys_record_exports_none_of_theirs(
    callers, catalog, other_catalog
):
    with schema_context("beta"):
        theirs = record_create(data=RecordData(title="Beta's own")).pk
    with schema_context("alpha"):
        assert not Record.objects.filter(pk=theirs).exists()

    assert _exported_titles(callers["write_key"], {"ids": str(theirs)}) == []
    assert _exported_titles(callers["write_key"], {"ids": [theirs, catalog.record.pk]}) == [
        "The Left Hand of Darkness"
    ]


def test_the_refusal_is_in_the_callers_language(callers, catalog):
    response = callers["write_key"].post(
        "/api/v1/exports/",
        {"format": "csv", "filters": {"ids": "abc"}},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 400
    body = response.json()
    assert "Donnez des nombres entiers séparés par des virgules" in body["detail"]
    assert body["errors"] == {"filters.ids": [body["detail"]]}


def test_every_wrong_filter_is_named_by_its_path_under_filters(callers, catalog):
    filters = {"year_from": "soon", "isbn": "123", "location": "NOPE", "colour": "red"}
    response = callers["write_key"].post(
        "/api/v1/exports/", {"format": "csv", "filters": filters}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body["errors"]) == {
        "filters.year_from", "filters.isbn", "filters.location", "filters.colour"
    }  # fmt: skip
    assert "year_from must be a whole number" in body["errors"]["filters.year_from"][0]
    assert "is not an ISBN" in body["errors"]["filters.isbn"][0]
    assert "NOPE" in body["errors"]["filters.location"][0]
    assert body["errors"]["filters.colour"][0].startswith("Unknown filter colour")
    with schema_context("alpha"):
        assert not ExportJob.objects.exists()


def test_a_filter_of_the_wrong_json_type_is_named_and_nothing_is_queued(callers, catalog):
    """A JSON body may send any type: `"language": 5` is no language, `true` no year."""
    filters = {"language": 5, "q": ["dune"], "year_from": True, "location": "MAIN"}
    response = callers["write_key"].post(
        "/api/v1/exports/", {"format": "csv", "filters": filters}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"filters.language", "filters.q", "filters.year_from"}
    assert errors["filters.language"] == ["language must be text (a string in quotes)."]
    assert errors["filters.q"] == ["q must be text (a string in quotes)."]
    assert "year_from must be a whole number" in errors["filters.year_from"][0]
    with schema_context("alpha"):
        assert not ExportJob.objects.exists()
