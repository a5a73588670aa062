"""An import finds a copy's location code in any case, as the API and the staff pages do: a
file's `main` is the library's `MAIN`, never a second location beside it."""

import io

import pytest

from catalog.imports.jobs import import_job_create
from catalog.imports.models import ImportJob
from catalog.models import Item, Location
from catalog.services import location_create
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
