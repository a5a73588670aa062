"""`separator` on POST /api/v1/exports/: a comma unless a semicolon is asked for."""

import pytest
from django_tenants.utils import schema_context

from catalog.imports.models import ExportJob
from tests.api.conftest import client_for, export_downloaded
from tests.conftest import LIBRARY_HOST


def test_a_csv_export_separates_with_a_comma_unless_asked_for_a_semicolon(callers, catalog):
    plain = export_downloaded(callers["write_key"], {"format": "csv"})
    assert plain.startswith("id,title,subtitle,authors,")
    assert plain.splitlines()[1].endswith(",12.50")
    semicolons = export_downloaded(callers["write_key"], {"format": "csv", "separator": ";"})
    assert semicolons.startswith("id;title;subtitle;authors;")
    # The decimal comma, as Excel reads an amount where ";" separates its columns.
    assert semicolons.splitlines()[1].endswith(";12,50")
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


@pytest.mark.parametrize("export_format", ["marc", "marcxml", "jsonl"])
def test_a_semicolon_on_an_export_without_columns_is_a_400_naming_the_separator(
    callers, catalog, export_format
):
    response = callers["write_key"].post(
        "/api/v1/exports/", {"format": export_format, "separator": ";"}, format="json"
    )
    assert response.status_code == 400
    assert "separator applies to CSV exports only" in response.json()["errors"]["separator"][0]
    with schema_context("alpha"):
        assert not ExportJob.objects.exists()
    # The default is no choice made: it is taken on every format.
    taken = callers["write_key"].post(
        "/api/v1/exports/", {"format": export_format, "separator": ","}, format="json"
    )
    assert taken.status_code == 202, taken.json()


def test_an_unknown_separator_is_refused_with_the_separators_taken(callers, catalog):
    response = callers["write_key"].post(
        "/api/v1/exports/", {"format": "csv", "separator": "|"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["separator"] == [
        '"|" is not a valid choice; use one of: ",", ";".'
    ]


def test_another_librarys_key_cannot_ask_this_library_for_an_export(
    callers, other_callers, catalog
):
    key = other_callers["write_key"]._credentials["HTTP_AUTHORIZATION"]
    response = client_for(LIBRARY_HOST, key).post(
        "/api/v1/exports/", {"format": "marc", "separator": ";"}, format="json"
    )
    assert response.status_code == 401
    with schema_context("alpha"):
        assert not ExportJob.objects.exists()
