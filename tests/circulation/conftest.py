"""Lending fixtures: a library's catalog with copies to lend and patrons to lend them to."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from django.db.models import Model
from django.test import Client
from django_tenants.utils import schema_context

from catalog.models import Item, Location, Record
from catalog.services import ItemData, RecordData, item_create, location_create, record_create
from circulation.models import Patron
from circulation.services import PatronData, patron_create
from staff.services import user_create
from tenants.models import Library
from tests.conftest import LIBRARY_HOST, fixtures_in_both_libraries
from tests.tenants.admin_helpers import signed_in


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

    def copy_add(self, barcode: str, *, call_number: str = "", at: Location | None = None) -> Item:
        """One more copy of the first record, at the desk's location unless `at` says."""
        with schema_context(self.schema):
            item = item_create(
                record_id=self.record.pk,
                data=ItemData(
                    barcode=barcode, location_id=(at or self.location).pk, call_number=call_number
                ),
            )
        self.items.append(item)
        return item

    def rows(self, model: type[Model], *fields: str) -> list[tuple[Any, ...]]:
        """Every row of `model` in the desk's library, as these fields, in order."""
        with schema_context(self.schema):
            return sorted(model._default_manager.values_list(*fields))


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


desk, other_desk = fixtures_in_both_libraries("desk", desk_make)


def staff_client(schema: str, host: str, role: str) -> Client:
    """A client signed in to the library's staff pages as a new member of staff in `role`."""
    with schema_context(schema):
        user_create(email=f"{role}-desk@{schema}.example", role=role)
    return signed_in(host, schema, f"{role}-desk@{schema}.example", client_class=Client)


@pytest.fixture
def librarian(library: Library) -> Client:
    return staff_client(library.schema_name, LIBRARY_HOST, "librarian")


@pytest.fixture
def admin(library: Library) -> Client:
    return staff_client(library.schema_name, LIBRARY_HOST, "admin")


@pytest.fixture
def viewer(library: Library) -> Client:
    return staff_client(library.schema_name, LIBRARY_HOST, "viewer")


def expired_on() -> date:
    return date(2000, 1, 1)
