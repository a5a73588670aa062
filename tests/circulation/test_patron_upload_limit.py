"""A patron file over the size limit is refused the same way by the API and the staff page,
and nothing is stored."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from circulation import patron_imports
from circulation.models import PatronImport
from tests.circulation.conftest import Desk, staff_client
from tests.circulation.test_patron_imports import desk_client, upload
from tests.conftest import LIBRARY_HOST

BODY = "name,barcode\nOdo,P-ODO\n"


@pytest.fixture
def small_limit(monkeypatch: pytest.MonkeyPatch) -> int:
    limit = len(BODY.encode()) - 1
    monkeypatch.setattr(patron_imports, "MAX_BYTES", limit)
    return limit


def test_the_api_refuses_a_file_over_the_limit(library, desk: Desk, small_limit: int) -> None:
    refused = upload(desk_client(library), BODY)
    assert refused.status_code == 400
    assert f"at most {small_limit:,} bytes" in refused.json()["detail"]
    with schema_context(desk.schema):
        assert not PatronImport.objects.exists()


def test_the_page_refuses_a_file_over_the_limit(library, desk: Desk, small_limit: int) -> None:
    librarian: Client = staff_client(library.schema_name, LIBRARY_HOST, "librarian")
    file = SimpleUploadedFile("patrons.csv", BODY.encode(), content_type="text/csv")
    refused = librarian.post("/staff/patrons/imports/", {"file": file})
    assert refused.status_code == 400
    assert f"at most {small_limit:,} bytes" in refused.text
    with schema_context(desk.schema):
        assert not PatronImport.objects.exists()
