"""A patron import's commit is refused when a patron its preview rests on changed since: one
it matched was edited, or a card it would create was given to a new patron. Nothing is
written, and the answer names the cards."""

from django.test import Client
from django_tenants.utils import schema_context

from circulation.models import Patron
from tests.circulation.conftest import Desk
from tests.circulation.test_patron_imports import desk_client, upload, worker_runs

NEW_CARD = "P2001"


def _staged(client, desk: Desk, text: str) -> int:
    job_id = upload(client, text).json()["id"]
    worker_runs(desk.schema, job_id)
    assert client.get(f"/api/v1/patron-imports/{job_id}/").json()["status"] == "staged"
    return job_id


def _refused(client, job_id: int, cards: list[str]) -> None:
    refused = client.post(f"/api/v1/patron-imports/{job_id}/commit/")
    assert refused.status_code == 409, refused.content
    body = refused.json()
    assert (body["code"], body["barcodes"]) == ("patrons_changed_since_preview", cards)
    assert all(f"\u201c{card}\u201d" in body["detail"] for card in cards)
    assert "upload the file again" in body["detail"]
    assert client.get(f"/api/v1/patron-imports/{job_id}/").json()["status"] == "staged"


def test_a_card_added_since_the_preview_refuses_the_commit(
    library, desk: Desk, librarian: Client
) -> None:
    client = desk_client(library)
    job_id = _staged(
        client, desk, f"name,barcode,email,category,notes\nOdo,{NEW_CARD},odo@example.org,adult,\n"
    )
    assert client.get(f"/api/v1/patron-imports/{job_id}/").json()["created"] == 1
    made = client.post(
        "/api/v1/patrons/",
        {"name": "Laia Asieo", "barcode": NEW_CARD, "email": "laia@example.org",
         "category": "child", "notes": "Her own card"},
        format="json",
    )  # fmt: skip
    assert made.status_code == 201, made.content

    _refused(client, job_id, [NEW_CARD])
    with schema_context(desk.schema):
        patron = Patron.objects.get(barcode=NEW_CARD)
    assert (patron.name, patron.email, patron.category, patron.notes) == (
        "Laia Asieo", "laia@example.org", "child", "Her own card"
    )  # fmt: skip
    # The staff page says so, and what to do.
    page = librarian.post(f"/staff/patrons/imports/{job_id}/", {"commit": "1"})
    assert page.status_code == 409
    assert "upload the file again" in page.text
    assert NEW_CARD in page.text
    assert 'href="/staff/patrons/imports/">Upload the file again</a>' in page.text


def test_a_matched_patron_changed_since_the_preview_refuses_the_commit(library, desk: Desk) -> None:
    client = desk_client(library)
    assert desk.patron is not None
    assert desk.other_patron is not None
    card, other = desk.patron.barcode, desk.other_patron.barcode
    job_id = _staged(client, desk, f"name,barcode,notes\nShevek A.,{card},moved\nTakver,{other},\n")
    # A patron the file does not name changes nothing.
    client.post("/api/v1/patrons/", {"name": "Odo", "barcode": "P-ODO"}, format="json")
    url = f"/api/v1/patrons/{desk.patron.pk}/"
    assert client.patch(url, {"notes": "Lost card"}, format="json").status_code == 200

    _refused(client, job_id, [card])
    assert client.get(url).json()["notes"] == "Lost card"
