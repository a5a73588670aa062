"""A write that changes nothing leaves the object, its version, its timestamp and the change
feed as they were, and answers the object unchanged (same ETag)."""

import pytest
from django_tenants.utils import schema_context

from catalog.models import Change
from tests.api.test_circulation_api import patron_key
from tests.circulation.conftest import desk_make
from tests.conftest import LIBRARY_HOST

pytestmark = pytest.mark.django_db


def _feed(schema):
    with schema_context(schema):
        return list(Change.objects.order_by("pk").values_list("pk", "entity", "entity_id"))


def _no_op(client, method, url, body, schema):
    before = client.get(url)
    feed = _feed(schema)
    response = getattr(client, method)(url, body, format="json")
    assert response.status_code == 200, response.content[:300]
    assert response["ETag"] == before["ETag"]
    assert response.json() == before.json()
    after = client.get(url)
    assert after["ETag"] == before["ETag"]
    assert after.json()["updated_at"] == before.json()["updated_at"]
    assert _feed(schema) == feed


@pytest.mark.parametrize(
    "body",
    [{}, {"id": 1, "version": 1, "updated_at": "2000-01-01T00:00:00Z"},
     {"title": "The Left Hand of Darkness", "publication_year": 1969}],
    ids=["empty", "read-only-fields", "same-values"],
)  # fmt: skip
def test_a_record_patch_that_changes_nothing_is_no_change(callers, catalog, library, body):
    url = f"/api/v1/records/{catalog.record.pk}/"
    _no_op(callers["write_key"], "patch", url, body, library.schema_name)


def test_a_client_sends_back_the_record_it_read(callers, catalog, library):
    client = callers["write_key"]
    url = f"/api/v1/records/{catalog.record.pk}/"
    read = client.get(url).json()
    _no_op(client, "patch", url, read, library.schema_name)
    _no_op(client, "put", url, read, library.schema_name)

    feed = _feed(library.schema_name)
    changed = client.patch(url, {**read, "edition": "2nd"}, format="json")
    assert changed.status_code == 200
    assert changed["ETag"] == '"v2"'
    after = changed.json()
    differs = {name for name in after if after[name] != read[name]}
    assert differs == {"edition", "version", "updated_at"}
    new = _feed(library.schema_name)[len(feed) :]
    assert [(entity, entity_id) for _, entity, entity_id in new] == [("record", read["id"])]


def test_a_reordered_subject_list_is_a_change(callers, catalog):
    client = callers["write_key"]
    url = f"/api/v1/records/{catalog.record.pk}/"
    subjects = [{"heading": "Gender", "scheme": "lcsh"}, {"heading": "Science fiction"}]
    assert client.patch(url, {"subjects": subjects}, format="json")["ETag"] == '"v2"'
    response = client.patch(url, {"subjects": subjects[::-1]}, format="json")
    assert response["ETag"] == '"v3"'
    assert [s["heading"] for s in response.json()["subjects"]] == ["Science fiction", "Gender"]


@pytest.mark.parametrize("method", ["patch", "put"])
def test_an_item_write_that_changes_nothing_is_no_change(callers, catalog, library, method):
    client = callers["write_key"]
    url = f"/api/v1/items/{catalog.item.pk}/"
    read = client.get(url).json()
    body = {} if method == "patch" else read
    _no_op(client, method, url, body, library.schema_name)


def test_another_librarys_key_changes_nothing_with_a_no_op_patch(
    callers, other_callers, catalog, library
):
    url = f"/api/v1/records/{catalog.record.pk}/"
    feed = _feed(library.schema_name)
    stranger = other_callers["write_key"]
    assert stranger.patch(url, {}, format="json", HTTP_HOST=LIBRARY_HOST).status_code == 401
    assert stranger.patch(url, {}, format="json").status_code == 404
    assert callers["write_key"].get(url)["ETag"] == '"v1"'
    assert _feed(library.schema_name) == feed


def test_a_patron_save_that_changes_nothing_keeps_its_version(library):
    desk = desk_make(library.schema_name)
    client = patron_key(library.schema_name, LIBRARY_HOST, "write")
    url = f"/api/v1/patrons/{desk.patron.pk}/"
    read = client.get(url)
    sent = {name: read.json()[name] for name in ("name", "barcode", "email", "category")}

    _no_op(client, "patch", url, sent, library.schema_name)

    # The next editor saves from the version they read: no conflict.
    changed = client.patch(url, {"notes": "Moved"}, format="json", HTTP_IF_MATCH=read["ETag"])
    assert changed.status_code == 200, changed.content
    assert changed["ETag"] == '"v2"'
