"""Every format reads in bounded memory whatever the file's shape, rejecting with a reason."""

import io
import tracemalloc

import pytest
from django_tenants.utils import schema_context

from catalog.imports.formats import csv_records, marcxml_records
from catalog.imports.formats import marcxml as formats
from catalog.imports.formats.source import FileUnreadable
from catalog.imports.models import ImportRow
from tests.catalog.imports.helpers import job_import
from tests.perf.pathological import GOOD_RECORD

HEAD = '<?xml version="1.0"?>\n<collection xmlns="http://www.loc.gov/MARC21/slim">'


def _record(title: str, control: str = "r-1") -> str:
    return GOOD_RECORD.replace("A good record", title).replace("good-1", control)


def _read(reader, data: bytes):  # type: ignore[no-untyped-def]
    return [source for source, _ in reader(io.BytesIO(data))]


def _peak_bytes(reader, data: bytes) -> int:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    try:
        for _ in reader(io.BytesIO(data)):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_elements_outside_records_are_released():
    junk = "<x/>" * 60_000  # elements no record holds
    data = (HEAD + _record("First") + junk + "<wrapper>" + junk + "</wrapper>"
            + _record("Last", "r-2") + "</collection>").encode()  # fmt: skip
    sources = _read(marcxml_records, data)
    assert [s.data.title for s in sources] == ["First", "Last"]
    # The 120,000 elements kept would take over 8 MB.
    assert _peak_bytes(marcxml_records, data) < 3 * 1024 * 1024


def test_a_record_over_the_marc_limit_is_rejected_with_its_reason():
    long = "w" * 120_000
    big = _record(long, "big")
    data = (HEAD + big + _record("After", "r-2") + "</collection>").encode()
    first, after = _read(marcxml_records, data)
    assert "over MARC's 99,999-byte limit" in first.error
    assert first.data is None or first.error
    assert after.data.title == "After"
    assert after.error == ""


def test_a_record_too_large_to_hold_is_dropped_as_it_is_read(monkeypatch):
    monkeypatch.setattr(formats, "MAX_MARCXML_RECORD_BYTES", 200_000)
    fields = "".join(
        f'<datafield tag="500" ind1=" " ind2=" "><subfield code="a">note {n}</subfield></datafield>'
        for n in range(4_000)
    )
    huge = _record("Huge", "huge").replace("</record>", fields + "</record>")
    data = (HEAD + huge + _record("After", "r-2") + "</collection>").encode()
    first, after = _read(marcxml_records, data)
    assert "XML is over 200,000 bytes" in first.error
    assert after.data.title == "After"
    assert _peak_bytes(marcxml_records, data) < 4 * 1024 * 1024


def test_one_endless_text_makes_the_file_unreadable(monkeypatch):
    monkeypatch.setattr(formats, "MAX_XML_TOKEN_BYTES", 100_000)
    data = (HEAD + _record("t" * 400_000) + "</collection>").encode()
    with pytest.raises(FileUnreadable, match="without a tag"):
        _read(marcxml_records, data)


def test_a_csv_row_too_long_is_rejected_and_reading_goes_on():
    data = b"title,isbn\n" + b"a," * 300_000 + b"\nAfter,\n"
    first, after = _read(csv_records, data)
    assert (first.position, after.position) == (1, 2)
    assert "over 100,000 characters" in first.error
    assert after.data.title == "After"
    # The 300,000 fields read whole would take over 15 MB.
    assert _peak_bytes(csv_records, data) < 3 * 1024 * 1024


def test_a_csv_row_with_too_many_fields_is_rejected():
    wide = "Wide," + ",".join(["v"] * 9_999)
    sources = _read(csv_records, f"title,isbn\n{wide}\nAfter,\n".encode())
    assert "10,000 fields, over 200" in sources[0].error
    assert len(sources[0].raw) < 1000
    assert sources[1].data.title == "After"


def test_a_csv_header_too_wide_makes_the_file_unreadable():
    header = "title," + ",".join(f"c{n}" for n in range(9_999))
    with pytest.raises(FileUnreadable, match="10,000 columns"):
        _read(csv_records, f"{header}\nA,\n".encode())


def test_the_import_job_reports_the_oversized_row(in_library, tmp_path):
    path = tmp_path / "long.csv"
    path.write_bytes(b"title,isbn\n" + b"x" * 200_000 + b"\nAfter,\n")
    job = job_import(path)
    assert (job.status, job.total, job.rejected) == ("staged", 2, 1)
    with schema_context(in_library.schema_name):
        reasons = list(
            ImportRow.objects.filter(job=job, action="reject").values_list("reason", flat=True)
        )
    assert reasons == ["The row has over 100,000 characters: split it, or check its quotes."]
