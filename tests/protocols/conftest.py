"""A small catalog in library A for the protocol tests: real MARC records and built ones."""

from decimal import Decimal
from pathlib import Path

import pytest

from catalog.imports.formats.marc import marc_parse, marc_split
from catalog.imports.formats.marc21 import marc_map
from catalog.services import (
    ItemData,
    RecordData,
    item_create,
    location_create,
    record_create,
)

MARC_FILE = Path(__file__).resolve().parent.parent / "data" / "marc" / "test.dat"
PRICE = "987.65"
STAFF_NOTE = "Spine cracked, do not lend to Mr Burns"


def marc_records_load() -> list:
    """The records of tests/data/marc/test.dat (pymarc's), created as an import would:
    their fields read by marc_map, their bytes kept."""
    created = []
    with MARC_FILE.open("rb") as handle:
        for raw, _ in marc_split(handle):
            data, _ = marc_map(marc_parse(raw))
            data.source_marc = raw
            created.append(record_create(data=data))
    return created


@pytest.fixture
def shelf(in_library):
    """Library A: ten real MARC records and three built ones, copies at two locations."""
    main = location_create(code="MAIN", name="Main Library")
    east = location_create(code="EAST 2", name="East Branch, second floor")
    records = {f"marc{i}": record for i, record in enumerate(marc_records_load())}
    records["moon"] = record_create(
        data=RecordData(
            title="Gardens of the moon", subtitle="a tale of the Malazan book of the fallen",
            publisher="Bantam", publication_year=1999, language="eng",
            contributors=[("Erikson, Steven", "author"), ("Ross, Neil", "illustrator")],
            subjects=[("Fantasy fiction", "lcsh")], identifiers=[("isbn", "0-553-81957-7")],
            summary="The Malazan Empire simmers with discontent.",
        )
    )  # fmt: skip
    records["gates"] = record_create(
        data=RecordData(title="Deadhouse gates", publication_year=2000,
                        contributors=[("Erikson, Steven", "author")],
                        subjects=[("Sieges", "lcsh")])
    )  # fmt: skip
    records["mistress"] = record_create(
        data=RecordData(title="The moon is a harsh mistress", publication_year=1966,
                        contributors=[("Heinlein, Robert A.", "author")],
                        subjects=[("Science fiction", "lcsh")])
    )  # fmt: skip
    item_create(
        record_id=records["moon"].pk,
        data=ItemData(barcode="B-100", call_number="FIC ERI", location_id=main.pk,
                      price=Decimal(PRICE), staff_note=STAFF_NOTE,
                      public_note="Signed by the author"),
    )  # fmt: skip
    item_create(
        record_id=records["marc0"].pk,
        data=ItemData(barcode="B-200", call_number="QA 76", location_id=east.pk),
    )
    return records
