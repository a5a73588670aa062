"""A patron's block over the API: in the patron's representation, set and lifted by PATCH
(which keeps the other fields), refused lending, renewals and holds; never across libraries."""

from django_tenants.utils import schema_context

from circulation.models import Patron
from tests.api.test_circulation_api import checkout, patron_key, snapshot
from tests.circulation.conftest import Desk, desk_make, staff_client
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST

REASON = "lost book not paid"


def test_a_block_set_by_patch_stops_lending_until_lifted(library, callers) -> None:
    desk = desk_make(library.schema_name)
    key = patron_key(library.schema_name, LIBRARY_HOST, "write")
    assert checkout(key, desk, item=0).status_code == 201
    url = f"/api/v1/patrons/{desk.patron.pk}/"
    shown = callers["librarian"].get(url).json()
    assert (shown["blocked"], shown["block_reason"], shown["blocked_at"]) == (False, "", None)
    unreasoned = callers["librarian"].patch(url, {"blocked": True}, format="json")
    assert unreasoned.status_code == 400
    assert "block_reason" in unreasoned.json()["errors"]
    blocked = callers["librarian"].patch(
        url, {"blocked": True, "block_reason": REASON}, format="json"
    )
    assert blocked.status_code == 200
    body = blocked.json()
    assert (body["blocked"], body["block_reason"]) == (True, REASON)
    assert body["blocked_by"] == "librarian-api@alpha.example"
    assert body["blocked_at"]
    # Every other field is kept.
    assert {k: body[k] for k in ("name", "barcode", "email", "notes")} == {
        k: shown[k] for k in ("name", "barcode", "email", "notes")
    }
    # A PATCH of another field keeps the block.
    noted = callers["librarian"].patch(url, {"notes": "rang"}, format="json").json()
    assert (noted["blocked"], noted["block_reason"], noted["notes"]) == (True, REASON, "rang")
    before = snapshot(desk.schema)
    lent = checkout(key, desk, item=1)
    assert lent.status_code == 400
    assert lent.json()["code"] == "patron_blocked"
    # Each refusal says the patron is blocked, why, and what it refuses, for a machine's
    # screen as well: no page to go to.
    said = f"{desk.patron.name} is blocked ({REASON}): "
    assert lent.json()["detail"] == f"{said}nothing can be lent to them until the block is lifted."
    renewed = key.post("/api/v1/loans/renew/", {"item_barcode": desk.item.barcode}, format="json")
    assert renewed.json()["code"] == "patron_blocked"
    assert renewed.json()["detail"] == (
        f"{said}their loans cannot be renewed until the block is lifted."
    )
    hold = {"record": desk.other_record.pk, "patron_barcode": desk.patron.barcode}
    held = key.post("/api/v1/holds/", hold, format="json")
    assert held.json()["code"] == "patron_blocked"
    assert held.json()["detail"] == (
        f"{said}no hold can be placed for them until the block is lifted."
    )
    assert snapshot(desk.schema) == before
    lifted = callers["librarian"].patch(url, {"blocked": False}, format="json").json()
    assert (lifted["blocked"], lifted["block_reason"], lifted["blocked_by"]) == (False, "", "")
    assert checkout(key, desk, item=1).status_code == 201


def test_a_block_is_documented_in_the_schema(callers) -> None:
    schema = callers["admin"].get("/api/v1/schema/", {"format": "json"}).json()
    patron = schema["components"]["schemas"]["Patron"]["properties"]
    for field in ("blocked", "block_reason", "blocked_at", "blocked_by"):
        assert patron[field].get("description"), field
    assert patron["blocked"]["readOnly"] is True
    patch = schema["components"]["schemas"]["PatchedPatronInputRequest"]["properties"]
    assert {"blocked", "block_reason"} <= set(patch)


def test_another_library_cannot_block(library, other_library, callers) -> None:
    theirs: Desk = desk_make(other_library.schema_name)
    before = snapshot(theirs.schema)
    far = theirs.patron.pk + 10**9
    body = {"blocked": True, "block_reason": REASON}
    # A's staff and keys on A's host: B's patrons are not found there.
    a_key = patron_key(library.schema_name, LIBRARY_HOST, "write")
    for client in (callers["admin"], a_key):
        assert client.patch(f"/api/v1/patrons/{far}/", body, format="json").status_code == 404
    # A's key on B's host is no key at all.
    stray = patron_key(library.schema_name, OTHER_LIBRARY_HOST, "write")
    refused = stray.patch(f"/api/v1/patrons/{theirs.patron.pk}/", body, format="json")
    assert refused.status_code == 401
    assert snapshot(theirs.schema) == before
    with schema_context(theirs.schema):
        assert Patron.objects.get(pk=theirs.patron.pk).blocked_at is None


def test_a_key_that_blocks_is_named_by_its_name_and_a_new_reason_keeps_the_start(
    library, callers
) -> None:
    desk = desk_make(library.schema_name)
    key = patron_key(library.schema_name, LIBRARY_HOST, "write")
    url = f"/api/v1/patrons/{desk.patron.pk}/"
    blocked = key.patch(url, {"blocked": True, "block_reason": REASON}, format="json").json()
    # The schema promises an API key's name, as the patron imports it starts show it.
    assert blocked["blocked_by"] == "API key 'write patrons key'"
    page = staff_client(library.schema_name, LIBRARY_HOST, "librarian")
    shown = page.get(f"/staff/patrons/{desk.patron.pk}/").text
    assert "by API key &#x27;write patrons key&#x27;: <bdi>" in shown
    # Only the reason changes: the block still started when, and by whom, it was set.
    reworded = callers["librarian"].patch(url, {"block_reason": "two books lost"}, format="json")
    assert reworded.status_code == 200
    body = reworded.json()
    assert body["block_reason"] == "two books lost"
    started = (blocked["blocked_at"], blocked["blocked_by"])
    assert (body["blocked_at"], body["blocked_by"]) == started
    with schema_context(library.schema_name):
        assert Patron.objects.get(pk=desk.patron.pk).block_reason == "two books lost"
