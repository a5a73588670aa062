"""A CSV export with semicolons between its columns, as Excel in French, German or Spanish
opens it: it comes back in equal, and the staff page offers it in those languages."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from catalog.imports.exports import export_job_create, export_job_write
from catalog.imports.models import ExportJob
from catalog.models import Item
from catalog.services import ItemData, RecordData, item_create, location_create, record_create
from common.errors import ApplicationError
from staff.services import user_create
from tenants.models import Library
from tests.catalog.imports.test_round_trip import catalog_state, import_into_current
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST, PASSWORD
from tests.tenants.admin_helpers import signed_in


def _export(separator: str) -> bytes:
    job = export_job_create(format="csv", filters={}, separator=separator, queue=False)
    with export_job_write(job_id=job.pk).file.open("rb") as stream:
        return stream.read()


def _prices() -> list[tuple[str, Decimal | None]]:
    return list(Item.objects.order_by("barcode").values_list("barcode", "price"))


def _without_ids(data: bytes) -> list[str]:
    """The file's lines without the first column (the library's own record ids)."""
    return [line.split(";", 1)[1] for line in data.decode("utf-8-sig").splitlines()]


def test_a_semicolon_export_imports_into_another_library_and_exports_the_same(
    library, other_library
):
    with schema_context(library.schema_name):
        record = record_create(
            data=RecordData(
                title="Le Petit Prince; édition, illustrée",
                contributors=[("Saint-Exupéry, Antoine de", "author"), ("Doe, J", "editor")],
                subjects=[("Contes", "local"), ("Aviateurs -- Romans; récits", "lcsh")],
                identifiers=[("isbn", "9780156012195")],
                summary='Un "aviateur"\nrencontre un prince.',
            )
        )
        main = location_create(code="MAIN", name="Main").pk
        item_create(record_id=record.pk, data=ItemData(barcode="P1", location_id=main,
                                                       call_number="843 SAI; c.1",
                                                       price="8.40"))  # fmt: skip
        item_create(
            record_id=record.pk, data=ItemData(barcode="P2", status="missing", price="1234.50")
        )
        before = catalog_state(), _prices()
        first = _export(";")
    header = first.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("id;title;subtitle;authors;roles;isbn;")
    assert "," not in header
    with schema_context(other_library.schema_name):
        import_into_current("export.csv", first)
        after = catalog_state(), _prices()
        second = _export(";")
    # Prices with the decimal comma of the Excel that opens ";" files in columns.
    assert ';"8,40;1234,50"' in first.decode("utf-8-sig")
    assert after == before
    assert _without_ids(second) == _without_ids(first)


def test_the_comma_stays_the_default(in_library):
    record_create(data=RecordData(title="Dune"))
    job = export_job_create(format="csv", filters={}, queue=False)
    assert job.separator == ","
    with export_job_write(job_id=job.pk).file.open("rb") as stream:
        assert stream.read().decode("utf-8-sig").startswith("id,title,subtitle,")


def test_an_unknown_separator_is_refused_by_name(in_library):
    with pytest.raises(ApplicationError) as refused:
        export_job_create(format="csv", filters={}, separator="|", queue=False)
    assert (
        refused.value.message
        == "Unknown separator \u201c|\u201d: use a comma (,) or a semicolon (;)."
    )
    assert not ExportJob.objects.exists()


def _librarian() -> Client:
    with schema_context("alpha"):
        user_create(email="librarian-web@alpha.example", role="librarian", password=PASSWORD)
    return signed_in(LIBRARY_HOST, "alpha", "librarian-web@alpha.example", client_class=Client)


@pytest.mark.parametrize(("language", "chosen"), [("fr", ";"), ("de", ";"), ("es", ";"),
                                                   ("en", ",")])  # fmt: skip
def test_the_staff_page_preselects_the_separator_of_the_librarys_excel(library, language, chosen):
    Library.objects.filter(pk=library.pk).update(language=language)
    page = _librarian().get("/staff/exports/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'<option value="{chosen}" selected>' in page


def test_the_staff_page_exports_with_the_separator_chosen(library):
    started = _librarian().post("/staff/exports/", {"format": "csv", "separator": ";"})
    assert started.status_code == 302
    with schema_context("alpha"):
        assert list(ExportJob.objects.values_list("separator", flat=True)) == [";"]


def test_a_marc_export_from_the_staff_page_keeps_no_separator(library):
    """The page preselects a semicolon for a French library whatever the format; a MARC file
    has no columns, so its export keeps the default rather than a separator it never used."""
    Library.objects.filter(pk=library.pk).update(language="fr")
    started = _librarian().post("/staff/exports/", {"format": "marc", "separator": ";"})
    assert started.status_code == 302
    with schema_context("alpha"):
        assert list(ExportJob.objects.values_list("format", "separator")) == [("marc", ",")]


def test_a_separator_for_a_file_without_columns_is_refused(in_library):
    with pytest.raises(ApplicationError) as refused:
        export_job_create(format="marcxml", filters={}, separator=";", queue=False)
    assert refused.value.fields == {"separator": [refused.value.message]}
    assert "applies to CSV exports only" in refused.value.message
    assert not ExportJob.objects.exists()


def test_the_export_pages_show_a_csv_exports_separator(library, other_library):
    """Which separator a file has decides whether a spreadsheet opens it in columns: the list
    and the export's page say it for a CSV; another library's staff see neither export."""
    with schema_context(library.schema_name):
        semicolon = export_job_create(format="csv", filters={}, separator=";", queue=False)
        comma = export_job_create(format="csv", filters={}, queue=False)
        marc = export_job_create(format="marc", filters={}, queue=False)
    librarian = _librarian()

    listed = librarian.get("/staff/exports/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    shown = dict(re.findall(r'href="/staff/exports/(\d+)/">#\d+</a></td><td[^>]*>([^<]*)<', listed))
    assert shown == {
        str(semicolon.pk): "CSV (;)", str(comma.pk): "CSV (,)",
        str(marc.pk): "MARC 21 (ISO 2709)",
    }  # fmt: skip
    page = librarian.get(f"/staff/exports/{semicolon.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<p id="export-described">CSV (;) export of all records, ' in page.content.decode()

    with schema_context(other_library.schema_name):
        user_create(email="librarian-web@beta.example", role="librarian", password=PASSWORD)
    other = signed_in(OTHER_LIBRARY_HOST, "beta", "librarian-web@beta.example", client_class=Client)
    assert other.get(f"/staff/exports/{semicolon.pk}/").status_code == 404
    assert "CSV (;)" not in other.get("/staff/exports/").content.decode()
    with schema_context(library.schema_name):
        assert ExportJob.objects.count() == 3
