"""Counts on the import pages read in the number they show: one record is singular, in English
and in French, and another library's librarian sees none of them."""

import re

import pytest
from django_tenants.utils import schema_context

from catalog.imports.models import ImportJob
from tenants.administration import library_settings_update
from tests.circulation.conftest import staff_client
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST


def _job(schema: str, **counts: int) -> ImportJob:
    with schema_context(schema):
        return ImportJob.objects.create(
            file_name="books.csv", status=ImportJob.Status.STAGED, **counts
        )


def _set_language(library, language: str) -> None:  # type: ignore[no-untyped-def]
    with schema_context(library.schema_name):
        library_settings_update(library=library, actor="test", language=language)


@pytest.mark.parametrize(
    ("language", "one", "two"),
    [
        ("en", ["Record", "Unchanged", "Rejected"], ["Records", "Unchanged", "Rejected"]),
        ("fr", ["Notice", "Inchangée", "Rejetée"], ["Notices", "Inchangées", "Rejetées"]),
    ],
)
def test_an_import_counts_one_record_in_the_singular(library, language, one, two) -> None:
    _set_language(library, language)
    single = _job(library.schema_name, total=1, unchanged=1, rejected=1)
    several = _job(library.schema_name, total=2, unchanged=2, rejected=2)
    staff = staff_client(library.schema_name, LIBRARY_HOST, "librarian")

    for job, words, n in ((single, one, "1"), (several, two, "2")):
        page = staff.get(f"/staff/imports/{job.pk}/").content.decode()
        cells = re.findall(
            r'data-label="([^"]*)" data-count="(total|unchanged|rejected)">(\d+)<', page
        )
        assert [(label, value) for label, _, value in cells] == [(w, n) for w in words]
        heads = re.search(r'<table id="import-counts".*?<thead>(.*?)</thead>', page, re.S)
        assert heads is not None
        for word in words:
            assert f">{word}</th>" in heads[1]


def test_the_imports_list_labels_each_count_by_its_number(library) -> None:
    _set_language(library, "fr")
    _job(library.schema_name, total=1, created=1, updated=1, unchanged=1, rejected=1)
    page = staff_client(library.schema_name, LIBRARY_HOST, "librarian").get("/staff/imports/")

    row = re.search(r"<tbody>(.*?)</tr>", page.content.decode(), re.S)
    assert row is not None
    labels = re.findall(r'data-label="([^"]*)">1<', row[1])
    assert labels == ["Notice", "Créée", "Mise à jour", "Inchangée", "Rejetée"]


def test_another_librarys_staff_do_not_see_the_import(library, other_library) -> None:
    job = _job(library.schema_name, total=1, unchanged=1)
    other = staff_client(other_library.schema_name, OTHER_LIBRARY_HOST, "librarian")

    assert other.get(f"/staff/imports/{job.pk}/").status_code == 404
    with schema_context(library.schema_name):
        assert ImportJob.objects.get(pk=job.pk).unchanged == 1
