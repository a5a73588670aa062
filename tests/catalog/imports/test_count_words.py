"""Counts on the import pages: the columns' headings stay the same from one import to the next,
and on a phone each number is labelled with its column's heading; each row of the preview says
its own action; and another library's librarian sees none of them."""

import re

import pytest
from django_tenants.utils import schema_context

from catalog.imports.models import ImportJob, ImportRow
from tests.circulation.conftest import staff_client
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST, language_set


def _job(schema: str, **counts: int) -> ImportJob:
    with schema_context(schema):
        return ImportJob.objects.create(
            file_name="books.csv", status=ImportJob.Status.STAGED, **counts
        )


@pytest.mark.parametrize("language", ["en", "fr"])
def test_an_import_s_counts_are_labelled_as_their_columns(library, language) -> None:
    """On a phone each number is labelled with its column's heading, as on a wide screen, so
    the labels read alike whatever the numbers (not « Créées » beside « Mise à jour »)."""
    language_set(library, language)
    single = _job(library.schema_name, total=1, created=2, unchanged=1, rejected=0)
    several = _job(library.schema_name, total=2, created=0, unchanged=2, rejected=2)
    staff = staff_client(library.schema_name, LIBRARY_HOST, "librarian")

    for job in (single, several):
        page = staff.get(f"/staff/imports/{job.pk}/").content.decode()
        cells = re.findall(r'data-label="([^"]*)" data-count="\w+">\d+<', page)
        heads = re.search(r'<table id="import-counts".*?<thead>(.*?)</thead>', page, re.S)
        assert heads is not None
        # A heading names its column, whatever number an import puts under it.
        assert re.findall(r">([^<>]+)</th>", heads[1]) == HEADINGS[language]
        assert cells == HEADINGS[language]


HEADINGS = {
    "en": ["Records", "Created", "Updated", "Unchanged", "Rejected"],
    "fr": ["Notices", "Créées", "Mises à jour", "Inchangées", "Rejetées"],
}
ROW_ACTIONS = {
    "en": ["Create", "Update", "Unchanged", "Reject"],
    "fr": ["Créer", "Mettre à jour", "Laisser inchangée", "Rejeter"],
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_each_preview_row_says_its_own_action(library, language) -> None:
    language_set(library, language)
    job = _job(library.schema_name, total=4, created=1, updated=1, unchanged=1, rejected=1)
    with schema_context(library.schema_name):
        for position, action in enumerate(ImportRow.Action.values, start=1):
            ImportRow.objects.create(job=job, position=position, action=action, title="Dune")
    page = staff_client(library.schema_name, LIBRARY_HOST, "librarian").get(
        f"/staff/imports/{job.pk}/"
    )
    cells = re.findall(
        r'<tr data-action="(\w+)">\s*<td[^>]*>\d+</td><td data-label="[^"]*">([^<]+)</td>',
        page.text,
    )
    assert cells == list(zip(ImportRow.Action.values, ROW_ACTIONS[language], strict=True))
    # The filter links name the rows they show in the same words.
    links = re.findall(r'<a href="\?action=\w+">([^<]+)</a>', page.text)
    assert links == ROW_ACTIONS[language]


def test_the_imports_list_labels_each_count_as_its_column(library) -> None:
    language_set(library, "fr")
    _job(library.schema_name, total=1, created=1, updated=0, unchanged=2, rejected=1)
    page = staff_client(library.schema_name, LIBRARY_HOST, "librarian").get("/staff/imports/")

    row = re.search(r"<tbody>(.*?)</tr>", page.content.decode(), re.S)
    assert row is not None
    labels = re.findall(r'data-label="([^"]*)">\d+<', row[1])
    assert labels == HEADINGS["fr"]
    heads = re.findall(r'<th scope="col">([^<]+)</th>', page.content.decode())
    assert heads[3:8] == HEADINGS["fr"]


def test_another_librarys_staff_do_not_see_the_import(library, other_library) -> None:
    job = _job(library.schema_name, total=1, unchanged=1)
    other = staff_client(other_library.schema_name, OTHER_LIBRARY_HOST, "librarian")

    assert other.get(f"/staff/imports/{job.pk}/").status_code == 404
    with schema_context(library.schema_name):
        assert ImportJob.objects.get(pk=job.pk).unchanged == 1
