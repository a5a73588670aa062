"""Exports round-trip: export library A, import the file into an empty library B, export B.

For every export format that can be imported, on every file of tests/data/marc and on a
generated catalog with copies at several locations and statuses, the two catalogs are equal
(records, contributors and their roles, subjects and their schemes, identifiers, copies with
their location, status and call number) and B's export is A's (the CSV's `id` column, the
catalog's own record ids, aside). JSON Lines, which is not imported, holds all of it.
"""

import csv
import io
from pathlib import Path
from typing import Any

import orjson
import pymarc
import pytest
from django_tenants.utils import schema_context

from catalog.imports.exports import export_job_create, export_job_write
from catalog.imports.formats.csv_file import csv_template
from catalog.imports.jobs import import_job_create
from catalog.models import Item, Record
from catalog.services import (
    ItemData,
    RecordData,
    item_create,
    location_create,
    record_create,
    record_update,
)
from common.errors import ApplicationError
from tests.catalog.imports.helpers import MARC_DIR, contributor_names, job_run

FILES = sorted(path.name for path in MARC_DIR.iterdir() if path.suffix in (".dat", ".mrc", ".xml"))
IMPORTED = {"csv": "export.csv", "marc": "export.mrc", "marcxml": "export.xml"}
ROLES = ["author", "editor", "illustrator", "translator", "corporate", "contributor"]
SCHEMES = ["lcsh", "mesh", "local", "fast"]
ISBNS = ["9780441172719", "9780312243029", "9780141439549", "9780441478125"]
# The statuses a file carries as they are: on loan and on the hold shelf come in available
# (test_lent_copy_round_trip, test_hold_shelf_round_trip).
STATUSES = ["available", "missing", "lost", "damaged", "withdrawn", "in_processing"]


def catalog_state() -> list[tuple[Any, ...]]:
    """The library's catalog as comparable values, record by record in id order."""
    records = Record.objects.order_by("pk").prefetch_related(
        "credits__contributor", "subject_links__subject", "identifiers", "items__location"
    )
    return [
        (
            r.title, r.subtitle, r.publisher, r.publication_year, r.edition, r.language,
            r.series, r.summary, r.control_number, r.control_number_source,
            [(c.contributor.name, c.role) for c in sorted(r.credits.all(), key=_position)],
            [(s.subject.heading, s.subject.scheme)
             for s in sorted(r.subject_links.all(), key=_position)],
            sorted((i.kind, i.value) for i in r.identifiers.all()),
            sorted((i.barcode, i.call_number, i.location.code if i.location else "", i.status)
                   for i in r.items.all()),
        )
        for r in records
    ]  # fmt: skip


def _position(link: Any) -> int:
    return int(link.position)


def jsonl_state(data: bytes) -> list[tuple[Any, ...]]:
    state = []
    for line in data.splitlines():
        r = orjson.loads(line)
        state.append(
            (
                r["title"], r["subtitle"], r["publisher"], r["publication_year"], r["edition"],
                r["language"], r["series"], r["summary"], r["control_number"],
                r["control_number_source"],
                [(c["name"], c["role"]) for c in r["contributors"]],
                [(s["heading"], s["scheme"]) for s in r["subjects"]],
                sorted((i["kind"], i["value"]) for i in r["identifiers"]),
                sorted((i["barcode"], i["call_number"], i["location"], i["status"])
                       for i in r["items"]),
            )
        )  # fmt: skip
    return state


def export(fmt: str) -> bytes:
    job = export_job_write(job_id=export_job_create(format=fmt, filters={}, queue=False).pk)
    with job.file.open("rb") as stream:
        return stream.read()


def comparable(fmt: str, data: bytes) -> Any:
    """An export as compared: a CSV without its `id` column (the library's own ids)."""
    if fmt != "csv":
        return data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    return [row[1:] for row in rows]


def import_into_current(name: str, data: bytes) -> None:
    job = import_job_create(
        file=io.BytesIO(data), file_name=name, one_shot=True, on_match="create",
        create_locations=True,
    )  # fmt: skip
    job = job_run(job)
    assert job.status == "committed", job.error
    assert job.rejected == 0, list(job.rows.filter(action="reject").values_list("reason"))


def generated_catalog(seed: int) -> None:
    """Records with every field, contributors in every role, subjects in several schemes,
    identifiers of every kind, and copies at several locations in every status."""
    locations = [location_create(code=code, name=f"{code} branch").pk
                 for code in ("MAIN", "EAST", "ATTIC")]  # fmt: skip
    for n in range(1, 13):
        k = n + seed
        record = record_create(
            data=RecordData(
                title=f"-{n} The book of {k}" if n == 3 else f"The book of {k}",
                subtitle=f"part {n}" if n % 2 else "",
                publisher="Acme; Sons" if n == 5 else f"Press {k % 4}",
                publication_year=None if n % 5 == 0 else 1900 + k,
                edition="2nd ed" if n % 3 == 0 else "",
                language=["eng", "fre", "ger", ""][n % 4],
                series=f"Series {k % 3}" + (f" ; {n}" if n % 4 == 0 else "") if n % 2 == 0 else "",
                summary=f"What happens in book {k}, in short" if n % 4 else "",
                control_number=f"cn{k:05d}" if n % 3 else "",
                control_number_source="OCoLC" if n % 3 == 1 else "",
                contributors=[(f"Writer{k + j}, Ann", ROLES[(n + j) % len(ROLES)])
                              for j in range(n % 4)],
                subjects=[(f"Topic {k + j} -- History", SCHEMES[(n + j) % len(SCHEMES)])
                          for j in range(n % 3)],
                identifiers=[
                    *([("isbn", ISBNS[n % len(ISBNS)])] if n % 2 else []),
                    *([("issn", "0317-8471")] if n % 4 == 1 else []),
                    *([("lccn", f"{2000 + n}0{k:05d}")] if n % 4 == 2 else []),
                    *([("oclc", str(100000 + k))] if n % 3 == 2 else []),
                ],
            )
        )  # fmt: skip
        for c in range(n % 4):
            item_create(
                record_id=record.pk,
                data=ItemData(
                    barcode=f"G{seed}-{n}-{c}",
                    call_number=f"QA{k}.{c}" if c != 1 else "",
                    location_id=locations[(n + c) % 3] if c != 2 else None,
                    status=STATUSES[(n + c) % len(STATUSES)],
                ),
            )


def _load_file(name: str) -> None:
    path = MARC_DIR / name
    job = job_run(
        import_job_create(
            file=io.BytesIO(path.read_bytes()), file_name=Path(name).name, one_shot=True,
            on_match="create", create_locations=True,
        )
    )  # fmt: skip
    assert job.status in ("committed", "failed")


@pytest.mark.parametrize("fmt", sorted(IMPORTED))
@pytest.mark.parametrize("source", ["generated", *FILES])
def test_an_export_imported_into_an_empty_library_gives_the_same_catalog_and_export(
    library, other_library, source, fmt
):
    with schema_context(library.schema_name):
        if source == "generated":
            generated_catalog(seed=7)
        else:
            _load_file(source)
        before = catalog_state()
        first = export(fmt)
        assert jsonl_state(export("jsonl")) == before
    if not before:
        pytest.skip(f"{source}: no record of it can be imported")
    with schema_context(other_library.schema_name):
        assert not Record.objects.exists()
        import_into_current(IMPORTED[fmt], first)
        after = catalog_state()
        second = export(fmt)
    assert after == before
    assert comparable(fmt, second) == comparable(fmt, first)


def test_the_csv_export_keeps_each_copys_location_status_and_call_number(in_library):
    record = record_create(data=RecordData(title="Demo record 45"))
    main = location_create(code="MAIN", name="Main").pk
    east = location_create(code="EAST", name="East").pk
    item_create(record_id=record.pk, data=ItemData(barcode="DEMO0045A", call_number="FIC A",
                                                   location_id=main))  # fmt: skip
    item_create(record_id=record.pk, data=ItemData(barcode="DEMO0045B", call_number="FIC B",
                                                   location_id=east, status="on_loan"))  # fmt: skip
    row = next(csv.DictReader(io.StringIO(export("csv").decode("utf-8-sig"))))
    assert (row["barcode"], row["call_number"], row["location"], row["status"]) == (
        "DEMO0045A;DEMO0045B", "FIC A;FIC B", "MAIN;EAST", "available;on_loan"
    )  # fmt: skip
    assert Item.objects.count() == 2


def test_a_csv_export_keeps_a_semicolon_or_backslash_inside_a_listed_value(library, other_library):
    with schema_context(library.schema_name):
        record = record_create(
            data=RecordData(
                title="Semicolons",
                contributors=[("Back\\", "editor"), ("Doe, Jane; Roe, Richard", "author")],
                subjects=[("Punctuation -- History; 20th century", "lcsh")],
            )
        )
        main = location_create(code="MAIN", name="Main").pk
        item_create(record_id=record.pk, data=ItemData(barcode="SEMI;1", call_number="PN 1; c.2",
                                                       location_id=main))  # fmt: skip
        item_create(record_id=record.pk, data=ItemData(barcode="B\\2", call_number="REF\\"))
        before = catalog_state()
        first = export("csv")
    with schema_context(other_library.schema_name):
        import_into_current("export.csv", first)
        after = catalog_state()
        second = export("csv")
        assert sorted(Item.objects.values_list("barcode", "call_number")) == [
            ("B\\2", "REF\\"), ("SEMI;1", "PN 1; c.2")
        ]  # fmt: skip
    assert after == before
    assert after[0][10] == [("Back\\", "editor"), ("Doe, Jane; Roe, Richard", "author")]
    assert after[0][11] == [("Punctuation -- History; 20th century", "lcsh")]
    assert comparable("csv", second) == comparable("csv", first)


def test_a_listed_value_written_by_hand_is_split_at_each_semicolon(in_library):
    import_into_current(
        "books.csv",
        b"title,authors,barcode,call_number\n"
        b'Plain,"Doe, Jane; Roe, Richard",H1;H2,FIC A;FIC B\n'
        b"Escaped,Smith\\; John,H3,C:\\temp\n",
    )
    plain, escaped = Record.objects.order_by("pk")
    assert contributor_names(plain) == ["Doe, Jane", "Roe, Richard"]
    assert sorted(plain.items.values_list("barcode", "call_number")) == [
        ("H1", "FIC A"), ("H2", "FIC B")
    ]  # fmt: skip
    assert contributor_names(escaped) == ["Smith; John"]
    assert list(escaped.items.values_list("call_number", flat=True)) == ["C:\\temp"]


def test_the_template_imports_with_its_escaped_call_numbers(in_library):
    import_into_current("template.csv", csv_template().encode())
    record = Record.objects.get()
    assert sorted(record.items.values_list("barcode", "call_number")) == [
        ("31234000012345", "PS3562.E42 L4; c.1"), ("31234000012346", "PS3562.E42 L4; c.2")
    ]  # fmt: skip


def test_the_marc_export_shows_the_record_as_edited_and_keeps_what_stacks_does_not_map(
    in_library,
):
    _load_file("test.dat")
    record = Record.objects.order_by("pk").first()
    source = bytes(record.source_marc)
    record_update(
        record_id=record.pk,
        data=RecordData(title="A title edited in Stacks", summary="A summary written here"),
    )
    data = export("marc")
    assert b"A title edited in Stacks" in data
    assert b"A summary written here" in data
    written = next(iter(pymarc.MARCReader(io.BytesIO(data), to_unicode=True)))
    original = next(iter(pymarc.MARCReader(io.BytesIO(source), to_unicode=True)))
    unmapped = [f.tag for f in original.get_fields() if f.tag in ("005", "040", "500", "504")]
    assert unmapped
    assert [f.tag for f in written.get_fields(*unmapped)] == unmapped


def _series_fields(data: bytes) -> list[list[tuple[str, str]]]:
    written = next(iter(pymarc.MARCReader(io.BytesIO(data), to_unicode=True)))
    return [[(s.code, s.value) for s in f.subfields] for f in written.get_fields("490")]


def test_a_series_and_its_number_go_back_to_490_a_and_v(in_library):
    record = pymarc.Record(force_utf8=True)
    record.add_field(pymarc.Field(tag="245", indicators=pymarc.Indicators("1", "0"),
                                  subfields=[pymarc.Subfield("a", "Le petit prince")]))  # fmt: skip
    record.add_field(
        pymarc.Field(
            tag="490", indicators=pymarc.Indicators("0", " "),
            subfields=[pymarc.Subfield("a", "Folio junior"), pymarc.Subfield("v", "100")],
        )
    )  # fmt: skip
    import_into_current("prince.mrc", record.as_marc())
    imported = Record.objects.get()
    assert imported.series == "Folio junior ; 100"
    assert _series_fields(export("marc")) == [[("a", "Folio junior"), ("v", "100")]]

    # A record stored before the number was set apart still says what its source says.
    Record.objects.filter(pk=imported.pk).update(series="Folio junior 100")
    assert _series_fields(export("marc")) == [[("a", "Folio junior"), ("v", "100")]]

    record_update(record_id=imported.pk, data=RecordData(title="Le petit prince",
                                                         series="Folio junior ; 101"))  # fmt: skip
    assert _series_fields(export("marc")) == [[("a", "Folio junior ;"), ("v", "101")]]


@pytest.mark.parametrize("language", ["English", "Eng", "en", "e n g"])
def test_an_export_filter_that_cannot_match_is_refused_with_what_to_write(in_library, language):
    if language == "Eng":  # a code in capitals is understood
        assert export_job_create(format="csv", filters={"language": language}, queue=False)
        return
    with pytest.raises(ApplicationError, match="three-letter MARC language code"):
        export_job_create(format="csv", filters={"language": language}, queue=False)
