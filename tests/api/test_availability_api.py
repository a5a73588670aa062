"""Availability of many records in one call: copies by status and by location."""

import pytest
from django_tenants.utils import schema_context

from catalog.models import Item, Record
from catalog.services import ItemData, RecordData, item_create, location_create, record_create
from tenants.domains import library_cache_forget
from tenants.models import Library

pytestmark = pytest.mark.django_db
URL = "/api/v1/records/availability/"
NONE = dict.fromkeys(Item.Status.values, 0)


def _copies(schema: str) -> tuple[Record, Record, Record]:
    """A record with copies in two places and three states, one without, one without place."""
    with schema_context(schema):
        main = location_create(code="MAIN", name="Main library")
        branch = location_create(code="BR2", name="Branch 2")
        held = record_create(data=RecordData(title="The Dispossessed"))
        bare = record_create(data=RecordData(title="No copies yet"))
        loose = record_create(data=RecordData(title="Copies nowhere"))
        for barcode, place, status in [
            ("a1", main, "available"), ("a2", main, "available"), ("a3", main, "on_loan"),
            ("a4", branch, "on_loan"), ("a5", branch, "missing"),
        ]:  # fmt: skip
            item_create(
                record_id=held.pk,
                data=ItemData(barcode=barcode, location_id=place.pk, status=status),
            )
        item_create(record_id=loose.pk, data=ItemData(barcode="a6"))
    return held, bare, loose


def test_counts_by_status_and_location_in_the_order_asked(callers, library):
    held, bare, loose = _copies(library.schema_name)
    ids = f"{bare.pk},{held.pk},999999,{loose.pk}"
    response = callers["read_key"].get(URL, {"ids": ids})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "results": [
            {"record": bare.pk, "total": 0, "by_status": NONE, "by_location": []},
            {"record": held.pk, "total": 5,
             "by_status": NONE | {"available": 2, "on_loan": 2, "missing": 1},
             "by_location": [
                 {"code": "BR2", "name": "Branch 2", "total": 2,
                  "by_status": NONE | {"on_loan": 1, "missing": 1}},
                 {"code": "MAIN", "name": "Main library", "total": 3,
                  "by_status": NONE | {"available": 2, "on_loan": 1}},
             ]},
            {"record": loose.pk, "total": 1, "by_status": NONE | {"available": 1},
             "by_location": [{"code": "", "name": "", "total": 1,
                              "by_status": NONE | {"available": 1}}]},
        ]
    }  # fmt: skip


def test_anonymous_callers_may_ask_while_the_catalog_is_public(callers, library):
    held, _, _ = _copies(library.schema_name)
    response = callers["anonymous"].get(URL, {"ids": str(held.pk)})
    assert response.status_code == 200
    assert response.json()["results"][0]["total"] == 5
    Library.objects.filter(pk=library.pk).update(public_catalog=False)
    library_cache_forget(library)
    assert callers["anonymous"].get(URL, {"ids": str(held.pk)}).status_code == 401
    assert callers["read_key"].get(URL, {"ids": str(held.pk)}).status_code == 200


@pytest.mark.parametrize(
    ("ids", "why"),
    [
        (",".join(str(i) for i in range(1, 202)), "Send 1 to 200 ids"),
        ("1,two,3", "Give whole numbers separated by commas, such as 12,15."),
        ("", "Send 1 to 200 ids"),
        (None, "Send 1 to 200 ids"),
    ],
)
def test_too_many_or_bad_ids_are_a_400_naming_the_parameter(callers, library, ids, why):
    response = callers["read_key"].get(URL, {} if ids is None else {"ids": ids})
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert list(errors) == ["ids"]
    assert why in errors["ids"][0]


@pytest.mark.parametrize("count", [1, 200])
def test_one_query_whatever_the_number_of_records(
    callers, library, django_assert_num_queries, count
):
    with schema_context(library.schema_name):
        records = [
            record_create(data=RecordData(title=f"Record {i}")) for i in range(min(count, 200))
        ]
        for record in records[:20]:
            item_create(record_id=record.pk, data=ItemData(barcode=f"c{record.pk}"))
    client = callers["read_key"]
    ids = ",".join(str(r.pk) for r in records)
    client.get(URL, {"ids": ids})  # warm: the key lookup is cached as in steady use
    # One query for the counts of every record (the key is held in memory, and the session's
    # search_path is the library's already).
    with django_assert_num_queries(1):
        response = client.get(URL, {"ids": ids})
    assert [row["record"] for row in response.json()["results"]] == [r.pk for r in records]
    assert sum(row["total"] for row in response.json()["results"]) == min(count, 20)


def test_another_librarys_ids_and_credentials_see_nothing(callers, other_callers, library,
                                                          other_library):  # fmt: skip
    held, _, _ = _copies(library.schema_name)
    with schema_context(other_library.schema_name):
        assert not Record.objects.filter(pk=held.pk).exists()
    # A's record id on B's host: B has no such record.
    response = other_callers["read_key"].get(URL, {"ids": str(held.pk)})
    assert response.status_code == 200
    assert response.json() == {"results": []}
    # A's key on B's host: refused.
    from tests.api.conftest import client_for
    from tests.conftest import OTHER_LIBRARY_HOST

    visitor = client_for(OTHER_LIBRARY_HOST, callers["read_key"]._credentials["HTTP_AUTHORIZATION"])
    assert visitor.get(URL, {"ids": str(held.pk)}).status_code == 401
    with schema_context(library.schema_name):
        assert Item.objects.filter(record=held).count() == 5
