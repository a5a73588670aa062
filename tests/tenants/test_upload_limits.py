"""Oversized uploads answer 413 from their declared length, before any of the body is read."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from catalog.imports.models import ImportJob
from staff.services import api_key_create
from tests.conftest import LIBRARY_HOST
from tests.tenants.admin_helpers import signed_in

LIMIT = 1_000_000


class UnreadBody:
    """A request body that records any attempt to read it."""

    def __init__(self) -> None:
        self.reads = 0

    def read(self, *args: object) -> bytes:
        self.reads += 1
        raise AssertionError("the body was read")

    readline = read


@pytest.fixture
def small_limit(settings):  # type: ignore[no-untyped-def]
    settings.STACKS_IMPORT_MAX_UPLOAD_BYTES = LIMIT


def _post_declaring(client: Client, path: str, length: int, body: UnreadBody):  # type: ignore[no-untyped-def]
    return client.generic(
        "POST", path, b"x", content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(length), **{"wsgi.input": body},
    )  # fmt: skip


def test_the_staff_page_refuses_an_oversized_upload_unread(library, small_limit):
    client = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)
    client.handler.enforce_csrf_checks = True  # the CSRF check is what read the body first
    body = UnreadBody()
    response = _post_declaring(client, "/staff/imports/", 50 * LIMIT, body)
    assert response.status_code == 413
    assert body.reads == 0
    assert "The file is too large: 50,000,000 bytes" in response.content.decode()
    assert "1,000,000 bytes" in response.content.decode()
    with schema_context("alpha"):
        assert not ImportJob.objects.exists()


def test_the_api_refuses_an_oversized_upload_unread(library, small_limit):
    with schema_context("alpha"):
        secret = api_key_create(name="uploads", scope="write").secret
    client = APIClient(HTTP_HOST=LIBRARY_HOST, HTTP_AUTHORIZATION=f"Api-Key {secret}")
    body = UnreadBody()
    response = _post_declaring(client, "/api/v1/imports/", 50 * LIMIT, body)
    assert response.status_code == 413
    assert response.json()["code"] == "upload_too_large"
    assert body.reads == 0


def test_an_upload_within_the_limit_is_taken(library, small_limit):
    client = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)
    upload = SimpleUploadedFile("books.csv", b"title\nDune\n")
    form = {"file": upload, "match_on": "either", "on_match": "update", "on_no_match": "create"}
    response = client.post("/staff/imports/", form)
    assert response.status_code == 302
    with schema_context("alpha"):
        assert ImportJob.objects.count() == 1
