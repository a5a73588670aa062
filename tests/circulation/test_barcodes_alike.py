"""Two cards, or two copies, differ other than by case: the desk finds a barcode in whatever
case it is typed, so a new barcode is refused when another card (for a card) or copy (for a
copy) has it in another case (API, staff pages, imports), naming the barcode as stored. Those
alike from before are saved as ever otherwise; a scan matching several of them, none exactly,
does nothing and says so. A barcode holds nothing that cannot be typed at the desk."""

import io
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from catalog.imports.jobs import import_job_commit, import_job_create
from catalog.imports.models import ImportRow
from catalog.models import Item, Record
from catalog.services import ItemData, item_create
from circulation.models import Loan, Patron
from circulation.services import PatronData, patron_create
from common.errors import ApplicationError
from staff.services import api_key_create
from tenants.services import ProvisionedLibrary
from tests.api.conftest import client_for
from tests.api.test_circulation_api import patron_key
from tests.catalog.imports.helpers import csv_committed_after, job_run
from tests.circulation.conftest import Desk
from tests.circulation.test_desk_pages import scan, state
from tests.circulation.test_lent_copies_kept import _writer
from tests.circulation.test_patron_imports import desk_client, upload, worker_runs
from tests.conftest import LIBRARY_HOST
from tests.threads import while_first_is_open

CASE_BLIND = "(the desk does not tell upper and lower case apart)"


def _patrons(desk: Desk) -> list[tuple[Any, ...]]:
    return desk.rows(Patron, "id", "name", "barcode")


def _copies(desk: Desk) -> list[tuple[Any, ...]]:
    return desk.rows(Item, "id", "record_id", "barcode")


def copy_barcode_given(
    writer: Any, librarian: Client, desk: Desk, barcode: str, *, record: Record, item: Item
) -> tuple[Any, Any, Any]:
    """`barcode` given by the API to a new copy of `record` and to `item`, and on the staff
    record page to a new copy of the desk's first record: the three answers."""
    made = writer.post("/api/v1/items/", {"record": record.pk, "barcode": barcode}, format="json")
    moved = writer.patch(f"/api/v1/items/{item.pk}/", {"barcode": barcode}, format="json")
    page = librarian.post(
        f"/staff/records/{desk.record.pk}/copies/", {"barcode": barcode, "status": "available"}
    )
    return made, moved, page


def test_a_card_is_refused_another_card_s_barcode_in_another_case(
    librarian: Client, desk: Desk
) -> None:
    card = desk.patron.barcode
    typed = card.lower()
    writer = patron_key(desk.schema, LIBRARY_HOST, "write")
    before = _patrons(desk)

    made = writer.post("/api/v1/patrons/", {"name": "Bob2", "barcode": typed}, format="json")
    moved = writer.patch(f"/api/v1/patrons/{desk.other_patron.pk}/", {"barcode": typed},
                         format="json")  # fmt: skip
    page = librarian.post("/staff/patrons/new/",
                          {"name": "Bob2", "barcode": typed, "category": "adult"})  # fmt: skip

    refusal = (
        f"Barcode \u201c{typed}\u201d is already Shevek Anarres's card {card} {CASE_BLIND}: "
        "give this card another barcode."
    )
    for refused in (made, moved):
        assert refused.status_code == 400, refused.content
        assert refused.json()["detail"] == refusal
        assert refused.json()["errors"]["barcode"] == [refusal]
    assert page.status_code == 400
    assert f"Barcode \u201c{typed}\u201d is already Shevek Anarres&#x27;s card {card}" in page.text
    assert _patrons(desk) == before
    # Its own card, in another case, is still the patron's to have.
    own = writer.patch(f"/api/v1/patrons/{desk.patron.pk}/", {"barcode": typed}, format="json")
    assert own.status_code == 200, own.content
    with schema_context(desk.schema):
        assert Patron.objects.get(pk=desk.patron.pk).barcode == typed


@pytest.mark.parametrize(("first", "second"), [("P0001", "p0001"), ("p0001", "P0001")])
def test_two_cards_given_one_barcode_in_two_cases_at_once_are_not_both_kept(
    live_library: ProvisionedLibrary, first: str, second: str
) -> None:
    """The first writer has asked and written but not yet committed when the second asks: the
    second waits for it, then finds its card, rather than both finding the barcode free."""
    schema = live_library.library.schema_name
    one, two = while_first_is_open(
        schema,
        lambda: patron_create(data=PatronData(name="Odo", barcode=first)),
        lambda: patron_create(data=PatronData(name="Shevek", barcode=second)),
    )

    assert one.error is None, one.error
    assert isinstance(two.error, ApplicationError), (two.error, two.result)
    assert f"Barcode \u201c{second}\u201d is already Odo's card {first} {CASE_BLIND}" in str(
        two.error
    )
    with schema_context(schema):
        kept = list(Patron.objects.filter(barcode__iexact=first).values_list("name", "barcode"))
    assert kept == [("Odo", first)]


def test_a_copy_is_refused_another_copy_s_barcode_in_another_case(
    librarian: Client, desk: Desk
) -> None:
    copy = desk.item.barcode
    typed = copy.lower()
    writer = _writer(desk)
    before = _copies(desk)

    made, moved, page = copy_barcode_given(
        writer, librarian, desk, typed, record=desk.other_record, item=desk.items[2]
    )

    refusal = (
        f"Barcode \u201c{typed}\u201d is already copy {copy} of \u201cThe Dispossessed\u201d "
        f"{CASE_BLIND}: give this copy another barcode."
    )
    for refused in (made, moved):
        assert refused.status_code == 400, refused.content
        assert refused.json()["code"] == "barcode_taken"
        assert refused.json()["detail"] == refusal
    assert page.status_code == 400
    assert f"Barcode \u201c{typed}\u201d is already copy {copy} of" in page.text
    assert _copies(desk) == before
    own = writer.patch(f"/api/v1/items/{desk.item.pk}/", {"barcode": typed}, format="json")
    assert own.status_code == 200, own.content


def test_cards_and_copies_alike_from_before_are_still_saved(desk: Desk) -> None:
    with schema_context(desk.schema):
        # As they could be given before they were kept apart.
        Patron.objects.filter(pk=desk.other_patron.pk).update(barcode=desk.patron.barcode.lower())
        Item.objects.filter(pk=desk.items[1].pk).update(barcode=desk.item.barcode.lower())

    card = patron_key(desk.schema, LIBRARY_HOST, "write").patch(
        f"/api/v1/patrons/{desk.other_patron.pk}/", {"email": "takver@b.example"}, format="json"
    )
    copy = _writer(desk).patch(f"/api/v1/items/{desk.items[1].pk}/", {"call_number": "813 LEG"},
                               format="json")  # fmt: skip

    assert card.status_code == 200, card.content
    assert copy.status_code == 200, copy.content
    with schema_context(desk.schema):
        assert Patron.objects.get(pk=desk.other_patron.pk).email == "takver@b.example"
        assert Item.objects.get(pk=desk.items[1].pk).call_number == "813 LEG"


def test_a_patron_import_rejects_a_card_alike_in_the_file_or_among_the_cards(
    library, desk: Desk
) -> None:
    card = desk.patron.barcode.lower()
    client = desk_client(library)
    text = f"name,barcode\nAda,CARD-77\nBea,card-77\nCyd,CARD-77\nDee,{card}\n"
    queued = upload(client, text).json()
    worker_runs(desk.schema, queued["id"])

    rows = client.get(f"/api/v1/patron-imports/{queued['id']}/rows/").json()["results"]

    # Which of the three is the card's the file does not say: all three are refused.
    assert [row["action"] for row in rows] == ["reject", "reject", "reject", "reject"]
    assert rows[1]["reason"] == (
        f"Barcode \u201ccard-77\u201d is on line 2 of this file too, as \u201cCARD-77\u201d "
        f"{CASE_BLIND}. Barcode \u201ccard-77\u201d is on line 4 of this file too, as "
        f"\u201cCARD-77\u201d {CASE_BLIND}."
    )
    assert rows[0]["reason"].endswith("Barcode \u201cCARD-77\u201d is on line 4 of this file too.")
    assert (
        f"is already Shevek Anarres's card {desk.patron.barcode} {CASE_BLIND}"
        in (rows[3]["reason"])
    )
    client.post(f"/api/v1/patron-imports/{queued['id']}/commit/")
    worker_runs(desk.schema, queued["id"])
    with schema_context(desk.schema):
        assert not Patron.objects.filter(barcode__iexact="card-77").exists()
        assert not Patron.objects.filter(name="Dee").exists()


@pytest.mark.parametrize("one_shot", [False, True])
def test_a_catalog_import_rejects_a_copy_alike_in_the_file_or_among_the_copies(
    desk: Desk, one_shot: bool
) -> None:
    copy = desk.item.barcode
    rows = (
        "title,barcode\n"
        "The Word for World,SAME-1;same-1\n"
        f"The Eye of the Heron,{copy.lower()}\n"
        "Rocannon's World,NEW-1\n"
        "Planet of Exile,new-1\n"
    )
    with schema_context(desk.schema):
        job = job_run(
            import_job_create(file=io.BytesIO(rows.encode()), file_name="new.csv",
                              one_shot=one_shot)
        )  # fmt: skip
        word, heron, rocannon, exile = ImportRow.objects.filter(job=job).order_by("position")

        assert [r.action for r in (word, heron, rocannon, exile)] == [
            "reject", "reject", "create", "reject"
        ]  # fmt: skip
        assert (
            f"Barcode same-1 is given twice in this record, as SAME-1 too {CASE_BLIND}"
            in word.reason
        )
        assert (
            f"Barcode {copy.lower()} is already copy {copy} of \u201cThe Dispossessed\u201d "
            f"{CASE_BLIND}" in heron.reason
        )
        if one_shot:
            assert (
                f"Barcode new-1 is already copy NEW-1 of \u201cRocannon's World\u201d {CASE_BLIND}"
                in exile.reason
            )
        else:
            assert (
                f"Barcode new-1 is already given as NEW-1 to the copy on line 4 of this file "
                f"{CASE_BLIND}" in exile.reason
            )
            job = job_run(import_job_commit(job_id=job.pk))
        assert job.status == "committed", job.error
        assert not Item.objects.filter(barcode__iexact="same-1").exists()
        assert Item.objects.filter(barcode__iexact=copy).count() == 1
        assert list(Item.objects.filter(barcode__iexact="new-1").values_list("barcode")) == [
            ("NEW-1",)
        ]


def test_a_commit_leaves_out_a_copy_another_took_in_another_case_after_the_preview(
    desk: Desk,
) -> None:
    with schema_context(desk.schema):
        job = csv_committed_after(
            # Meanwhile a copy is given the barcode in another case.
            lambda: item_create(record_id=desk.record.pk, data=ItemData(barcode="imp-2")),
            "title,barcode\nThe Word for World,IMP-1;IMP-2\n",
        )
        word = ImportRow.objects.get(job=job)
        assert (
            "Copy IMP-2 was left out: copy imp-2 of \u201cThe Dispossessed\u201d has had that "
            "barcode in another case since the file was checked" in word.reason
        )
        assert sorted(Item.objects.filter(barcode__iexact="imp-2").values_list("barcode")) == [
            ("imp-2",)
        ]
        assert Item.objects.filter(barcode="IMP-1").exists()


UNPRINTABLE = "Barcode \u201cCTL\\t1\u201d holds a control character"


def test_a_barcode_with_a_control_character_is_refused(
    library, librarian: Client, desk: Desk
) -> None:
    before = (_copies(desk), _patrons(desk))
    copy = _writer(desk).post(
        "/api/v1/items/", {"record": desk.record.pk, "barcode": "CTL\t1"}, format="json"
    )
    card = patron_key(desk.schema, LIBRARY_HOST, "write").post(
        "/api/v1/patrons/", {"name": "Odo", "barcode": "CTL\t1"}, format="json"
    )
    page = librarian.post("/staff/patrons/new/",
                          {"name": "Odo", "barcode": "CTL\t1", "category": "adult"})  # fmt: skip
    copy_page = librarian.post(f"/staff/records/{desk.record.pk}/copies/",
                               {"barcode": "CTL\n1", "status": "available"})  # fmt: skip

    for refused in (copy, card):
        assert refused.status_code == 400, refused.content
        assert UNPRINTABLE in refused.json()["detail"]
        assert "barcode" in refused.json()["errors"]
    assert page.status_code == 400
    assert "holds a control character" in page.text
    assert copy_page.status_code == 400
    assert "holds a control character" in copy_page.text
    with schema_context(desk.schema):
        job = job_run(
            import_job_create(file=io.BytesIO(b'title,barcode\nThe Word for World,"CTL\t1"\n'),
                              file_name="new.csv", one_shot=True)
        )  # fmt: skip
        assert UNPRINTABLE in ImportRow.objects.get(job=job).reason
    client = desk_client(library)
    queued = upload(client, 'name,barcode\nOdo,"CTL\t1"\n').json()
    worker_runs(desk.schema, queued["id"])
    rows = client.get(f"/api/v1/patron-imports/{queued['id']}/rows/").json()["results"]
    assert [row["action"] for row in rows] == ["reject"]
    assert UNPRINTABLE in rows[0]["reason"]
    assert (_copies(desk), _patrons(desk)) == before


def test_a_scan_several_cards_have_in_another_case_does_nothing(
    librarian: Client, desk: Desk
) -> None:
    with schema_context(desk.schema):
        # Two cards alike from before, and a copy alike too: none is the one typed.
        Patron.objects.filter(pk=desk.patron.pk).update(barcode="UI-CARD-1")
        Patron.objects.filter(pk=desk.other_patron.pk).update(barcode="Ui-Card-1")
    scan(librarian, "Ui-Card-1")
    before = state(desk)

    page = scan(librarian, "ui-card-1")

    assert (
        "Several cards or copies match ui-card-1 in upper or lower case: type it exactly as "
        "printed." in page
    )
    assert "Lending to <bdi>Shevek" not in page
    with schema_context(desk.schema):
        Item.objects.filter(pk=desk.item.pk).update(barcode="ui-CARD-1")
    page = scan(librarian, "UI-card-1")
    assert page.count("Several cards or copies match") == 2
    assert "lent to" not in page
    assert state(desk) == before
    with schema_context(desk.schema):
        assert not Loan.objects.exists()
    # As printed, each is itself.
    assert "Lending to <bdi>Shevek Anarres</bdi>" in scan(librarian, "UI-CARD-1")


def test_an_item_is_found_by_its_barcode_in_another_case(library, desk: Desk) -> None:
    reader = _writer(desk)
    typed = desk.item.barcode.lower()

    found = reader.get(f"/api/v1/items/by-barcode/{typed}/")

    assert found.status_code == 200, found.content
    assert (found.json()["id"], found.json()["barcode"]) == (desk.item.pk, desk.item.barcode)
    with schema_context(desk.schema):
        Item.objects.filter(pk=desk.items[1].pk).update(barcode=desk.item.barcode.title())
    several = reader.get(f"/api/v1/items/by-barcode/{typed}/")
    assert several.status_code == 404
    assert "Several items have this barcode in upper or lower case" in several.json()["detail"]
    exact = reader.get(f"/api/v1/items/by-barcode/{desk.item.barcode}/")
    assert (exact.status_code, exact.json()["id"]) == (200, desk.item.pk)


def test_another_library_s_key_finds_no_copy_by_barcode_here(desk: Desk, other_desk: Desk) -> None:
    with schema_context(other_desk.schema):
        foreign = api_key_create(name="Elsewhere", scope="read")
    refused = client_for(LIBRARY_HOST, f"Api-Key {foreign.secret}").get(
        f"/api/v1/items/by-barcode/{desk.item.barcode.lower()}/"
    )
    elsewhere = _writer(desk).get(f"/api/v1/items/by-barcode/{other_desk.item.barcode.lower()}/")

    assert refused.status_code == 401
    assert desk.item.barcode not in refused.text
    assert elsewhere.status_code == 404
    assert other_desk.item.barcode not in elsewhere.text
