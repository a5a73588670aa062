"""An import or export that stops on an unexpected error tells the librarian, in the library's
language, what to do; the API gives a code to tell failures apart; the error itself is logged,
never shown."""

import io
import logging

import pytest
from django_tenants.utils import schema_context, tenant_context

from catalog.imports import exports as exports_module
from catalog.imports import jobs as jobs_module
from catalog.imports.exports import export_job_create, export_job_write
from catalog.imports.jobs import import_job_create
from tenants.administration import library_settings_update
from tests.api.conftest import client_for
from tests.api.test_imports_api import _key
from tests.catalog.imports.helpers import job_run
from tests.circulation.conftest import staff_client
from tests.conftest import LIBRARY_HOST

TECHNICAL = "relation import_scratch_7 does not exist"


def _broken(*args: object, **kwargs: object) -> bool:
    raise RuntimeError(TECHNICAL)


@pytest.fixture
def in_french(library):  # type: ignore[no-untyped-def]
    with schema_context(library.schema_name):
        return library_settings_update(library=library, actor="test", language="fr")


def test_a_failed_import_says_what_to_do_and_logs_the_error(in_french, monkeypatch, caplog) -> None:
    monkeypatch.setattr(jobs_module, "stage_slice", _broken)
    with tenant_context(in_french):  # as the worker runs it: in the library's schema
        job = import_job_create(file=io.BytesIO(b"title\nDune\n"), file_name="books.csv")
        with caplog.at_level(logging.ERROR), pytest.raises(RuntimeError):
            job_run(job)
    api = client_for(LIBRARY_HOST, f"Api-Key {_key('alpha')}")
    page = staff_client("alpha", LIBRARY_HOST, "librarian").get(f"/staff/imports/{job.pk}/")

    body = api.get(f"/api/v1/imports/{job.pk}/").json()

    assert (body["status"], body["error_code"]) == ("failed", "import_failed")
    assert body["error"].startswith("L\u2019import s\u2019est arrêté sur une erreur inattendue")
    assert f"import {job.pk}" in body["error"]
    assert page.status_code == 200
    assert "L\u2019import s\u2019est arrêté" in page.text
    for shown in (body["error"], page.text):
        assert TECHNICAL not in shown
        assert "RuntimeError" not in shown
    assert TECHNICAL in caplog.text


# The half-written file is closed after its writer: nothing is left to fail unseen.
@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_a_failed_export_says_what_to_do_and_logs_the_error(in_french, monkeypatch, caplog) -> None:
    monkeypatch.setattr(exports_module, "_batches", _broken)
    with tenant_context(in_french):
        job = export_job_create(format="csv", filters={}, queue=False)
        with caplog.at_level(logging.ERROR), pytest.raises(RuntimeError):
            export_job_write(job_id=job.pk)
    api = client_for(LIBRARY_HOST, f"Api-Key {_key('alpha')}")
    page = staff_client("alpha", LIBRARY_HOST, "librarian").get(f"/staff/exports/{job.pk}/")

    body = api.get(f"/api/v1/exports/{job.pk}/").json()

    assert (body["status"], body["error_code"]) == ("failed", "export_failed")
    assert body["error"].startswith("L\u2019export s\u2019est arrêté sur une erreur inattendue")
    assert page.status_code == 200
    for shown in (body["error"], page.text):
        assert TECHNICAL not in shown
        assert "RuntimeError" not in shown
    assert TECHNICAL in caplog.text
