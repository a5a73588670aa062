"""The staff export page takes "changed since" in the library's time zone, says which zone,
and filters on the instant that local time names; the API keeps its ISO 8601 with offset."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from catalog.imports.exports import export_job_write
from catalog.imports.models import ExportJob
from catalog.models import Record
from catalog.services import RecordData, record_create
from staff.services import user_create
from tenants.models import Library
from tests.conftest import LIBRARY_HOST, PASSWORD
from tests.tenants.admin_helpers import signed_in

# Paris is an hour ahead of UTC in winter and two in summer; neither day moves its clocks.
CHANGES = [
    (datetime(2027, 1, 14, 9, 0, tzinfo=UTC), "14/01/2027 09:59", "14/01/2027 10:01"),
    (datetime(2027, 6, 30, 8, 0, tzinfo=UTC), "30/06/2027 09:59", "30/06/2027 10:01"),
]


@pytest.fixture
def paris(library: Library) -> Client:
    Library.objects.filter(pk=library.pk).update(language="fr", time_zone="Europe/Paris")
    with schema_context(library.schema_name):
        user_create(email="librarian-tz@alpha.example", role="librarian", password=PASSWORD)
    return signed_in(LIBRARY_HOST, "alpha", "librarian-tz@alpha.example", client_class=Client)


def _titles(job_id: int) -> list[str]:
    with schema_context("alpha"), export_job_write(job_id=job_id).file.open("rb") as stream:
        text = stream.read().decode("utf-8-sig")
    return [row["title"] for row in csv.DictReader(io.StringIO(text))]


def _exported(client: Client, since: str) -> list[str]:
    started = client.post("/staff/exports/", {"format": "csv", "updated_since": since})
    assert started.status_code == 302, started.content.decode()
    with schema_context("alpha"):
        return _titles(ExportJob.objects.latest("pk").pk)


def test_the_page_names_the_librarys_zone_not_utc(paris):
    page = paris.get("/staff/exports/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Modifiées depuis (heure de Europe/Paris)" in page
    assert "(UTC)" not in page


@pytest.mark.parametrize(("changed", "before", "after"), CHANGES)
def test_a_local_time_either_side_of_a_change_filters_on_its_instant(paris, changed, before, after):
    with schema_context("alpha"):
        record = record_create(data=RecordData(title="Le Horla"))
        Record.objects.filter(pk=record.pk).update(updated_at=changed)
    assert _exported(paris, before) == ["Le Horla"]
    assert _exported(paris, after) == []


def test_the_export_lists_say_the_local_time_and_keep_its_instant(paris):
    started = paris.post("/staff/exports/", {"format": "csv", "updated_since": "30/06/2027 10:00"})
    assert started.status_code == 302
    with schema_context("alpha"):
        job = ExportJob.objects.get()
    assert job.filters == {"updated_since": "2027-06-30T10:00:00+02:00"}
    for path, said in (
        ("/staff/exports/", "Modifiées depuis\u00a0: 30/06/2027 10:00"),
        (f"/staff/exports/{job.pk}/", "des notices modifiées depuis le 30/06/2027 10:00, lancé le"),
    ):
        page = paris.get(path, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        assert said in page, path
        assert "2027-06-30T" not in page, path


def test_the_api_keeps_an_iso_instant_with_its_offset(library):
    Library.objects.filter(pk=library.pk).update(time_zone="Europe/Paris")
    with schema_context("alpha"):
        user_create(email="librarian-api@alpha.example", role="librarian", password=PASSWORD)
        record = record_create(data=RecordData(title="Le Horla"))
        Record.objects.filter(pk=record.pk).update(updated_at=CHANGES[1][0])
    client = signed_in(LIBRARY_HOST, "alpha", "librarian-api@alpha.example")
    for since, titles in (("2027-06-30T07:59:00Z", ["Le Horla"]),
                          ("2027-06-30T10:01:00+02:00", [])):  # fmt: skip
        filters = {"updated_since": since}
        answer = client.post("/api/v1/exports/", {"format": "csv", "filters": filters})
        assert answer.status_code == 202, answer.content
        assert answer.json()["filters"] == filters
        assert _titles(answer.json()["id"]) == titles
