"""Names and titles read from MARC as a librarian reads them: without the ISBD punctuation that
closes a subfield, a person's dates apart ("Hunter, Dan (1966-)"), on the staff and public
pages, in the API and in the CSV export, while the MARC export gives the source back as it
came."""

import csv
import io

import pymarc
import pytest
from django_tenants.utils import schema_context

from catalog.imports.exports import export_job_create, export_job_write
from catalog.imports.models import ImportRow
from catalog.imports.remapped import contributor_names_remapped
from catalog.models import Change, Contributor, Record
from staff.services import user_create
from tests.catalog.imports.helpers import MARC_DIR, job_import
from tests.conftest import LIBRARY_HOST
from tests.tenants.admin_helpers import signed_in


@pytest.fixture
def amateur_media(library) -> Record:
    """tests/data/marc/diacritic.dat imported into library A: its 700 is "Hunter, Dan," with
    $d "1966-"."""
    with schema_context(library.schema_name):
        job = job_import(MARC_DIR / "diacritic.dat", one_shot=True)
        assert job.status == "committed", job.error
        return Record.objects.get(title="Amateur media")


def test_the_public_pages_show_a_person_s_dates_apart(web, amateur_media):
    record_page = web.get(f"/records/{amateur_media.pk}/").text
    assert "Hunter, Dan (1966-)" in record_page
    assert "Hunter, Dan, 1966-" not in record_page
    results = web.get("/search/", {"q": "amateur media"}).text
    assert "Hunter, Dan (1966-)" in results
    assert "Hunter, Dan, 1966-" not in results


def test_the_staff_record_page_shows_a_person_s_dates_apart(library, amateur_media):
    with schema_context(library.schema_name):
        user_create(email="lib@alpha.example", role="librarian")
    staff = signed_in(LIBRARY_HOST, library.schema_name, "lib@alpha.example")
    page = staff.get(f"/staff/records/{amateur_media.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Hunter, Dan (1966-)" in html
    assert "Hunter, Dan, 1966-" not in html


def test_the_api_and_the_csv_export_give_the_name_as_shown(library, writer_api, amateur_media):
    answer = writer_api.get(f"/api/v1/records/{amateur_media.pk}/")
    assert answer.status_code == 200
    assert [c["name"] for c in answer.json()["contributors"]] == ["Hunter, Dan (1966-)"]
    with schema_context(library.schema_name):
        job = export_job_create(format="csv", filters={}, queue=False)
        with export_job_write(job_id=job.pk).file.open("rb") as stream:
            (row,) = csv.DictReader(io.StringIO(stream.read().decode("utf-8-sig")))
    assert row["authors"] == "Hunter, Dan (1966-)"
    assert row["title"] == "Amateur media"
    assert row["subtitle"] == "social, cultural and legal perspectives"


def test_the_marc_export_gives_the_source_back_as_it_came(web, library, amateur_media):
    with schema_context(library.schema_name):
        assert Contributor.objects.get().name == "Hunter, Dan (1966-)"
    exported = web.get("/unapi", {"id": str(amateur_media.pk), "format": "marcxml"})
    assert exported.status_code == 200
    (marc,) = pymarc.parse_xml_to_array(io.BytesIO(exported.content))
    (name,) = marc.get_fields("700")
    assert [(s.code, s.value) for s in name.subfields if s.code in "ad"] == [
        ("a", "Hunter, Dan,"),
        ("d", "1966-"),
    ]
    assert marc["245"]["a"] == "Amateur media :"


def test_a_damaged_record_s_title_is_listed_without_the_isbd_colon(library):
    with schema_context(library.schema_name):
        job = job_import(MARC_DIR / "bad_records.mrc")
        titles = set(ImportRow.objects.filter(job=job).values_list("title", flat=True))
    assert "The pragmatic programmer" in titles
    assert "The pragmatic programmer :" not in titles


def test_stored_names_are_named_anew_unless_a_librarian_renamed_them(library):
    with schema_context(library.schema_name):
        job = job_import(MARC_DIR / "marc.dat", one_shot=True)
        assert job.status == "committed", job.error
        # As an import stored them before, and one as a librarian renamed it since.
        Contributor.objects.filter(name="Hunt, Andrew (1964-)").update(name="Hunt, Andrew, 1964-")
        Contributor.objects.filter(name="Lutz, Mark").update(name="Lutz, Mark.")
        Contributor.objects.filter(name="Thomas, David (1956-)").update(
            name="Thomas, David, 1956-."
        )
        pragmatic = Record.objects.get(title="The pragmatic programmer")
        fed = Change.objects.filter(entity_id=pragmatic.pk).count()

        assert contributor_names_remapped() == 2

        names = set(Contributor.objects.values_list("name", flat=True))
        assert {"Hunt, Andrew (1964-)", "Lutz, Mark", "Thomas, David, 1956-."} <= names
        assert not names & {"Hunt, Andrew, 1964-", "Lutz, Mark."}
        pragmatic_now = Record.objects.get(pk=pragmatic.pk)
        assert pragmatic_now.version == pragmatic.version + 1
        assert Change.objects.filter(entity_id=pragmatic.pk).count() == fed + 1
        # Run again, nothing is left to rename.
        assert contributor_names_remapped() == 0
