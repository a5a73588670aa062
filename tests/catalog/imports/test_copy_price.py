"""A copy's price travels in the catalog CSV: the template's `price` column (Prix, Preis,
Precio), read as librarians write amounts, refused in words when it is not one, exported and
read back as it went out."""

import csv
import io
from datetime import date
from decimal import Decimal

import orjson
import pytest
from django_tenants.utils import schema_context

from catalog.imports.formats.csv_file import csv_template
from catalog.imports.jobs import import_job_create
from catalog.models import Item
from catalog.services import ItemData, item_create, record_create
from catalog.services import RecordData as Data
from tests.catalog.imports.helpers import job_run
from tests.catalog.imports.test_round_trip import comparable, export, import_into_current


def _imported(rows: str) -> list[tuple[str, str, str]]:
    """The file's rows as the import left them: action and reason, by title."""
    job = job_run(import_job_create(file=io.BytesIO(rows.encode()), file_name="prices.csv",
                                    one_shot=True))  # fmt: skip
    assert job.status == "committed", job.error
    return sorted(job.rows.values_list("title", "action", "reason"))


HEADERS = ["title;barcode;price", "Titre;Code-barres;Prix", "Titel;Strichcode;Preis",
           "Título;Código de barras;Precio"]  # fmt: skip


@pytest.mark.parametrize("header", HEADERS)
def test_a_price_column_in_any_language_gives_each_copy_its_price(in_library, header):
    _imported(f'{header}\nDune;D-1;12,50 \u20ac\nEmma;"E-1;E-2";"$1,234.5; 8"\nUlysses;U-1;\n')
    prices = dict(Item.objects.values_list("barcode", "price"))
    assert prices == {"D-1": Decimal("12.50"), "E-1": Decimal("1234.50"),
                      "E-2": Decimal("8.00"), "U-1": None}  # fmt: skip


def test_a_price_that_is_not_an_amount_rejects_its_row_with_a_sentence(in_library):
    rows = _imported("title,barcode,price\nDune,D-1,douze\nEmma,E-1,7\n")
    assert rows[0] == (
        "Dune", "reject",
        "Column price: \u201cdouze\u201d is not an amount; write it in digits, such as 12.50 "
        "or 12,50 \u20ac (or leave it empty for no price).",
    )  # fmt: skip
    assert dict(Item.objects.values_list("barcode", "price")) == {"E-1": Decimal("7.00")}


def test_the_template_has_a_price_beside_each_copy():
    header, example = list(csv.reader(io.StringIO(csv_template())))
    assert header[-1] == "price"
    assert example[header.index("price")] == "18.99; 18.99"


def test_prices_come_back_from_an_export_as_they_went_out(library, other_library):
    with schema_context(library.schema_name):
        record = record_create(data=Data(title="Dune"))
        for barcode, price in (("D-1", Decimal("12.50")), ("D-2", None), ("D-3", Decimal("8"))):
            item_create(record_id=record.pk, data=ItemData(barcode=barcode, price=price))
        first = export("csv")
    row = next(csv.DictReader(io.StringIO(first.decode("utf-8-sig"))))
    assert (row["barcode"], row["price"]) == ("D-1;D-2;D-3", "12.50;;8.00")
    with schema_context(other_library.schema_name):
        import_into_current("export.csv", first)
        prices = dict(Item.objects.values_list("barcode", "price"))
        second = export("csv")
    assert prices == {"D-1": Decimal("12.50"), "D-2": None, "D-3": Decimal("8.00")}
    assert comparable("csv", second) == comparable("csv", first)


def test_a_json_lines_export_gives_each_copy_its_price_and_acquisition_date(in_library):
    record = record_create(data=Data(title="Dune"))
    item_create(record_id=record.pk, data=ItemData(barcode="D-1", price=Decimal("12.50"),
                                                   acquired_on=date(2024, 9, 2)))  # fmt: skip
    item_create(record_id=record.pk, data=ItemData(barcode="D-2"))
    items = orjson.loads(export("jsonl").splitlines()[0])["items"]
    assert [(i["barcode"], i["price"], i["acquired_on"]) for i in items] == [
        ("D-1", "12.50", "2024-09-02"), ("D-2", None, None),
    ]  # fmt: skip
