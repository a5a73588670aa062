"""An import finds a copy's location code in any case, as the API and the staff pages do: a
file's `main` is the library's `MAIN`, never a second location beside it."""

import io

import pytest

from catalog.imports.jobs import import_job_create
from catalog.imports.models import ImportJob
from catalog.imports.selectors import import_job_warnings
from catalog.models import Item, Location
from catalog.services import ItemData, item_create, location_create
from tests.catalog.imports.helpers import job_run


def _csv(text: str, **options: object) -> ImportJob:
    content = ("title,barcode,location\n" + text).encode()
    job = import_job_create(file=io.BytesIO(content), file_name="books.csv", **options)  # type: ignore[arg-type]
    return job_run(job)


@pytest.mark.parametrize("create_locations", [False, True])
def test_a_location_code_in_another_case_is_the_library_s_location(in_library, create_locations):
    main = location_create(code="MAIN", name="Main library")
    job = _csv("Dune,B-1,main\nEmma,B-2,Main\n", one_shot=True, create_locations=create_locations)

    assert (job.status, job.created, job.rejected) == ("committed", 2, 0)
    assert list(Location.objects.values_list("code", flat=True)) == ["MAIN"]
    assert set(Item.objects.values_list("location", flat=True)) == {main.pk}
    assert not job.locations_made.exists()


def test_a_missing_code_given_in_two_cases_is_created_once(in_library):
    job = _csv("Dune,B-1,attic\nEmma,B-2,ATTIC\n", one_shot=True, create_locations=True)

    assert (job.status, job.created) == ("committed", 2)
    [attic] = Location.objects.all()
    assert attic.code.upper() == "ATTIC"
    assert set(Item.objects.values_list("location", flat=True)) == {attic.pk}


def test_the_report_counts_the_copies_the_import_made_at_a_location_it_added(in_library):
    job = _csv("Dune,B-1,attic\nEmma,B-2,attic\n", one_shot=True, create_locations=True)
    [attic] = Location.objects.all()
    # Copies put there since, by hand or by a later import, are not the import's.
    record = Item.objects.get(barcode="B-1").record_id
    for barcode in ("H-1", "H-2", "H-3"):
        item_create(record_id=record, data=ItemData(barcode=barcode, location_id=attic.pk))
    Item.objects.filter(barcode="B-2").update(location=None)

    job.refresh_from_db()
    [said] = [w for w in import_job_warnings(job) if "added" in w]
    assert "attic (used by 1 copy)" in said
