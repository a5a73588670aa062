"""PUT and DELETE /api/v1/records/{id}/cover/: a picture as the body, the cover's addresses in
the answer; refusals in the API's problem shape, and nothing crosses libraries."""

import io

import pytest
from django.test import Client
from django_tenants.utils import schema_context
from PIL import Image

from catalog.models import Change, Record
from tests.conftest import LIBRARY_HOST


def _jpeg(width: int = 600, height: int = 900) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 80, 30)).save(out, "JPEG")
    return out.getvalue()


def _put(client, record_id: int, body: bytes, content_type: str = "image/jpeg", **headers):  # type: ignore[no-untyped-def]
    return client.put(
        f"/api/v1/records/{record_id}/cover/", body, content_type=content_type, **headers
    )


def _state(schema: str, record_id: int) -> tuple[str, int]:
    with schema_context(schema):
        return Record.objects.filter(pk=record_id).values_list("cover", "version").get()


def test_put_a_cover_then_delete_it(callers, catalog):
    record = catalog.record
    with schema_context("alpha"):
        feed = Change.objects.count()
    answer = _put(callers["write_key"], record.pk, _jpeg(), HTTP_IF_MATCH=f'"v{record.version}"')
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["thumbnail"]["width"], body["thumbnail"]["height"]) == (120, 180)
    assert (body["large"]["width"], body["large"]["height"]) == (400, 600)
    assert body["large"]["url"].startswith(f"http://{LIBRARY_HOST}/records/{record.pk}/cover-")
    assert answer["ETag"] == f'"v{record.version + 1}"'
    with schema_context("alpha"):
        assert Change.objects.count() == feed + 1
    picture = Client(HTTP_HOST=LIBRARY_HOST).get(body["large"]["url"].split(LIBRARY_HOST)[1])
    assert picture.status_code == 200
    assert picture["Content-Type"] == "image/webp"
    # The record page shows it.
    page = Client(HTTP_HOST=LIBRARY_HOST).get(f"/records/{record.pk}/").content.decode()
    assert body["large"]["url"].split(LIBRARY_HOST)[1] in page

    gone = callers["librarian"].delete(f"/api/v1/records/{record.pk}/cover/")
    assert gone.status_code == 204
    assert _state("alpha", record.pk) == ("", record.version + 2)
    again = callers["librarian"].delete(f"/api/v1/records/{record.pk}/cover/")
    assert again.status_code == 404
    assert again.json()["detail"] == "This record has no cover."


@pytest.mark.parametrize(
    ("body", "content_type", "status", "says"),
    [
        (b"not a picture", "image/png", 400, "not a picture"),
        (b"", "image/jpeg", 400, "empty"),
        (b"GIF89a and then nothing", "application/octet-stream", 400, "not a picture"),
        (b'{"url": "x"}', "application/json", 415, "Unsupported media type"),
    ],
)
def test_what_is_not_a_picture_is_refused(callers, catalog, body, content_type, status, says):
    before = _state("alpha", catalog.record.pk)
    answer = _put(callers["write_key"], catalog.record.pk, body, content_type)
    assert answer.status_code == status
    assert answer["Content-Type"] == "application/problem+json"
    assert says in answer.json()["detail"]
    assert _state("alpha", catalog.record.pk) == before


def test_a_picture_sent_as_octet_stream_is_taken(callers, catalog):
    answer = _put(
        callers["write_key"], catalog.record.pk, _jpeg(90, 60), "application/octet-stream"
    )
    assert answer.status_code == 200
    assert (answer.json()["large"]["width"], answer.json()["large"]["height"]) == (90, 60)


def test_a_stale_if_match_changes_nothing(callers, catalog):
    before = _state("alpha", catalog.record.pk)
    answer = _put(callers["write_key"], catalog.record.pk, _jpeg(), HTTP_IF_MATCH='"v99"')
    assert answer.status_code == 412
    assert _state("alpha", catalog.record.pk) == before


@pytest.mark.parametrize(
    ("role", "status"), [("anonymous", 401), ("read_key", 403), ("viewer", 403)]
)
def test_only_those_who_catalogue_set_covers(callers, catalog, role, status):
    before = _state("alpha", catalog.record.pk)
    assert _put(callers[role], catalog.record.pk, _jpeg()).status_code == status
    assert callers[role].delete(f"/api/v1/records/{catalog.record.pk}/cover/").status_code == status
    assert _state("alpha", catalog.record.pk) == before


def test_another_library_cannot_set_or_take_the_cover(callers, other_callers, catalog):
    assert _put(callers["write_key"], catalog.record.pk, _jpeg()).status_code == 200
    before = _state("alpha", catalog.record.pk)
    with schema_context("beta"):
        Record.objects.filter(pk=catalog.record.pk).delete()  # beta has no record of that number
    # Beta's key on beta's host, with alpha's record id: no such record there.
    assert _put(other_callers["write_key"], catalog.record.pk, _jpeg()).status_code == 404
    deleted = other_callers["write_key"].delete(f"/api/v1/records/{catalog.record.pk}/cover/")
    assert deleted.status_code == 404
    # Beta's key on alpha's host means nothing there.
    beta_key = other_callers["write_key"]._credentials["HTTP_AUTHORIZATION"]
    on_alpha = Client(HTTP_HOST=LIBRARY_HOST, HTTP_AUTHORIZATION=beta_key)
    assert _put(on_alpha, catalog.record.pk, _jpeg()).status_code == 401
    assert on_alpha.delete(f"/api/v1/records/{catalog.record.pk}/cover/").status_code == 401
    assert _state("alpha", catalog.record.pk) == before


def test_the_record_json_gives_its_cover_or_null(callers, catalog):
    """A discovery layer reading records (one, a page, the change feed with bodies) finds the
    cover's addresses there, the same the cover PUT answered; null for a record without one."""
    record, reader = catalog.record, callers["read_key"]
    assert reader.get(f"/api/v1/records/{record.pk}/").json()["cover"] is None
    cover = _put(callers["write_key"], record.pk, _jpeg()).json()

    one = reader.get(f"/api/v1/records/{record.pk}/").json()
    assert one["cover"] == cover
    page = reader.get("/api/v1/records/").json()["results"]
    assert {r["id"]: r["cover"] for r in page} == {record.pk: cover, catalog.other_record.pk: None}
    feed = callers["librarian"].get("/api/v1/changes/?embed=body").json()["results"]
    assert feed[-1]["body"]["cover"] == cover
    picture = Client(HTTP_HOST=LIBRARY_HOST).get(one["cover"]["thumbnail"]["url"])
    assert (picture.status_code, picture["Content-Type"]) == (200, "image/webp")

    callers["librarian"].delete(f"/api/v1/records/{record.pk}/cover/")
    assert reader.get(f"/api/v1/records/{record.pk}/").json()["cover"] is None
