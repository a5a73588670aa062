"""Counts on the patron import and stocktake pages read in the number they show, in English and
in French."""

import re

import pytest
from django_tenants.utils import schema_context

from circulation.models import PatronImport
from tenants.administration import library_settings_update
from tests.circulation.conftest import staff_client
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST


@pytest.mark.parametrize(
    ("language", "one", "two"),
    [
        ("en", ["Line", "New", "Updated", "Unchanged", "Rejected"],
         ["Lines", "New", "Updated", "Unchanged", "Rejected"]),
        ("fr", ["Ligne", "Nouveau", "Mis à jour", "Inchangé", "Rejetée"],
         ["Lignes", "Nouveaux", "Mis à jour", "Inchangés", "Rejetées"]),
    ],
)  # fmt: skip
def test_a_patron_import_counts_one_line_in_the_singular(library, language, one, two) -> None:
    with schema_context(library.schema_name):
        library_settings_update(library=library, actor="test", language=language)
        jobs = [
            PatronImport.objects.create(
                file_name="readers.csv",
                status=PatronImport.Status.STAGED,
                total=n,
                created=n,
                updated=n,
                unchanged=n,
                rejected=n,
            )
            for n in (1, 2)
        ]
    staff = staff_client(library.schema_name, LIBRARY_HOST, "librarian")

    for job, words, n in zip(jobs, (one, two), "12", strict=True):
        page = staff.get(f"/staff/patrons/imports/{job.pk}/").content.decode()
        counts = re.search(r'<table id="patron-import-counts".*?</table>', page, re.S)
        assert counts is not None
        assert re.findall(r'data-label="([^"]*)">(\d+)<', counts[0]) == [(w, n) for w in words]
        assert re.findall(r"<th scope=\"col\">([^<]*)</th>", counts[0]) == words


@pytest.mark.parametrize(
    ("language", "one", "two"),
    [
        ("en", ["Rejected line", "Download the rejected line with its reason (CSV)"],
         ["Rejected lines", "Download the 2 rejected lines with their reasons (CSV)"]),
        ("fr", ["Ligne rejetée", "Télécharger la ligne rejetée avec son motif (CSV)"],
         ["Lignes rejetées", "Télécharger les 2 lignes rejetées avec leur motif (CSV)"]),
    ],
)  # fmt: skip
def test_a_patron_import_s_rejects_are_headed_in_their_number(library, language, one, two):
    with schema_context(library.schema_name):
        library_settings_update(library=library, actor="test", language=language)
        jobs = [
            PatronImport.objects.create(
                file_name="readers.csv", status=PatronImport.Status.STAGED, total=n, rejected=n
            )
            for n in (1, 2)
        ]
    staff = staff_client(library.schema_name, LIBRARY_HOST, "librarian")

    for job, (heading, link) in zip(jobs, (one, two), strict=True):
        page = staff.get(f"/staff/patrons/imports/{job.pk}/").content.decode()
        assert f"<h2>{heading}</h2>" in page
        assert f" download>{link}</a>" in page


def test_another_library_cannot_open_the_patron_import(library, other_library) -> None:
    with schema_context(library.schema_name):
        job = PatronImport.objects.create(file_name="readers.csv", total=1)
    other = staff_client(other_library.schema_name, OTHER_LIBRARY_HOST, "librarian")

    assert other.get(f"/staff/patrons/imports/{job.pk}/").status_code == 404
    with schema_context(library.schema_name):
        assert PatronImport.objects.get(pk=job.pk).total == 1
