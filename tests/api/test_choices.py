"""A value that is not one of a parameter's choices is refused with the choices listed, so
the caller can fix it without the schema: exports' and imports' `format`, a list's `ordering`,
a record's format (by `?format=`)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from catalog.imports.models import ExportJob, ImportJob
from tests.conftest import LIBRARY_HOST

pytestmark = pytest.mark.django_db


def _choice_error(response, field: str) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert list(body["errors"]) == [field]
    return str(body["errors"][field][0])


def test_an_export_in_an_unknown_format_lists_the_formats_and_queues_nothing(callers, library):
    response = callers["admin"].post("/api/v1/exports/", {"format": "xls"}, format="json")
    message = _choice_error(response, "format")
    assert message == '"xls" is not a valid choice; use one of: csv, marc, marcxml, jsonl.'
    assert "csv, marc, marcxml, jsonl" in response.json()["detail"]
    with schema_context(library.schema_name):
        assert not ExportJob.objects.exists()


def test_an_import_in_an_unknown_format_lists_the_formats_and_reads_nothing(callers, library):
    upload = SimpleUploadedFile("a.csv", b"title\nA\n", content_type="text/csv")
    response = callers["admin"].post("/api/v1/imports/", {"file": upload, "format": "xls"})
    message = _choice_error(response, "format")
    assert message.startswith('"xls" is not a valid choice; use one of: ')
    assert "csv" in message
    assert "marcxml" in message
    with schema_context(library.schema_name):
        assert not ImportJob.objects.exists()


def test_query_parameters_list_their_choices_too(callers):
    response = callers["read_key"].get("/api/v1/records/", {"ordering": "best"})
    message = _choice_error(response, "ordering")
    assert "relevance" in message
    assert "newest" in message


def test_the_choices_are_said_in_the_caller_s_language(callers):
    response = callers["admin"].post(
        "/api/v1/exports/", {"format": "xls"}, format="json", HTTP_ACCEPT_LANGUAGE="fr"
    )
    message = _choice_error(response, "format")
    assert message.startswith("«\u00a0xls\u00a0» ")
    assert message.endswith("csv, marc, marcxml, jsonl.")


def test_a_record_in_an_unknown_format_lists_the_formats(callers, catalog):
    response = callers["read_key"].get(f"/api/v1/records/{catalog.record.pk}/", {"format": "xls"})
    assert response.status_code == 406
    assert "?format=json|marcxml|marc|marcjson|jsonld" in response.json()["detail"]


def test_another_library_s_key_is_refused_and_queues_nothing(other_callers, library):
    response = other_callers["admin"].post(
        "/api/v1/exports/", {"format": "xls"}, format="json", HTTP_HOST=LIBRARY_HOST
    )
    assert response.status_code == 401
    with schema_context(library.schema_name):
        assert not ExportJob.objects.exists()
