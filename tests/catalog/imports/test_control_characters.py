"""Control characters in a record's text: read as spaces by every write, never written into
MARC, where \\x1d, \\x1e and \\x1f are the record's own delimiters."""

import io

import pymarc
import pytest
from django_tenants.utils import schema_context

from catalog.imports.jobs import import_job_create
from catalog.models import Contributor, Item, Record, Subject
from catalog.services import (
    ItemData,
    RecordData,
    contributor_create,
    contributor_update,
    item_create,
    item_update,
    record_create,
    subject_create,
    subject_update,
)
from tests.catalog.imports.helpers import job_run
from tests.catalog.imports.test_round_trip import export, import_into_current


def test_a_csv_import_reads_control_characters_as_spaces_and_says_so(in_library):
    data = (
        b'title,subtitle,summary\n"Ctrl\x0bchar\x1fbtitle\x1e end",plain,"bell\x07\nsecond line"\n'
    )
    job = job_run(import_job_create(file=io.BytesIO(data), file_name="ctrl.csv"))
    assert job.status == "staged", job.error
    row = job.rows.get()
    assert row.action == "create"
    assert "title, summary" in row.reason
    assert "read as spaces" in row.reason
    job = job_run(import_job_create(file=io.BytesIO(data), file_name="ctrl.csv", one_shot=True))
    record = Record.objects.get()
    assert (record.title, record.subtitle, record.summary) == (
        "Ctrl char btitle end", "plain", "bell\nsecond line"
    )  # fmt: skip


def _read_back(library, other_library) -> tuple[bytes, tuple[str, str, str]]:
    with schema_context(library.schema_name):
        data = export("marc")
    with schema_context(other_library.schema_name):
        import_into_current("export.mrc", data)
        record = Record.objects.get()
        return data, (record.title, record.subtitle, record.summary)


def test_a_record_given_control_characters_exports_to_marc_and_imports_the_same(
    library, other_library
):
    with schema_context(library.schema_name):
        record_create(data=RecordData(title="Ctrl\x0bchar\x1fbtitle\x1e end", summary="bell\x07"))
    _, read = _read_back(library, other_library)
    assert read == ("Ctrl char btitle end", "", "bell")


def test_the_marc_export_writes_no_delimiter_an_old_row_holds(library, other_library):
    with schema_context(library.schema_name):
        record = record_create(data=RecordData(title="Old"))
        # A row stored before writes cleaned their text.
        Record.objects.filter(pk=record.pk).update(
            title="Ctrl\x1fbtitle\x1e end", publisher="Pub\x1dlisher"
        )
    data, read = _read_back(library, other_library)
    written = next(iter(pymarc.MARCReader(io.BytesIO(data), to_unicode=True)))
    assert written["245"].subfields == [pymarc.Subfield("a", "Ctrl btitle  end")]
    assert written["264"].get_subfields("b") == ["Pub lisher"]
    assert read == ("Ctrl btitle  end", "", "")


def test_a_heading_named_by_hand_is_stored_without_control_characters(in_library):
    contributor = contributor_create(name="Butler,\x0bOctavia E.\x07")
    subject = subject_create(heading="Time\x1ftravel", scheme="lcsh")
    assert Contributor.objects.get(pk=contributor.pk).name == "Butler, Octavia E."
    assert Subject.objects.get(pk=subject.pk).heading == "Time travel"
    contributor_update(contributor_id=contributor.pk, name="Butler,\x1eO. E.")
    subject_update(subject_id=subject.pk, heading="Time\r\ntravel", scheme="lcsh")
    assert Contributor.objects.get(pk=contributor.pk).name == "Butler, O. E."
    assert Subject.objects.get(pk=subject.pk).heading == "Time travel"


def test_a_copy_given_control_characters_exports_to_marc_and_imports_the_same(
    library, other_library
):
    with schema_context(library.schema_name):
        record = record_create(data=RecordData(title="Kindred"))
        item = item_create(
            record_id=record.pk,
            data=ItemData(barcode="C-1", call_number="PS3552\t.U827\x1eK5\n1979",
                          public_note="Signed\x0bby the author\nfirst\x1fprinting",
                          staff_note="Gift\x07 of\r\nthe Friends"),
        )  # fmt: skip
        stored = Item.objects.values_list("call_number", "public_note", "staff_note").get(
            pk=item.pk
        )
        assert stored == (
            "PS3552 .U827 K5 1979", "Signed by the author\nfirst printing", "Gift of\nthe Friends"
        )  # fmt: skip
        item_update(item_id=item.pk, data=ItemData(barcode="C-1", call_number="PS3552\x0b.U8"))
        assert Item.objects.get(pk=item.pk).call_number == "PS3552 .U8"
        again = ItemData(barcode="C-1", call_number=stored[0], public_note=stored[1],
                         staff_note=stored[2])  # fmt: skip
        item_update(item_id=item.pk, data=again)
        data = export("marc")
    written = next(iter(pymarc.MARCReader(io.BytesIO(data), to_unicode=True)))
    assert written["852"].get_subfields("h") == ["PS3552 .U827 K5 1979"]
    with schema_context(other_library.schema_name):
        import_into_current("export.mrc", data)
        assert Item.objects.values_list("call_number", "public_note").get(barcode="C-1") == (
            stored[0], stored[1]
        )  # fmt: skip


def test_an_import_reads_control_characters_in_a_copy_as_spaces_and_says_so(in_library):
    marc = pymarc.Record(force_utf8=True)
    marc.add_field(
        pymarc.Field(tag="245", indicators=pymarc.Indicators("0", "0"),
                     subfields=[pymarc.Subfield("a", "Kindred")]),
        pymarc.Field(tag="852", indicators=pymarc.Indicators(" ", " "),
                     subfields=[pymarc.Subfield("p", "C-2"), pymarc.Subfield("h", "PS3552\t.U8"),
                                pymarc.Subfield("z", "Signed\tcopy\nof 1979")]),
    )  # fmt: skip
    data = marc.as_marc()
    job = job_run(import_job_create(file=io.BytesIO(data), file_name="copy.mrc"))
    assert job.status == "staged", job.error
    reason = job.rows.get().reason
    assert "call_number, public_note of copy C-2 were read as spaces" in reason
    job = job_run(import_job_create(file=io.BytesIO(data), file_name="copy.mrc", one_shot=True))
    assert job.status == "committed", job.error
    assert Item.objects.values_list("call_number", "public_note").get() == (
        "PS3552 .U8", "Signed copy\nof 1979"
    )  # fmt: skip


@pytest.mark.parametrize("control", ["\x0b", "\x0c", "\x07"])
def test_a_control_character_between_two_words_of_a_marc_record_is_a_space(in_library, control):
    marc = pymarc.Record(force_utf8=True)
    marc.add_field(
        pymarc.Field(tag="245", indicators=pymarc.Indicators("0", "0"),
                     subfields=[pymarc.Subfield("a", f"Pride{control}and prejudice")]),
        pymarc.Field(tag="100", indicators=pymarc.Indicators("1", " "),
                     subfields=[pymarc.Subfield("a", f"Austen,{control}Jane")]),
    )  # fmt: skip
    job = job_run(import_job_create(file=io.BytesIO(marc.as_marc()), file_name="vt.mrc",
                                    one_shot=True))  # fmt: skip

    assert job.status == "committed", job.error
    record = Record.objects.get()
    assert record.title == "Pride and prejudice"
    assert [c.contributor.name for c in record.credits.all()] == ["Austen, Jane"]
