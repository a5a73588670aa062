"""Lending fixtures: a library's catalog with copies to lend and patrons to lend them to."""

from dataclasses import dataclass, field
from datetime import date

import pytest
from django_tenants.utils import schema_context

from catalog.models import Item, Location, Record
from catalog.services import ItemData, RecordData, item_create, location_create, record_create
from circulation.models import Patron
from circulation.services import PatronData, patron_create
from tenants.models import Library


@dataclass
class Desk:
    """Two records with copies at one location, and patrons, in one library's schema."""

    schema: str
    record: Record
    other_record: Record
    location: Location
    items: list[Item] = field(default_factory=list)
    patron: Patron | None = None
    other_patron: Patron | None = None

    @property
    def item(self) -> Item:
        return self.items[0]


def desk_make(schema: str, copies: int = 3) -> Desk:
    with schema_context(schema):
        record = record_create(data=RecordData(title="The Dispossessed", publication_year=1974))
        other = record_create(data=RecordData(title="The Lathe of Heaven"))
        location = location_create(code="MAIN", name="Main library")
        desk = Desk(schema=schema, record=record, other_record=other, location=location)
        for n in range(copies):
            desk.items.append(
                item_create(
                    record_id=(record if n < copies - 1 else other).pk,
                    data=ItemData(
                        barcode=f"{schema}-I{n:03}",
                        location_id=location.pk,
                        call_number=f"813.54 LEG {n}",
                    ),
                )
            )
        desk.patron = patron_create(
            data=PatronData(
                name="Shevek Anarres", barcode=f"{schema}-P001", email="shevek@a.example"
            ),
            pin="1234",
        )
        desk.other_patron = patron_create(
            data=PatronData(
                name="Takver Anarres", barcode=f"{schema}-P002", email="takver@a.example"
            )
        )
    return desk


@pytest.fixture
def desk(library: Library) -> Desk:
    return desk_make(library.schema_name)


@pytest.fixture
def other_desk(other_library: Library) -> Desk:
    return desk_make(other_library.schema_name)


def expired_on() -> date:
    return date(2000, 1, 1)
