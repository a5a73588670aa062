"""Every real MARC file is accounted for: created + updated + unchanged + rejected = total."""

import pytest

from catalog.imports.models import ImportRow
from catalog.models import Record
from tests.catalog.imports.helpers import MARC_DIR, job_import

# Records in each file, counted by record terminator (0x1D); pymarc's own reader yields fewer
# for bad_records.mrc because a bad length makes it lose its place.
EXPECTED = {
    "1251.dat": (6, 0),
    "bad_eacc_encoding.dat": (1, 0),
    "bad_indicator.dat": (1, 0),
    "bad_marc8_escape.dat": (1, 0),
    "bad_records.mrc": (8, 6),
    "bad_subfield_code.dat": (1, 0),
    "diacritic.dat": (1, 0),
    "marc.dat": (20, 0),
    "marc8.dat": (1, 0),
    "multi_isbn.dat": (1, 0),
    "regression45.dat": (12, 0),
    "test.dat": (10, 0),
    "testunimarc.dat": (1, 0),
    "utf8_errors.dat": (1, 0),
    "utf8_invalid.mrc": (1, 0),
    "utf8_with_leader_flag.dat": (1, 0),
    "utf8_without_leader_flag.dat": (1, 0),
    "batch.xml": (2, 0),
    "utf8.xml": (1, 0),
    "bad_tag.xml": (1, 1),
}


def test_the_table_covers_every_shared_file():
    files = {p.name for p in MARC_DIR.iterdir() if p.suffix in (".dat", ".mrc", ".xml")}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_record_is_accounted_for(in_library, name):
    job = job_import(MARC_DIR / name, one_shot=True)
    total, rejected = EXPECTED[name]
    assert job.status == "committed", job.error
    assert (job.total, job.rejected) == (total, rejected)
    assert job.created + job.updated + job.unchanged + job.rejected == job.total
    assert Record.objects.count() == job.created
    rows = ImportRow.objects.filter(job=job)
    assert sorted(rows.values_list("position", flat=True)) == list(range(1, total + 1))
    for row in rows.filter(action="reject"):
        assert row.reason, row
        assert row.raw
