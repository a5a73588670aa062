"""An ISBN whose check digit is wrong (as real catalogues and spreadsheets carry them) is kept
as an invalid ISBN, said on its row, and goes out and comes back in every export."""

import csv
import io

import pymarc
from django_tenants.utils import schema_context

from catalog.imports.jobs import import_job_create
from catalog.models import Record
from catalog.protocols.cql import cql_search
from catalog.services import RecordData, record_create
from tests.catalog.imports.helpers import job_run
from tests.catalog.imports.test_round_trip import comparable, export, import_into_current
from tests.circulation.conftest import staff_client
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST

# Dune's ISBN is 978-0-441-17271-9: ...18 has a wrong check digit.
WRONG = "978-0-441-17271-8"


def _identifiers() -> list[tuple[str, str]]:
    return sorted(Record.objects.get().identifiers.values_list("kind", "value"))


def test_a_csv_row_with_a_wrong_check_digit_is_imported_and_told(in_library):
    job = job_run(
        import_job_create(
            file=io.BytesIO(f"title,isbn\nDune,{WRONG}\n".encode()),
            file_name="books.csv",
            one_shot=True,
        )
    )
    row = job.rows.get()
    assert (row.action, job.created) == ("create", 1)
    assert f"ISBN {WRONG} has a wrong check digit: kept as an invalid ISBN." in row.reason
    assert _identifiers() == [("isbn_bad", "9780441172718")]


def test_an_invalid_isbn_goes_out_as_marc_020_z_and_in_the_csv_isbn_column(library, other_library):
    with schema_context(library.schema_name):
        record_create(
            data=RecordData(
                title="Dune",
                identifiers=[("isbn", "9780441172719"), ("isbn_bad", "9780441172718")],
            )
        )
        marc = pymarc.Record(data=export("marc"), to_unicode=True, force_utf8=True)
        first = export("csv")
    assert [(f.get("a"), f.get("z")) for f in marc.get_fields("020")] == [
        ("9780441172719", None),
        (None, "9780441172718"),
    ]
    row = next(csv.DictReader(io.StringIO(first.decode("utf-8-sig"))))
    assert row["isbn"] == "9780441172719;9780441172718"
    with schema_context(other_library.schema_name):
        import_into_current("export.csv", first)
        kept = _identifiers()
        second = export("csv")
    assert kept == [("isbn", "9780441172719"), ("isbn_bad", "9780441172718")]
    assert comparable("csv", second) == comparable("csv", first)


def test_the_number_printed_on_the_book_finds_it_by_every_isbn_lookup(library, other_library):
    with schema_context(library.schema_name):
        record = record_create(
            data=RecordData(title="Dune", identifiers=[("isbn_bad", "9780441172718")])
        )
        by_sru = [r.pk for r in cql_search(f'isbn="{WRONG}"')]
        by_identifier_index = [r.pk for r in cql_search('identifier="9780441172718"')]
    librarian = staff_client(library.schema_name, LIBRARY_HOST, "librarian")
    found = {
        params: [
            r["id"] for r in librarian.get("/api/v1/records/", dict([params])).json()["results"]
        ]
        for params in (("isbn", WRONG), ("identifier", f"isbn:{WRONG}"))
    }
    export = librarian.post(
        "/api/v1/exports/",
        {"format": "csv", "filters": {"isbn": WRONG}},
        content_type="application/json",
    )
    assert by_sru == by_identifier_index == [record.pk]
    assert found == {("isbn", WRONG): [record.pk], ("identifier", f"isbn:{WRONG}"): [record.pk]}
    assert export.status_code == 202, export.content
    # A number that is no ISBN at all is still refused, and another library finds nothing.
    refused = librarian.get("/api/v1/records/", {"isbn": "123"})
    assert refused.status_code == 400
    assert "is not an ISBN" in refused.json()["detail"]
    other = staff_client(other_library.schema_name, OTHER_LIBRARY_HOST, "librarian")
    assert other.get("/api/v1/records/", {"isbn": WRONG}).json()["results"] == []
