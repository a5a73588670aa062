"""API callers of library A in every role, catalog rows to call about, and what every import's
API answers alike."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from catalog.imports.exports import export_job_write
from catalog.models import Item, Location, Record
from catalog.services import ItemData, RecordData, item_create, location_create, record_create
from staff.services import api_key_create, staff_token_create, user_create
from tenants.domains import library_cache_forget
from tenants.models import Library
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST, fixtures_in_both_libraries

ROLES = ("anonymous", "viewer", "librarian", "admin", "read_key", "write_key")


@contextmanager
def catalog_private(library: Library) -> Iterator[None]:
    """The library's catalog closed to anonymous readers for the block, public again after."""
    Library.objects.filter(pk=library.pk).update(public_catalog=False)
    library_cache_forget(library)
    yield
    Library.objects.filter(pk=library.pk).update(public_catalog=True)
    library_cache_forget(library)


def client_for(host: str, authorization: str | None = None) -> APIClient:
    client = APIClient(HTTP_HOST=host)
    if authorization:
        client.credentials(HTTP_AUTHORIZATION=authorization)
    return client


def nothing_to_commit_refused(client: APIClient, job_url: str, *, rejected: int) -> None:
    """A staged import whose every row was rejected: its commit refused (409) and the job left
    as it was, whichever kind of file it read."""
    job = client.get(job_url).json()
    counts = ("status", "total", "created", "updated", "unchanged", "rejected")
    assert [job[k] for k in counts] == ["staged", rejected, 0, 0, 0, rejected]
    response = client.post(f"{job_url}commit/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert response.json()["code"] == "nothing_to_commit"
    assert response.json()["detail"].startswith("Nothing to import: every row was rejected")
    assert client.get(job_url).json() == job


def export_downloaded(client: APIClient, body: dict[str, str]) -> str:
    """The file of an export asked for with `body` by `client` in library alpha, written and
    downloaded."""
    response = client.post("/api/v1/exports/", body, format="json")
    assert response.status_code == 202, response.json()
    with schema_context("alpha"):
        export_job_write(job_id=response.json()["id"])
    download = client.get(f"/api/v1/exports/{response.json()['id']}/download/")
    assert download.status_code == 200
    return b"".join(download.streaming_content).decode("utf-8-sig")


def callers_of(schema: str, host: str) -> dict[str, APIClient]:
    """One client per role of the library in `schema`, with real tokens and keys."""
    clients = {"anonymous": client_for(host)}
    with schema_context(schema):
        for role in ("viewer", "librarian", "admin"):
            user = user_create(email=f"{role}-api@{schema}.example", role=role)
            issued = staff_token_create(user=user)
            clients[role] = client_for(host, f"Bearer {issued.secret}")
        for scope in ("read", "write"):
            issued = api_key_create(name=f"{scope} key", scope=scope)
            clients[f"{scope}_key"] = client_for(host, f"Api-Key {issued.secret}")
    return clients


@pytest.fixture
def callers(library: Library) -> dict[str, APIClient]:
    return callers_of(library.schema_name, LIBRARY_HOST)


@pytest.fixture
def other_callers(other_library: Library) -> dict[str, APIClient]:
    return callers_of(other_library.schema_name, OTHER_LIBRARY_HOST)


@pytest.fixture
def writer(callers: dict[str, APIClient]) -> APIClient:
    return callers["librarian"]


@dataclass
class Catalog:
    record: Record
    other_record: Record
    location: Location
    item: Item


def catalog_make(schema: str) -> Catalog:
    with schema_context(schema):
        record = record_create(
            data=RecordData(
                title="The Left Hand of Darkness",
                publication_year=1969,
                language="eng",
                contributors=[("Le Guin, Ursula K.", "author")],
                subjects=[("Science fiction", "lcsh")],
                identifiers=[("isbn", "0-441-47812-3")],
            )
        )
        other = record_create(data=RecordData(title="A Wizard of Earthsea", publication_year=1968))
        location = location_create(code="MAIN", name="Main library")
        item = item_create(
            record_id=record.pk,
            data=ItemData(
                barcode=f"{schema}-0001",
                location_id=location.pk,
                price="12.50",
                staff_note="Signed copy",
            ),
        )
    return Catalog(record=record, other_record=other, location=location, item=item)


catalog, other_catalog = fixtures_in_both_libraries("catalog", catalog_make)
