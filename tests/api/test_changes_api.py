"""The change feed: ordered, resumable, with tombstones."""

from django_tenants.utils import schema_context

from catalog.models import Change


def test_feed_in_order_resumable_with_tombstones(callers, catalog, library):
    client = callers["read_key"]
    writer = callers["write_key"]
    first = client.get("/api/v1/changes/", {"limit": 2}).json()
    assert [(c["entity"], c["action"]) for c in first["results"]] == [
        ("record", "created"), ("record", "created")]  # fmt: skip
    assert first["has_more"] is True
    rest = client.get("/api/v1/changes/", {"since": first["next_cursor"]}).json()
    assert [(c["entity"], c["id"]) for c in rest["results"]] == [("item", catalog.item.pk)]
    assert rest["has_more"] is False
    cursor = rest["next_cursor"]

    assert client.get("/api/v1/changes/", {"since": cursor}).json()["results"] == []
    writer.patch(f"/api/v1/items/{catalog.item.pk}/", {"status": "lost"}, format="json")
    writer.delete(f"/api/v1/records/{catalog.record.pk}/")
    after = client.get("/api/v1/changes/", {"since": cursor}).json()
    assert [(c["entity"], c["id"], c["action"], c["deleted"]) for c in after["results"]] == [
        ("item", catalog.item.pk, "updated", False),
        ("item", catalog.item.pk, "deleted", True),
        ("record", catalog.record.pk, "deleted", True),
    ]
    cursors = [int(c["cursor"]) for c in first["results"] + rest["results"] + after["results"]]
    assert cursors == sorted(cursors)
    assert after["next_cursor"] == str(cursors[-1])


def test_feed_parameters_are_checked(callers):
    for params in ({"since": "yesterday"}, {"since": -1}, {"limit": 0}, {"limit": 5000}):
        assert callers["admin"].get("/api/v1/changes/", params).status_code == 400


def test_feed_ids_are_taken_in_commit_order(in_library):
    from django.db import connection

    from catalog.services import changes_log

    changes_log(Change.Entity.RECORD, [1, 2], Change.Action.UPDATED)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        )
        assert cursor.fetchone()[0] == 1  # held until this transaction ends


def test_the_feed_embeds_the_changed_objects(
    callers, catalog, library, django_assert_max_num_queries
):
    client = callers["write_key"]
    gone = client.post("/api/v1/records/", {"title": "Gone soon"}, format="json").json()
    client.delete(f"/api/v1/records/{gone['id']}/")
    client.patch(f"/api/v1/items/{catalog.item.pk}/", {"call_number": "SF X"}, format="json")
    with django_assert_max_num_queries(12):
        page = client.get("/api/v1/changes/", {"embed": "body", "limit": 1000}).json()
    by_entity = {(c["entity"], c["id"], c["action"]): c for c in page["results"]}
    record = by_entity[("record", catalog.record.pk, "created")]["body"]
    assert record == client.get(f"/api/v1/records/{catalog.record.pk}/").json()
    item = by_entity[("item", catalog.item.pk, "updated")]["body"]
    assert item["call_number"] == "SF X"
    assert "price" in item  # a write key sees the staff shape
    assert by_entity[("record", gone["id"], "deleted")]["body"] is None
    # Read keys get the public shape; without embed there is no body.
    public = callers["read_key"].get("/api/v1/changes/", {"embed": "body", "limit": 1000}).json()
    assert all("price" not in (c["body"] or {}) for c in public["results"])
    assert "body" not in callers["read_key"].get("/api/v1/changes/").json()["results"][0]


def test_cursors_are_strings_everywhere(callers, catalog):
    page = callers["read_key"].get("/api/v1/changes/", {"limit": 1}).json()
    assert isinstance(page["next_cursor"], str)
    assert isinstance(page["results"][0]["cursor"], str)
    following = callers["read_key"].get("/api/v1/changes/", {"since": page["next_cursor"]})
    assert following.status_code == 200
    for bad in ("-1", "abc", "1" * 19):
        refused = callers["read_key"].get("/api/v1/changes/", {"since": bad})
        assert refused.status_code == 400
        assert "since" in refused.json()["errors"]
    assert callers["read_key"].get("/api/v1/changes/", {"embed": "all"}).status_code == 400


def test_a_cursor_past_the_end_of_the_feed_is_refused(callers, catalog, library):
    client = callers["read_key"]
    end = client.get("/api/v1/changes/", {"limit": 1000}).json()["next_cursor"]
    past = client.get("/api/v1/changes/", {"since": "999999"})
    assert past.status_code == 400
    assert past["Content-Type"] == "application/problem+json"
    body = past.json()
    assert body["code"] == "cursor_past_end"
    assert list(body["errors"]) == ["since"]
    assert "past the end" in body["detail"]
    assert f"last position is {end}" in body["detail"]
    # The feed's own end is a position to resume from, as is any cursor it gave.
    at_end = client.get("/api/v1/changes/", {"since": end})
    assert at_end.status_code == 200
    assert at_end.json() == {"results": [], "next_cursor": end, "has_more": False}
    assert client.get("/api/v1/changes/", {"since": int(end) + 1}).status_code == 400


def test_an_empty_feed_starts_at_zero_and_ends_there(callers, library):
    client = callers["read_key"]
    with schema_context(library.schema_name):
        assert not Change.objects.exists()
    empty = client.get("/api/v1/changes/", {"since": "0"})
    assert empty.status_code == 200
    assert empty.json() == {"results": [], "next_cursor": "0", "has_more": False}
    refused = client.get("/api/v1/changes/", {"since": "1"})
    assert refused.status_code == 400
    assert "last position is 0" in refused.json()["errors"]["since"][0]
