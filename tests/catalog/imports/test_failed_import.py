"""A one-shot import that wrote some chunks and then failed: its error names the first bad
line, and it can be undone like a committed one."""

import io

import pytest
from django.test import override_settings

from catalog.imports.jobs import import_job_create, import_job_revert
from catalog.models import Change, Record
from tests.catalog.imports.helpers import job_run

pytestmark = pytest.mark.django_db

GOOD = 3000


def _mixed_file() -> bytes:
    # UTF-8 rows (their accents say so), then Latin-1 ones: a UTF-8 file damaged from there on,
    # not one of Excel's in Windows-1252.
    lines = ["title,isbn"] + [f"Book {n} \u00e9,{''}" for n in range(1, GOOD + 1)]
    good = ("\n".join(lines) + "\n").encode()
    bad = "".join(f"Caf\u00e9 {n},\n" for n in range(10)).encode("latin-1")
    return good + bad


@override_settings(STACKS_IMPORT_CHUNK_SIZE=500)
def test_the_error_names_the_first_bad_line_and_the_job_reverts(in_library) -> None:  # type: ignore[no-untyped-def]
    job = import_job_create(file=io.BytesIO(_mixed_file()), file_name="mixed.csv", one_shot=True)
    job = job_run(job)

    assert job.status == "failed"
    # The header is line 1, the good rows 2 to 3,001: the first Latin-1 row is line 3002.
    assert "not UTF-8 at line 3002" in job.error, job.error
    written = Record.objects.count()
    assert 0 < written <= GOOD

    reverted = import_job_revert(job_id=job.pk)

    assert reverted.status == "reverted"
    assert Record.objects.count() == 0
    assert Change.objects.filter(entity="record", action="deleted").count() == written


def test_a_binary_file_named_mrc_is_one_clear_error_not_junk_rejects(in_library) -> None:  # type: ignore[no-untyped-def]
    junk = bytes(range(256)) * 400 + b"\x1d" + bytes(range(255, -1, -1)) * 400
    job = job_run(import_job_create(file=io.BytesIO(junk), file_name="photo.mrc", one_shot=True))

    assert job.status == "failed"
    assert job.error.startswith("This is not a MARC 21 or UNIMARC file")
    assert "export it again as MARC 21 or UNIMARC (ISO 2709)" in job.error
    assert job.rejected == 0
    assert Record.objects.count() == 0
