"""The MARC Stacks exports and serves keeps what the library gave it.

Real files are imported through an import job; what comes back (the export job's file, OAI-PMH
marc21, the API's ?format=marc) is parsed and held against the records the file gave: every
field of an unedited record comes back as it came in but its holdings (852/952, written from
the copies held now), and an edit changes only the subfields it says.
"""

import io
from datetime import UTC
from typing import Any

import pymarc
import pytest
from django.test import Client
from django_tenants.utils import schema_context
from lxml import etree

from catalog.imports.exports import export_job_create, export_job_write
from catalog.imports.jobs import import_job_create
from catalog.imports.models import ImportRow
from catalog.models import Item, Location, Record
from catalog.services import ItemData, item_create
from tests.catalog.imports.helpers import MARC_DIR, job_import, job_run
from tests.conftest import LIBRARY_HOST

KEPT_FILES = ["marc.dat", "test.dat", "regression45.dat"]
HOLDINGS = ("852", "952")
# The leader's positions an export computes: record length, encoding (UTF-8), base address.
COMPUTED = (*range(0, 5), 9, *range(12, 17))
MARC_NS = {"m": "http://www.loc.gov/MARC21/slim"}
OAI_PREFIX = "oai:alpha.localhost:"


def fields_of(marc: pymarc.Record) -> list[Any]:
    """A record's fields as compared: tag, indicators and subfields (or a control field's
    data), holdings left out."""
    return [
        (f.tag, f.data)
        if f.is_control_field()
        else (f.tag, f.indicator1, f.indicator2, [(s.code, s.value) for s in f.subfields])
        for f in marc.fields
        if f.tag not in HOLDINGS
    ]


def leader_kept(marc: pymarc.Record) -> str:
    return "".join(ch for i, ch in enumerate(str(marc.leader)) if i not in COMPUTED)


def source_of(record: Record) -> pymarc.Record:
    raw = bytes(record.source_marc)
    return pymarc.Record(
        data=raw, to_unicode=True, force_utf8=raw[9:10] == b"a", hide_utf8_warnings=True
    )


def exported(fmt: str = "marc") -> list[pymarc.Record]:
    job = export_job_write(job_id=export_job_create(format=fmt, filters={}, queue=False).pk)
    with job.file.open("rb") as stream:
        data = stream.read()
    if fmt == "marcxml":
        return pymarc.parse_xml_to_array(io.BytesIO(data))
    return list(pymarc.MARCReader(io.BytesIO(data), to_unicode=True))


def file_imported(name: str) -> list[Record]:
    job = job_import(MARC_DIR / name, one_shot=True, on_match="create", create_locations=True)
    assert job.status == "committed", job.error
    records = list(Record.objects.order_by("pk"))
    assert records
    return records


def subfields(marc: pymarc.Record, tag: str) -> list[tuple[str, str]]:
    return [(s.code, s.value) for s in marc.get_fields(tag)[0].subfields]


@pytest.mark.parametrize("name", KEPT_FILES)
@pytest.mark.parametrize("fmt", ["marc", "marcxml"])
def test_an_unedited_records_export_gives_back_every_field_it_came_with(in_library, name, fmt):
    records = file_imported(name)
    written = exported(fmt)
    assert len(written) == len(records)
    for record, marc in zip(records, written, strict=True):
        source = source_of(record)
        assert fields_of(marc) == fields_of(source), record.title
        assert leader_kept(marc) == leader_kept(source)


def test_an_edited_title_and_publisher_keep_the_rest_of_their_fields(library, client_for_writer):
    with schema_context(library.schema_name):
        records = file_imported("test.dat")
        record = next(
            r for r in records if source_of(r).get("245").get("c") and source_of(r).get("260")
        )
        source = source_of(record)
    response = client_for_writer.patch(
        f"/api/v1/records/{record.pk}/",
        {"title": "A title of our own", "publisher": "Our Press", "publication_year": 2001},
        format="json",
    )
    assert response.status_code == 200, response.json()
    with schema_context(library.schema_name):
        marc = next(m for m in exported() if m["001"].data == source["001"].data)
    title = dict(subfields(marc, "245"))
    assert title["a"].startswith("A title of our own")
    assert title["c"] == source["245"]["c"]
    assert "b" not in title or title["b"] == source["245"]["b"]
    assert not marc.get_fields("264")
    place, = [v for c, v in subfields(marc, "260") if c == "a"]  # fmt: skip
    assert place == source["260"]["a"]
    assert dict(subfields(marc, "260"))["b"].startswith("Our Press")
    assert "2001" in dict(subfields(marc, "260"))["c"]
    # 005 says when it last changed, for harvesters; what was not edited is as it came in.
    with schema_context(library.schema_name):
        updated = Record.objects.get(pk=record.pk).updated_at.astimezone(UTC)
    assert marc["005"].data == f"{updated:%Y%m%d%H%M%S}.0"
    assert marc["005"].data != source["005"].data
    untouched = [f for f in fields_of(source) if f[0] not in ("005", "008", "245", "260")]
    assert [f for f in fields_of(marc) if f[0] not in ("005", "008", "245", "260")] == untouched


def oai_marc(record_id: int) -> pymarc.Record:
    response = Client(HTTP_HOST=LIBRARY_HOST).get(
        "/oai",
        {"verb": "GetRecord", "metadataPrefix": "marc21", "identifier": f"{OAI_PREFIX}{record_id}"},
    )
    assert response.status_code == 200
    element = etree.fromstring(response.content).find(".//m:record", MARC_NS)
    assert element is not None
    return pymarc.parse_xml_to_array(io.BytesIO(etree.tostring(element)))[0]


def api_marc(client: Any, record_id: int) -> pymarc.Record:
    response = client.get(f"/api/v1/records/{record_id}/", {"format": "marc"})
    assert response.status_code == 200
    return next(pymarc.MARCReader(io.BytesIO(response.content), to_unicode=True))


@pytest.mark.parametrize("name", KEPT_FILES)
def test_oai_and_the_api_serve_an_unedited_record_with_every_field_it_came_with(
    library, callers_for_a, name
):
    with schema_context(library.schema_name):
        records = file_imported(name)
        sources = {r.pk: source_of(r) for r in records}
    for pk, source in sources.items():
        for marc in (oai_marc(pk), api_marc(callers_for_a["read_key"], pk)):
            assert fields_of(marc) == fields_of(source)
            assert leader_kept(marc) == leader_kept(source)


def test_oai_and_the_api_serve_an_edit_in_the_fields_it_came_with(library, callers_for_a):
    with schema_context(library.schema_name):
        records = file_imported("test.dat")
        record = next(r for r in records if source_of(r).get("245").get("c"))
        source = source_of(record)
    response = callers_for_a["librarian"].patch(
        f"/api/v1/records/{record.pk}/", {"title": "A title of our own"}, format="json"
    )
    assert response.status_code == 200, response.json()
    for marc in (oai_marc(record.pk), api_marc(callers_for_a["read_key"], record.pk)):
        title = dict(subfields(marc, "245"))
        assert title["a"].startswith("A title of our own")
        assert title["c"] == source["245"]["c"]
        assert marc["005"].data > source["005"].data  # changed now, later than it came in
        kept = [f for f in fields_of(source) if f[0] not in ("005", "245")]
        assert [f for f in fields_of(marc) if f[0] not in ("005", "245")] == kept


def catalog_copies() -> list[tuple[Any, ...]]:
    return sorted(
        Item.objects.values_list(
            "barcode", "call_number", "location__code", "status", "public_note", "staff_note"
        )
    )


@pytest.mark.parametrize("fmt", ["marc", "marcxml"])
def test_an_export_imported_into_an_empty_library_keeps_the_copies_notes(
    library, other_library, fmt
):
    with schema_context(library.schema_name):
        records = file_imported("marc.dat")
        shelf = Location.objects.create(code="MAIN", name="Main")
        item_create(
            record_id=records[0].pk,
            data=ItemData(barcode="NOTE1", location_id=shelf.pk, call_number="QA 1",
                          public_note="Ask at desk", staff_note="Spine taped; rebind"),
        )  # fmt: skip
        item_create(record_id=records[1].pk, data=ItemData(barcode="NOTE2", status="missing"))
        before = catalog_copies()
        job = export_job_write(job_id=export_job_create(format=fmt, filters={}, queue=False).pk)
        with job.file.open("rb") as stream:
            first = stream.read()
    assert ("NOTE1", "QA 1", "MAIN", "available", "Ask at desk", "Spine taped; rebind") in before
    with schema_context(other_library.schema_name):
        job = job_run(
            import_job_create(
                file=io.BytesIO(first), file_name=f"export.{'mrc' if fmt == 'marc' else 'xml'}",
                one_shot=True, on_match="create", create_locations=True,
            )
        )  # fmt: skip
        assert job.status == "committed", job.error
        assert catalog_copies() == before
        job = export_job_write(job_id=export_job_create(format=fmt, filters={}, queue=False).pk)
        with job.file.open("rb") as stream:
            assert stream.read() == first


def test_public_holdings_never_carry_the_staff_note(library, callers_for_a):
    with schema_context(library.schema_name):
        record = file_imported("test.dat")[0]
        item_create(
            record_id=record.pk,
            data=ItemData(barcode="NOTE3", public_note="Ask at desk", staff_note="Staff only"),
        )
    for marc in (oai_marc(record.pk), api_marc(callers_for_a["read_key"], record.pk)):
        (held,) = marc.get_fields("852")
        assert held.get_subfields("z") == ["Ask at desk"]
        assert "Staff only" not in str(marc)
        assert not held.get_subfields("x")


MARC8_WARNING = "Some characters could not be read (MARC-8)"


def test_unreadable_marc8_characters_are_a_warning_on_the_row_and_nothing_is_printed(
    in_library, capfd
):
    # An EACC escape pymarc cannot read (1251.dat, Windows-1251 text, is read as that:
    # tests/catalog/imports/test_eight_bit_marc.py).
    job = job_import(MARC_DIR / "bad_eacc_encoding.dat", one_shot=True, on_match="create")
    assert (job.status, job.rejected) == ("committed", 0)
    rows = list(ImportRow.objects.filter(job=job).values_list("reason", flat=True))
    assert rows
    assert any(MARC8_WARNING in reason for reason in rows), rows
    exported("marc")
    Client(HTTP_HOST=LIBRARY_HOST).get("/oai", {"verb": "ListRecords", "metadataPrefix": "marc21"})
    assert "Unable to parse" not in capfd.readouterr().err


def test_readable_marc8_records_have_no_such_warning(in_library):
    job = job_import(MARC_DIR / "marc8.dat", one_shot=True, on_match="create")
    assert job.status == "committed", job.error
    reasons = list(ImportRow.objects.filter(job=job).values_list("reason", flat=True))
    assert reasons
    assert not [reason for reason in reasons if MARC8_WARNING in reason]


MENDED_WARNING = "its list of fields gave wrong lengths"


def test_a_record_whose_directory_miscounts_is_read_whole_and_said_to_be_damaged(in_library):
    # bad_subfield_code.dat's 245 has a two-byte subfield code, so every field after it
    # starts a byte later than its directory says: read by the directory, each field lost its
    # last character ("Perl (Computer program language" under a local scheme) without a word.
    job = job_import(MARC_DIR / "bad_subfield_code.dat", one_shot=True)
    assert (job.status, job.created, job.rejected) == ("committed", 1, 0)
    reason = ImportRow.objects.get(job=job).reason
    assert "Warning:" in reason
    assert MENDED_WARNING in reason
    record = Record.objects.get()
    subjects = [(link.subject.heading, link.subject.scheme) for link in record.subject_links.all()]
    assert subjects == [
        ("Perl (Computer program language)", "lcsh"),
        ("Active server pages", "lcsh"),
        ("ActiveX", "lcsh"),
    ]
    (marc,) = exported("marc")
    assert marc["500"]["a"] == '"Wiley Computer Publishing."'
    assert marc["260"].value().startswith("New York : John Wiley & Sons, 2000.")


def test_a_sound_record_has_no_damage_warning(in_library):
    job = job_import(MARC_DIR / "test.dat", one_shot=True)
    reasons = list(ImportRow.objects.filter(job=job).values_list("reason", flat=True))
    assert len(reasons) == 10
    assert not [reason for reason in reasons if MENDED_WARNING in reason]


@pytest.fixture
def client_for_writer(callers_for_a):
    return callers_for_a["librarian"]


@pytest.fixture
def callers_for_a(library):
    from tests.api.conftest import callers_of

    return callers_of(library.schema_name, LIBRARY_HOST)
