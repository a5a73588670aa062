"""Lending over the API: who may see patrons, checking out, in and renewing by barcode, holds,
rules, and the same calls across libraries."""

from datetime import date, timedelta

import pytest
from django.utils.formats import date_format
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from catalog.models import Change, Item
from circulation.models import CirculationSettings, ClosedDay, Hold, Loan, LoanRule, Patron
from circulation.services import PatronData, patron_create
from staff.services import api_key_create
from tests.api.conftest import callers_of, client_for
from tests.circulation.conftest import Desk, desk_make
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST


def patron_key(schema: str, host: str, scope: str) -> APIClient:
    with schema_context(schema):
        issued = api_key_create(name=f"{scope} patrons key", scope=scope, patrons=True)
    return client_for(host, f"Api-Key {issued.secret}")


@pytest.fixture
def desk(library) -> Desk:
    return desk_make(library.schema_name)


@pytest.fixture
def desk_key(library) -> APIClient:
    """A self-check machine's key: write and the patron scope."""
    return patron_key(library.schema_name, LIBRARY_HOST, "write")


@pytest.fixture
def reader_key(library) -> APIClient:
    return patron_key(library.schema_name, LIBRARY_HOST, "read")


def snapshot(schema: str) -> dict[str, object]:
    with schema_context(schema):
        return {
            "patrons": sorted(Patron.objects.values_list("id", "barcode", "name", "email")),
            "loans": sorted(Loan.objects.values_list("id", "item_id", "patron_id", "due_on",
                                                     "returned_at", "renewals")),
            "holds": sorted(Hold.objects.values_list("id", "status")),
            "items": sorted(Item.objects.values_list("id", "status", "version")),
            "changes": Change.objects.count(),
            "rules": LoanRule.objects.count(),
            "closed": ClosedDay.objects.count(),
        }  # fmt: skip


def checkout(client: APIClient, desk: Desk, item: int = 0, patron: str | None = None):
    return client.post(
        "/api/v1/loans/",
        {"item_barcode": desk.items[item].barcode,
         "patron_barcode": patron or desk.patron.barcode},
        format="json",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("role", "reads", "writes"),
    [
        ("anonymous", 401, 401),
        ("read_key", 403, 403),
        ("write_key", 403, 403),
        ("viewer", 200, 403),
        ("librarian", 200, 201),
        ("admin", 200, 201),
    ],
)
def test_patrons_are_for_staff_and_patron_scoped_keys(callers, desk, role, reads, writes):
    client = callers[role]
    listed = client.get("/api/v1/patrons/")
    assert listed.status_code in ({reads} if reads != 401 else {401, 403})
    if reads == 200:
        assert {p["barcode"] for p in listed.json()["results"]} == {
            desk.patron.barcode,
            desk.other_patron.barcode,
        }
    else:
        assert desk.patron.barcode not in listed.content.decode()
        assert desk.patron.name not in listed.content.decode()
    before = snapshot(desk.schema)
    made = client.post("/api/v1/patrons/", {"name": "Odo", "barcode": "P-ODO"}, format="json")
    assert made.status_code in ({writes} if writes != 401 else {401, 403})
    if writes != 201:
        assert snapshot(desk.schema) == before


def test_a_patron_scoped_read_key_reads_but_cannot_lend(reader_key, desk):
    assert reader_key.get(f"/api/v1/patrons/{desk.patron.pk}/").json()["barcode"] == (
        desk.patron.barcode
    )
    before = snapshot(desk.schema)
    assert checkout(reader_key, desk).status_code == 403
    assert snapshot(desk.schema) == before


def test_check_out_then_in_by_barcode(desk_key, desk):
    lent = checkout(desk_key, desk)
    assert lent.status_code == 201, lent.content
    body = lent.json()
    assert body["item"]["barcode"] == desk.item.barcode
    assert body["patron"]["barcode"] == desk.patron.barcode
    assert body["returned_at"] is None
    assert body["overdue"] is False
    item = desk_key.get(f"/api/v1/items/{desk.item.pk}/").json()
    assert item["status"] == "on_loan"

    again = checkout(desk_key, desk, patron=desk.other_patron.barcode)
    assert again.status_code == 409
    assert again.json()["code"] == "item_on_loan"
    refusal = f"Item {desk.item.barcode} is already on loan: check it in first."
    assert again.json()["errors"] == {"item_barcode": [refusal]}

    renewed = desk_key.post(
        "/api/v1/loans/renew/", {"item_barcode": desk.item.barcode}, format="json"
    )
    assert renewed.status_code == 200
    assert renewed.json()["renewals"] == 1
    # Renewed before it fell due: a loan period more from the due date.
    due = date.fromisoformat(body["due_on"])
    assert renewed.json()["due_on"] == (due + timedelta(days=21)).isoformat()

    back = desk_key.post("/api/v1/loans/return/", {"item_barcode": desk.item.barcode},
                         format="json")  # fmt: skip
    assert back.status_code == 200, back.content
    assert back.json()["loan"]["returned_at"] is not None
    assert back.json()["hold"] is None
    assert desk_key.get(f"/api/v1/items/{desk.item.pk}/").json()["status"] == "available"
    twice = desk_key.post("/api/v1/loans/return/", {"item_barcode": desk.item.barcode},
                          format="json")  # fmt: skip
    assert twice.status_code == 409
    assert twice.json()["code"] == "item_not_on_loan"
    refusal = f"Item {desk.item.barcode} is not on loan."
    assert twice.json()["errors"] == {"item_barcode": [refusal]}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"item_barcode": "NOPE", "patron_barcode": "{patron}"}, 404, "unknown_item"),
        ({"item_barcode": "{item}", "patron_barcode": "NOPE"}, 404, "unknown_patron"),
        ({"item_barcode": "{item}"}, 400, "invalid"),
        ({"item_barcode": "", "patron_barcode": "{patron}"}, 400, "invalid"),
        ({"item_barcode": "x" * 65, "patron_barcode": "{patron}"}, 400, "invalid"),
    ],
)
def test_bad_checkouts_answer_clearly_and_change_nothing(desk_key, desk, body, status, code):
    body = {k: v.format(item=desk.item.barcode, patron=desk.patron.barcode)
            for k, v in body.items()}  # fmt: skip
    before = snapshot(desk.schema)
    response = desk_key.post("/api/v1/loans/", body, format="json")
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert snapshot(desk.schema) == before


def test_expired_patron_and_limits_answer_400(desk_key, callers, desk):
    with schema_context(desk.schema):
        Patron.objects.filter(pk=desk.patron.pk).update(expires_on="2001-01-01")
    before = snapshot(desk.schema)
    response = checkout(desk_key, desk)
    assert response.status_code == 400
    assert response.json()["code"] == "patron_expired"
    assert "card expired on" in response.json()["detail"]
    assert response.json()["errors"] == {"patron_barcode": [response.json()["detail"]]}
    assert snapshot(desk.schema) == before
    rule = callers["admin"].post("/api/v1/loan-rules/", {"max_loans": 1}, format="json")
    assert rule.status_code == 201, rule.content
    assert checkout(desk_key, desk, patron=desk.other_patron.barcode).status_code == 201
    before = snapshot(desk.schema)
    limited = checkout(desk_key, desk, item=1, patron=desk.other_patron.barcode)
    assert limited.status_code == 400
    assert limited.json()["code"] == "loan_limit_reached"
    assert "the most allowed" in limited.json()["detail"]
    assert limited.json()["errors"] == {"patron_barcode": [limited.json()["detail"]]}
    assert snapshot(desk.schema) == before


def test_rules_are_set_by_admins_only(callers, desk_key, desk):
    before = snapshot(desk.schema)
    for role in ("librarian", "viewer", "write_key"):
        assert callers[role].post("/api/v1/loan-rules/", {"loan_days": 7},
                                  format="json").status_code == 403  # fmt: skip
    assert desk_key.post("/api/v1/closed-days/", {"date": "2030-01-01"},
                         format="json").status_code == 403  # fmt: skip
    assert snapshot(desk.schema) == before
    closed = callers["admin"].post("/api/v1/closed-days/", {"date": "2030-01-01"}, format="json")
    assert closed.status_code == 201
    typed = callers["admin"].post(
        "/api/v1/item-types/",
        {"item_barcodes": [desk.item.barcode], "item_type": "dvd"},
        format="json",
    )
    assert typed.json() == {"updated": 1}
    unknown = callers["admin"].post(
        "/api/v1/item-types/", {"item_barcodes": ["NOPE"], "item_type": "dvd"}, format="json"
    )
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "unknown_item"


def test_a_refused_read_of_the_rules_names_the_patron_scope(callers, desk):
    for path in ("/api/v1/circulation-settings/", "/api/v1/loan-rules/", "/api/v1/closed-days/"):
        refused = callers["read_key"].get(path)
        assert refused.status_code == 403
        detail = refused.json()["detail"]
        assert "This API key has no patron scope" in detail, (path, detail)
        assert "change" not in detail
    refused = callers["librarian"].put(
        "/api/v1/circulation-settings/", {"hold_shelf_days": 3}, format="json"
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "Only an administrator of this library may change its lending rules, closed days and "
        "circulation settings."
    )


def test_holds_queue_in_order_and_trap_returned_items(desk_key, desk):
    with schema_context(desk.schema):
        third = patron_create(data=PatronData(name="Bedap", barcode="P-BEDAP"))
    assert checkout(desk_key, desk).status_code == 201
    assert checkout(desk_key, desk, item=1).status_code == 201
    placed = [
        desk_key.post("/api/v1/holds/", {"record": desk.record.pk, "patron_barcode": barcode},
                      format="json")
        for barcode in (desk.other_patron.barcode, third.barcode)
    ]  # fmt: skip
    assert [p.status_code for p in placed] == [201, 201]
    dup = desk_key.post(
        "/api/v1/holds/", {"record": desk.record.pk, "patron_barcode": third.barcode}, format="json"
    )
    assert dup.status_code == 409
    queue = desk_key.get(f"/api/v1/holds/?record={desk.record.pk}").json()["results"]
    assert [h["patron"]["barcode"] for h in queue] == [desk.other_patron.barcode, third.barcode]
    # Renewing is refused while others wait.
    renew = desk_key.post("/api/v1/loans/renew/", {"item_barcode": desk.item.barcode},
                          format="json")  # fmt: skip
    assert renew.status_code == 409
    assert renew.json()["code"] == "hold_waiting"
    back = desk_key.post("/api/v1/loans/return/", {"item_barcode": desk.item.barcode},
                         format="json").json()  # fmt: skip
    assert back["hold"]["patron"] == desk.other_patron.pk
    back = desk_key.post("/api/v1/loans/return/", {"item_barcode": desk.items[1].barcode},
                         format="json").json()  # fmt: skip
    assert back["hold"]["patron"] == third.pk
    cancelled = desk_key.post(f"/api/v1/holds/{placed[1].json()['id']}/cancel/")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"


def test_lending_a_title_another_patron_waits_for_needs_override_holds(desk_key, desk):
    placed = desk_key.post("/api/v1/holds/", {"record": desk.record.pk,
                                              "patron_barcode": desk.other_patron.barcode},
                           format="json")  # fmt: skip
    assert placed.status_code == 201
    before = snapshot(desk.schema)
    refused = checkout(desk_key, desk)
    assert refused.status_code == 409
    assert refused["Content-Type"].startswith("application/problem+json")
    assert refused.json()["code"] == "hold_waiting"
    assert "Takver Anarres has a hold on this title" in refused.json()["detail"]
    assert snapshot(desk.schema) == before
    lent = desk_key.post(
        "/api/v1/loans/",
        {"item_barcode": desk.item.barcode, "patron_barcode": desk.patron.barcode,
         "override_holds": True},
        format="json",
    )  # fmt: skip
    assert lent.status_code == 201, lent.content
    assert desk_key.get(f"/api/v1/holds/{placed.json()['id']}/").json()["status"] == "waiting"


def test_patron_export_and_erasure(callers, desk):
    admin = callers["admin"]
    exported = admin.get(f"/api/v1/patrons/{desk.patron.pk}/export/")
    assert exported.status_code == 200
    assert exported.json()["patron"]["email"] == desk.patron.email
    assert admin.delete(f"/api/v1/patrons/{desk.patron.pk}/").status_code == 204
    assert admin.get(f"/api/v1/patrons/{desk.patron.pk}/").status_code == 404


def test_patron_input_errors_name_their_fields(callers, desk):
    before = snapshot(desk.schema)
    response = callers["librarian"].post(
        "/api/v1/patrons/",
        {"name": "Sabul", "barcode": desk.patron.barcode, "email": "not-an-email"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"barcode", "email"}
    taken_by_item = callers["librarian"].post(
        "/api/v1/patrons/", {"name": "Sabul", "barcode": desk.item.barcode}, format="json"
    )
    assert taken_by_item.status_code == 400
    assert snapshot(desk.schema) == before


def test_a_patron_patch_from_a_stale_read_is_refused(callers, desk):
    client = callers["librarian"]
    url = f"/api/v1/patrons/{desk.patron.pk}/"
    etag = client.get(url)["ETag"]
    first = client.patch(url, {"email": "new@a.example"}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200
    assert first["ETag"] != etag
    before = snapshot(desk.schema)
    stale = client.patch(url, {"notes": "prefers email"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale["Content-Type"].startswith("application/problem+json")
    assert stale.json()["code"] == "patron_changed"
    assert snapshot(desk.schema) == before
    made_up = client.patch(url, {"notes": "x"}, format="json", HTTP_IF_MATCH='"v999"')
    assert made_up.status_code == 412
    assert made_up.json()["code"] == "version_unknown"
    assert "Version 999 is not one this patron has had" in made_up.json()["detail"]
    assert snapshot(desk.schema) == before
    fresh = client.patch(
        url, {"notes": "prefers email"}, format="json", HTTP_IF_MATCH=first["ETag"]
    )
    assert fresh.status_code == 200
    assert (fresh.json()["email"], fresh.json()["notes"]) == ("new@a.example", "prefers email")
    assert client.get(url)["ETag"] == fresh["ETag"]


def test_loan_lists_are_counted_queries(desk_key, desk, django_assert_max_num_queries):
    for n in range(2):
        assert checkout(desk_key, desk, item=n).status_code == 201
    with django_assert_max_num_queries(8):
        listed = desk_key.get("/api/v1/loans/?open=true")
    assert len(listed.json()["results"]) == 2


# --- Across libraries ---------------------------------------------------------------------------


def test_b_patrons_loans_and_holds_are_not_found_on_a_host(library, other_library, callers):
    a = desk_make(library.schema_name)
    b = desk_make(other_library.schema_name)
    b_key = patron_key(other_library.schema_name, OTHER_LIBRARY_HOST, "write")
    lent = checkout(b_key, b).json()
    hold = b_key.post("/api/v1/holds/", {"record": b.record.pk,
                                         "patron_barcode": b.other_patron.barcode},
                      format="json").json()  # fmt: skip
    a_key = patron_key(library.schema_name, LIBRARY_HOST, "write")
    before = (snapshot(a.schema), snapshot(b.schema))
    # Ids that exist only in B (A's ids are kept apart by adding to them).
    far = 10**9
    for client in (a_key, callers["admin"]):
        for path in (f"/api/v1/patrons/{b.patron.pk + far}/", f"/api/v1/loans/{lent['id'] + far}/",
                     f"/api/v1/holds/{hold['id'] + far}/",
                     f"/api/v1/patrons/{b.patron.pk + far}/export/"):  # fmt: skip
            assert client.get(path).status_code == 404, path
        assert client.delete(f"/api/v1/patrons/{b.patron.pk + far}/").status_code == 404
        assert client.post(f"/api/v1/holds/{hold['id'] + far}/cancel/").status_code == 404
        # B's barcodes mean nothing on A's host.
        for body in (
            {"item_barcode": b.item.barcode, "patron_barcode": a.patron.barcode},
            {"item_barcode": a.item.barcode, "patron_barcode": b.patron.barcode},
        ):
            assert client.post("/api/v1/loans/", body, format="json").status_code == 404
        assert client.post("/api/v1/loans/return/", {"item_barcode": b.item.barcode},
                           format="json").status_code == 404  # fmt: skip
        assert client.post("/api/v1/loans/renew/", {"item_barcode": b.item.barcode},
                           format="json").status_code == 404  # fmt: skip
        assert b.patron.barcode not in client.get("/api/v1/patrons/").content.decode()
    assert (snapshot(a.schema), snapshot(b.schema)) == before


def test_a_key_on_b_host_is_refused(library, other_library):
    a_key = patron_key(library.schema_name, OTHER_LIBRARY_HOST, "write")
    b = desk_make(other_library.schema_name)
    before = snapshot(b.schema)
    for method, path, body in (
        ("get", "/api/v1/patrons/", None),
        ("post", "/api/v1/loans/", {"item_barcode": b.item.barcode,
                                    "patron_barcode": b.patron.barcode}),
        ("post", "/api/v1/loans/return/", {"item_barcode": b.item.barcode}),
        ("post", "/api/v1/holds/", {"record": b.record.pk, "patron_barcode": b.patron.barcode}),
    ):  # fmt: skip
        response = getattr(a_key, method)(path, body, format="json")
        assert response.status_code == 401, (path, response.content)
    assert snapshot(b.schema) == before


def test_lending_settings_are_the_admins(callers, desk_key, desk):
    assert desk_key.get("/api/v1/circulation-settings/").json()["anonymize_after_days"] == 30
    body = {"anonymize_after_days": 7, "hold_shelf_days": 3, "due_soon_days": 1}
    for role in ("librarian", "viewer"):
        assert callers[role].put("/api/v1/circulation-settings/", body,
                                 format="json").status_code == 403  # fmt: skip
    assert desk_key.put("/api/v1/circulation-settings/", body, format="json").status_code == 403
    bad = callers["admin"].put("/api/v1/circulation-settings/", {**body, "hold_shelf_days": 0},
                               format="json")  # fmt: skip
    assert bad.status_code == 400
    assert callers["admin"].put("/api/v1/circulation-settings/", body,
                                format="json").json() == body  # fmt: skip
    with schema_context(desk.schema):
        assert CirculationSettings.objects.get().anonymize_after_days == 7


def test_lending_settings_across_libraries(callers, other_library, desk):
    b = callers_of(other_library.schema_name, OTHER_LIBRARY_HOST)
    body = {"anonymize_after_days": 1, "hold_shelf_days": 1, "due_soon_days": 0}
    assert b["admin"].put("/api/v1/circulation-settings/", body, format="json").status_code == 200
    assert callers["admin"].get("/api/v1/circulation-settings/").json()["hold_shelf_days"] == 7
    a_on_b = client_for(OTHER_LIBRARY_HOST, callers["admin"]._credentials["HTTP_AUTHORIZATION"])
    assert a_on_b.put("/api/v1/circulation-settings/", body, format="json").status_code == 401


def test_lending_writes_that_make_something_say_where(callers, desk_key, desk):
    """Each 201 names what it made in Location, as the document promises: a client follows
    it to the patron, loan or hold it just made, not to a list it must search."""
    made = {
        "patron": desk_key.post("/api/v1/patrons/", {"name": "Shevek", "barcode": "P-LOC-1"},
                                format="json"),
        "loan": checkout(desk_key, desk, patron="P-LOC-1"),
        "hold": desk_key.post("/api/v1/holds/", {"record": desk.other_record.pk,
                                                 "patron_barcode": desk.patron.barcode},
                              format="json"),
        "loan-rule": callers["admin"].post("/api/v1/loan-rules/", {"loan_days": 7},
                                           format="json"),
        "stocktake": callers["librarian"].post("/api/v1/stocktakes/", {"location": "MAIN"},
                                               format="json"),
    }  # fmt: skip
    for name, response in made.items():
        assert response.status_code == 201, (name, response.content)
        assert response["Location"].startswith("http://alpha.localhost/api/v1/"), name
        reader = callers["admin"] if name in ("loan-rule", "stocktake") else desk_key
        assert reader.get(response["Location"]).json()["id"] == response.json()["id"], name
    closed = callers["admin"].post("/api/v1/closed-days/", {"date": "2030-01-01"}, format="json")
    assert closed["Location"].endswith(f"/api/v1/closed-days/{closed.json()['id']}/")
    assert callers["admin"].delete(closed["Location"]).status_code == 204


def test_a_copy_on_loan_cannot_be_deleted_nor_its_record(desk_key, callers, desk):
    """Deleting a copy took its open loan with it: the patron's loan vanished while the
    book was still out. Both deletes are refused, and still once it is back: a copy that has
    been lent keeps its loans (it is withdrawn, not deleted)."""
    assert checkout(desk_key, desk).status_code == 201
    before = snapshot(desk.schema)
    item = desk_key.delete(f"/api/v1/items/{desk.item.pk}/")
    assert item.status_code == 409, item.content
    assert item.json()["code"] == "item_has_loans"
    assert "is on loan" in item.json()["detail"]
    record = callers["librarian"].delete(f"/api/v1/records/{desk.record.pk}/")
    assert record.status_code == 409, record.content
    assert record.json()["code"] == "item_has_loans"
    assert snapshot(desk.schema) == before
    returned = desk_key.post("/api/v1/loans/return/", {"item_barcode": desk.item.barcode},
                             format="json")  # fmt: skip
    assert returned.status_code == 200
    again = desk_key.delete(f"/api/v1/items/{desk.item.pk}/")
    assert again.status_code == 409, again.content
    assert "mark it withdrawn" in again.json()["detail"]


def test_a_lending_rule_can_be_changed_in_place(callers, desk):
    """A PUT of a rule that keeps its patron category and item type changes it: the check
    that no two rules share them must not count the rule being changed."""
    admin = callers["admin"]
    rule = admin.post("/api/v1/loan-rules/", {"patron_category": "child", "loan_days": 7},
                      format="json").json()  # fmt: skip
    url = f"/api/v1/loan-rules/{rule['id']}/"
    changed = admin.put(url, {**rule, "loan_days": 21}, format="json")
    assert changed.status_code == 200, changed.content
    assert admin.get(url).json()["loan_days"] == 21
    # Another rule for the same pair is still refused, by the service's own words.
    again = admin.post("/api/v1/loan-rules/", {"patron_category": "child"}, format="json")
    assert again.status_code == 400
    assert again.json()["code"] == "loan_rule_taken"
    with schema_context(desk.schema):
        assert LoanRule.objects.filter(patron_category="child").count() == 1


def test_a_copy_marked_on_loan_with_no_loan_is_checked_in(desk_key, desk):
    """A migration brings lent copies marked on loan, without their loans: the return takes
    them back rather than answering that they are not on loan."""
    url = f"/api/v1/items/{desk.item.pk}/"
    marked = desk_key.patch(url, {"status": "on_loan"}, format="json")
    assert marked.status_code == 200, marked.content
    with schema_context(desk.schema):
        last = Change.objects.order_by("-pk").values_list("pk", flat=True)[0]
    back = desk_key.post("/api/v1/loans/return/", {"item_barcode": desk.item.barcode},
                         format="json")  # fmt: skip
    assert back.status_code == 200, back.content
    assert back.json() == {
        "item": {"id": desk.item.pk, "barcode": desk.item.barcode, "record": desk.record.pk,
                 "title": "The Dispossessed"},
        "loan": None,
        "hold": None,
    }  # fmt: skip
    assert desk_key.get(url).json()["status"] == "available"
    with schema_context(desk.schema):
        assert not Loan.objects.exists()
        assert list(Change.objects.filter(pk__gt=last).values_list("entity", "entity_id")) == [
            ("item", desk.item.pk)
        ]
    # Back on the shelf, it is not on loan any more.
    twice = desk_key.post("/api/v1/loans/return/", {"item_barcode": desk.item.barcode},
                          format="json")  # fmt: skip
    assert (twice.status_code, twice.json()["code"]) == (409, "item_not_on_loan")


def test_a_copy_marked_on_loan_with_no_loan_is_lent(desk_key, desk):
    desk_key.patch(f"/api/v1/items/{desk.item.pk}/", {"status": "on_loan"}, format="json")
    lent = checkout(desk_key, desk)
    assert lent.status_code == 201, lent.content
    assert lent.json()["patron"]["barcode"] == desk.patron.barcode
    with schema_context(desk.schema):
        loan = Loan.objects.get(item=desk.item)
        assert (loan.pk, loan.patron_id, loan.returned_at) == (lent.json()["id"], desk.patron.pk,
                                                               None)  # fmt: skip
    # Now that a loan is recorded, another patron is refused it as ever.
    before = snapshot(desk.schema)
    again = checkout(desk_key, desk, patron=desk.other_patron.barcode)
    assert (again.status_code, again.json()["code"]) == (409, "item_on_loan")
    assert snapshot(desk.schema) == before


def test_a_lent_copy_s_status_is_changed_only_by_its_return(desk_key, desk):
    """Marking a lent copy available left its loan open while the catalog offered it: the
    status of a copy with an open loan is refused any change but by the desk."""
    assert checkout(desk_key, desk).status_code == 201
    url = f"/api/v1/items/{desk.item.pk}/"
    current = desk_key.get(url).json()
    before = snapshot(desk.schema)
    for write in (
        lambda: desk_key.patch(url, {"status": "available"}, format="json"),
        lambda: desk_key.patch(url, {"status": "lost"}, format="json"),
        lambda: desk_key.put(url, {"record": desk.record.pk, "barcode": desk.item.barcode},
                             format="json"),
    ):  # fmt: skip
        refused = write()
        assert refused.status_code == 409, refused.content
        assert refused.json()["code"] == "item_on_loan"
        assert refused.json()["detail"] == (
            f"Item {desk.item.barcode} is on loan: check it in at the desk before changing its "
            "status."
        )
        assert refused.json()["errors"]["status"] == [refused.json()["detail"]]
    assert snapshot(desk.schema) == before
    assert desk_key.get(url).json()["status"] == "on_loan"
    # Its other fields change as ever; so does its status once it is back.
    kept = desk_key.patch(url, {"call_number": "813.54 LEG X"}, format="json")
    assert (kept.status_code, kept.json()["status"]) == (200, "on_loan")
    assert current["call_number"] != "813.54 LEG X"
    desk_key.post("/api/v1/loans/return/", {"item_barcode": desk.item.barcode}, format="json")
    lost = desk_key.patch(url, {"status": "lost"}, format="json")
    assert (lost.status_code, lost.json()["status"]) == (200, "lost")


def test_another_library_s_copy_marked_on_loan_is_not_taken_back(desk_key, other_library):
    b = desk_make(other_library.schema_name)
    with schema_context(b.schema):
        Item.objects.filter(pk=b.item.pk).update(status=Item.Status.ON_LOAN)
    before = snapshot(b.schema)
    for body, path in (
        ({"item_barcode": b.item.barcode}, "/api/v1/loans/return/"),
        ({"item_barcode": b.item.barcode, "patron_barcode": b.patron.barcode}, "/api/v1/loans/"),
    ):
        assert desk_key.post(path, body, format="json").status_code == 404, path
    assert desk_key.patch(f"/api/v1/items/{b.item.pk}/", {"status": "available"},
                          format="json").status_code == 404  # fmt: skip
    assert snapshot(b.schema) == before


def test_a_copy_lent_to_the_same_patron_answers_its_own_code_and_the_renew_address(
    desk_key, desk: Desk
) -> None:
    """The desk offers to renew such a copy; the API says why and where to renew it."""
    assert checkout(desk_key, desk).status_code == 201
    with schema_context(desk.schema):
        due = Loan.objects.get(item=desk.item).due_on
    before = snapshot(desk.schema)

    again = checkout(desk_key, desk)
    assert again.status_code == 409
    body = again.json()
    refusal = (
        f"Item {desk.item.barcode} is already lent to this patron, due "
        f"{date_format(due, 'SHORT_DATE_FORMAT')}: renew the loan instead."
    )
    assert (body["code"], body["detail"]) == ("item_lent_to_patron", refusal)
    assert body["errors"] == {"item_barcode": [refusal]}
    assert body["renew"] == "http://alpha.localhost/api/v1/loans/renew/"
    assert snapshot(desk.schema) == before

    renewed = desk_key.post(body["renew"], {"item_barcode": desk.item.barcode}, format="json")
    assert (renewed.status_code, renewed.json()["renewals"]) == (200, 1)

    # Another patron is refused the copy as ever, with no address to renew it at.
    other = checkout(desk_key, desk, patron=desk.other_patron.barcode)
    assert (other.status_code, other.json()["code"]) == (409, "item_on_loan")
    assert "renew" not in other.json()


def test_the_openapi_document_lists_the_code_for_checking_out(desk_key) -> None:
    document = desk_key.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    conflict = document.json()["paths"]["/api/v1/loans/"]["post"]["responses"]["409"]
    examples = conflict["content"]["application/problem+json"]["examples"]
    assert set(examples) == {"item_on_loan", "item_lent_to_patron"}
    lent = examples["item_lent_to_patron"]["value"]
    assert lent["code"] == "item_lent_to_patron"
    assert lent["renew"].endswith("/api/v1/loans/renew/")
    error = document.json()["components"]["schemas"]["Error"]["properties"]
    assert "item_lent_to_patron" in error["renew"]["description"]
