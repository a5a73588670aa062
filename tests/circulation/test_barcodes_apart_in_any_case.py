"""A copy's barcode and a card's differ other than by case: the desk finds either in whatever
case it is typed, so a copy is refused a card's barcode in another case (API, staff pages,
imports) and a card a copy's. A copy and a card that share one from before are saved as ever
otherwise, and a scan that matches neither as typed but both in another case does nothing."""

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from catalog.imports.jobs import import_job_create
from catalog.imports.models import ImportRow
from catalog.models import Item
from circulation.models import Patron
from tests.api.test_circulation_api import patron_key
from tests.catalog.imports.helpers import job_run
from tests.circulation.conftest import Desk
from tests.circulation.test_barcodes_alike import copy_barcode_given
from tests.circulation.test_desk_pages import scan, state
from tests.circulation.test_lent_copies_kept import _writer
from tests.circulation.test_patron_imports import desk_client, upload, worker_runs
from tests.conftest import LIBRARY_HOST


def _patrons(desk: Desk) -> list[tuple[Any, ...]]:
    return desk.rows(Patron, "name", "barcode", "email")


def _copies(desk: Desk) -> list[tuple[Any, ...]]:
    return desk.rows(Item, "id", "barcode", "call_number")


def test_a_copy_is_refused_a_card_s_barcode_in_another_case(librarian: Client, desk: Desk) -> None:
    writer = _writer(desk)
    card = desk.patron.barcode.lower()
    assert card != desk.patron.barcode
    before = _copies(desk)

    made, moved, page = copy_barcode_given(
        writer, librarian, desk, card, record=desk.record, item=desk.item
    )

    for refused in (made, moved):
        assert refused.status_code == 400, refused.content
        assert refused.json()["code"] == "barcode_held"
        assert f"Barcode \u201c{card}\u201d is already a patron's card" in refused.json()["detail"]
    assert page.status_code == 400
    assert f"Barcode \u201c{card}\u201d is already a patron&#x27;s card" in page.text
    assert _copies(desk) == before


def test_a_card_is_refused_a_copy_s_barcode_in_another_case(librarian: Client, desk: Desk) -> None:
    copy = desk.item.barcode.lower()
    assert copy != desk.item.barcode
    before = _patrons(desk)

    made = patron_key(desk.schema, LIBRARY_HOST, "write").post(
        "/api/v1/patrons/", {"name": "Odo", "barcode": copy}, format="json"
    )
    page = librarian.post(
        "/staff/patrons/new/", {"name": "Odo", "barcode": copy, "category": "adult"}
    )

    assert made.status_code == 400, made.content
    assert f"Barcode \u201c{copy}\u201d is already a copy of" in made.json()["detail"]
    assert page.status_code == 400
    assert f"Barcode \u201c{copy}\u201d is already a copy of" in page.text
    assert _patrons(desk) == before


def test_imports_refuse_a_barcode_the_other_kind_has_in_another_case(library, desk: Desk) -> None:
    card, copy = desk.patron.barcode.lower(), desk.item.barcode.lower()
    with schema_context(desk.schema):
        rows = f"title,barcode\nThe Word for World,IMP-1\nThe Eye of the Heron,{card}\n"
        job = job_run(
            import_job_create(file=io.BytesIO(rows.encode()), file_name="new.csv", one_shot=True)
        )
        first, second = ImportRow.objects.filter(job=job).order_by("position")
        assert (first.action, second.action) == ("create", "reject")
        assert f"Barcode {card} is already a patron's card" in second.reason
        assert not Item.objects.filter(barcode=card).exists()
    client = desk_client(library)
    queued = upload(client, f"name,barcode\nOdo,{copy}\n").json()
    worker_runs(desk.schema, queued["id"])

    rows = client.get(f"/api/v1/patron-imports/{queued['id']}/rows/").json()["results"]

    assert [row["action"] for row in rows] == ["reject"]
    assert f"Barcode \u201c{copy}\u201d is already a copy of" in rows[0]["reason"]


@pytest.mark.parametrize("case", [str, str.lower])
def test_a_copy_and_a_card_that_share_a_barcode_from_before_are_still_saved(
    library, desk: Desk, case: Callable[[str], str]
) -> None:
    shared = case(desk.patron.barcode)
    with schema_context(desk.schema):
        # As they could be given before they were kept apart (in any case).
        Item.objects.filter(pk=desk.item.pk).update(barcode=shared)
    writer = _writer(desk)

    copy = writer.patch(f"/api/v1/items/{desk.item.pk}/", {"call_number": "813 LEG"},
                        format="json")  # fmt: skip
    card = patron_key(desk.schema, LIBRARY_HOST, "write").patch(
        f"/api/v1/patrons/{desk.patron.pk}/", {"email": "shevek@b.example"}, format="json"
    )
    client = desk_client(library)
    queued = upload(client, f"name,barcode,email\nShevek A.,{desk.patron.barcode},\n").json()
    worker_runs(desk.schema, queued["id"])
    rows = client.get(f"/api/v1/patron-imports/{queued['id']}/rows/").json()["results"]

    assert copy.status_code == 200, copy.content
    assert card.status_code == 200, card.content
    assert [row["action"] for row in rows] == ["update"], rows
    with schema_context(desk.schema):
        assert Item.objects.get(pk=desk.item.pk).call_number == "813 LEG"
        assert Patron.objects.get(pk=desk.patron.pk).email == "shevek@b.example"


def test_a_scan_both_have_only_in_another_case_lends_and_returns_nothing(
    librarian: Client, desk: Desk
) -> None:
    card = desk.patron.barcode
    with schema_context(desk.schema):
        Item.objects.filter(pk=desk.item.pk).update(barcode=card.lower())
    typed = card[0].upper() + card[1:].lower()
    assert typed not in (card, card.lower())
    scan(librarian, desk.other_patron.barcode)
    before = state(desk)

    page = scan(librarian, typed)

    assert f"{typed} is both <bdi>{desk.patron.name}</bdi>&#x27;s card and a copy of" in page
    assert "lent to" not in page
    assert state(desk) == before
    # As typed, each is itself.
    assert f"Lending to <bdi>{desk.patron.name}</bdi>" in scan(librarian, card)
