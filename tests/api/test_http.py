"""The HTTP an integrator's tools expect: problem details, 413, JSON misses on unknown hosts."""

import json
import re

import pytest
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from catalog.models import Record

PROBLEM = "application/problem+json"


def test_errors_are_problem_details(callers, catalog):
    client = callers["read_key"]
    for response in (
        client.get("/api/v1/records/999999999/"),
        client.get("/api/v1/records/", {"nonsense": "1"}),
        client.get("/api/v1/no-such-thing/"),
        APIClient(HTTP_HOST="alpha.localhost").get("/api/v1/changes/"),
        client.post("/api/v1/records/", {"title": "x"}, format="json"),
    ):
        assert response.status_code >= 400
        assert response["Content-Type"].startswith(PROBLEM), response.status_code
        assert response.json()["status"] == response.status_code


def test_problem_json_is_acceptable(callers, catalog):
    client = callers["read_key"]
    missing = client.get("/api/v1/records/999999999/", HTTP_ACCEPT=PROBLEM)
    assert missing.status_code == 404
    assert missing["Content-Type"].startswith(PROBLEM)
    found = client.get(f"/api/v1/records/{catalog.record.pk}/", HTTP_ACCEPT=PROBLEM)
    assert found.status_code == 200
    assert found.json()["id"] == catalog.record.pk
    refused = client.get(f"/api/v1/records/{catalog.record.pk}/", HTTP_ACCEPT="text/csv")
    assert refused.status_code == 406
    assert refused["Content-Type"].startswith(PROBLEM)


def test_an_oversized_body_is_a_413_problem(writer, library):
    body = json.dumps({"title": "x", "summary": "y" * (3 * 1024 * 1024)})
    response = writer.generic("POST", "/api/v1/records/", body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"].startswith(PROBLEM)
    assert response.json()["code"] == "too_large"
    with schema_context(library.schema_name):
        assert not Record.objects.filter(title="x").exists()


def test_an_unknown_host_under_api_is_a_json_404(db):
    client = APIClient(HTTP_HOST="nowhere.localhost")
    response = client.get("/api/v1/records/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith(PROBLEM)
    assert response.json()["code"] == "not_found"
    # Outside the API an unknown host stays a plain 404 page.
    assert not client.get("/")["Content-Type"].startswith(PROBLEM)


def test_writes_that_make_something_say_where(writer, catalog):
    made = writer.post("/api/v1/records/", {"title": "Always Coming Home"}, format="json")
    assert made.status_code == 201
    assert made["Location"] == f"http://alpha.localhost/api/v1/records/{made.json()['id']}/"
    assert writer.get(made["Location"]).json()["title"] == "Always Coming Home"
    item = writer.post(
        "/api/v1/items/", {"record": catalog.record.pk, "barcode": "B-LOC-1"}, format="json"
    )
    assert item["Location"].endswith(f"/api/v1/items/{item.json()['id']}/")
    location = writer.post("/api/v1/locations/", {"code": "LOC-2"}, format="json")
    assert location["Location"].endswith(f"/api/v1/locations/{location.json()['id']}/")
    export = writer.post("/api/v1/exports/", {"format": "marcxml"}, format="json")
    assert export.status_code == 202
    assert export["Location"].endswith(f"/api/v1/exports/{export.json()['id']}/")


def test_if_none_match_answers_304_on_objects_and_lists(callers, catalog):
    client = callers["read_key"]
    for url in (f"/api/v1/records/{catalog.record.pk}/", "/api/v1/records/", "/api/v1/items/"):
        first = client.get(url)
        etag = first["ETag"]
        assert etag
        again = client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304, url
        assert again.content == b""
        assert client.get(url, HTTP_IF_NONE_MATCH='"v0"').status_code == 200
    # A change makes the held ETag stale.
    listed = client.get("/api/v1/records/")["ETag"]
    callers["librarian"].post("/api/v1/records/", {"title": "The Dispossessed"}, format="json")
    assert client.get("/api/v1/records/", HTTP_IF_NONE_MATCH=listed).status_code == 200


def test_a_lists_etag_is_strong_and_follows_its_body(callers, catalog):
    client = callers["read_key"]
    first, again = client.get("/api/v1/records/"), client.get("/api/v1/records/")
    assert first.content == again.content
    assert first["ETag"] == again["ETag"]
    assert re.fullmatch(r'"[^"]+"', first["ETag"])
    # If-None-Match compares weakly: the tag sent back as weak still names this body.
    weak = client.get("/api/v1/records/", HTTP_IF_NONE_MATCH=f"W/{first['ETag']}")
    assert weak.status_code == 304
    # Another body (one record less on the page), another tag.
    shorter = client.get("/api/v1/records/", {"page_size": "1"})
    assert shorter.content != first.content
    assert shorter["ETag"] != first["ETag"]
    assert (
        client.get(
            "/api/v1/records/", {"page_size": "1"}, HTTP_IF_NONE_MATCH=first["ETag"]
        ).status_code
        == 200
    )


def test_a_read_without_preconditions_skips_djangos_checks(callers, catalog, monkeypatch):
    """Django's conditional checks are for a request that sends a precondition: a read that
    sends none gets its ETag and its body without them."""

    def checked(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("no precondition to check")

    monkeypatch.setattr("django.middleware.http.get_conditional_response", checked)
    client = callers["read_key"]
    response = client.get("/api/v1/records/")
    assert response.status_code == 200
    assert re.fullmatch(r'"[0-9a-f]{32}"', response["ETag"])
    with pytest.raises(AssertionError, match="no precondition"):
        client.get("/api/v1/records/", HTTP_IF_NONE_MATCH=response["ETag"])


def _records_titled(schema: str, title: str) -> int:
    with schema_context(schema):
        return Record.objects.filter(title=title).count()


def test_idempotency_key_makes_a_post_once(callers, other_callers, library, other_library):
    client = callers["write_key"]
    body = {"title": "The Lathe of Heaven"}
    first = client.post("/api/v1/records/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/records/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert _records_titled(library.schema_name, "The Lathe of Heaven") == 1
    # Same key, another body: refused, nothing written.
    other_body = {"title": "The Word for World Is Forest"}
    reused = client.post("/api/v1/records/", other_body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert reused.status_code == 422
    assert reused["Content-Type"].startswith(PROBLEM)
    assert _records_titled(library.schema_name, "The Word for World Is Forest") == 0
    # Keys belong to their caller and library: the same key elsewhere is a new request.
    librarian = callers["librarian"]
    mine = librarian.post("/api/v1/records/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert mine.status_code == 201
    assert mine.json()["id"] != first.json()["id"]
    elsewhere = other_callers["write_key"].post(
        "/api/v1/records/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert elsewhere.status_code == 201
    assert _records_titled(other_library.schema_name, "The Lathe of Heaven") == 1
    # Without a key every POST is its own.
    client.post("/api/v1/records/", body, format="json")
    assert _records_titled(library.schema_name, "The Lathe of Heaven") == 3


def test_refused_posts_are_not_kept_against_the_key(callers, library):
    client = callers["write_key"]
    invalid = client.post("/api/v1/records/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert invalid.status_code == 400
    # The same invalid request is answered the same (a replay); a fixed body needs a new key.
    assert (
        client.post("/api/v1/records/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k-2").status_code
        == 400
    )
    too_long = client.post("/api/v1/records/", {}, format="json", HTTP_IDEMPOTENCY_KEY="x" * 256)
    assert too_long.status_code == 400
    assert "Idempotency-Key" in too_long.json()["errors"]


def test_idempotency_key_compares_json_by_its_value(callers, library):
    client = callers["write_key"]
    first = client.post(
        "/api/v1/records/", data=b'{"title": "Always Coming Home", "publication_year": 1985}',
        content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-json",
    )  # fmt: skip
    assert first.status_code == 201
    # The same object, another serialisation: other key order, no spaces, a charset.
    again = client.post(
        "/api/v1/records/", data=b'{"publication_year":1985,"title":"Always Coming Home"}',
        content_type="application/json; charset=utf-8", HTTP_IDEMPOTENCY_KEY="k-json",
    )  # fmt: skip
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert _records_titled(library.schema_name, "Always Coming Home") == 1
    # Another value is still another request.
    other = client.post(
        "/api/v1/records/", data=b'{"publication_year":1986,"title":"Always Coming Home"}',
        content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-json",
    )  # fmt: skip
    assert other.status_code == 422
    assert _records_titled(library.schema_name, "Always Coming Home") == 1


def test_idempotency_key_compares_other_bodies_byte_for_byte(callers, library):
    # A form body (the imports take one) is compared as sent: its fields in another order
    # are another request, although they might mean the same.
    client = callers["write_key"]
    form = "application/x-www-form-urlencoded"
    sent = "format=csv&on_match=skip"
    first = client.post("/api/v1/imports/", data=sent, content_type=form,
                        HTTP_IDEMPOTENCY_KEY="k-form")  # fmt: skip
    assert first.status_code == 400  # no file: refused, and that answer is kept
    same = client.post("/api/v1/imports/", data=sent, content_type=form,
                       HTTP_IDEMPOTENCY_KEY="k-form")  # fmt: skip
    assert same["Idempotent-Replayed"] == "true"
    assert same.json() == first.json()
    reordered = client.post("/api/v1/imports/", data="on_match=skip&format=csv",
                            content_type=form, HTTP_IDEMPOTENCY_KEY="k-form")  # fmt: skip
    assert reordered.status_code == 422
    assert reordered.json()["code"] == "idempotency_key_reused"


@pytest.mark.parametrize("if_match", ['"v999"', '"v0"', "v2"])
@pytest.mark.parametrize(
    ("caller", "path", "body", "noun"),
    [
        ("write_key", "/api/v1/records/{record}/", {"edition": "x"}, "record"),
        ("write_key", "/api/v1/items/{item}/", {"call_number": "x"}, "item"),
        ("admin", "/api/v1/settings/", {"name": "Elsewhere"}, "settings"),
    ],
)
def test_an_if_match_naming_a_version_never_had_is_told_so(
    callers, catalog, caller, path, body, noun, if_match
):
    url = path.format(record=catalog.record.pk, item=catalog.item.pk)
    client = callers[caller]
    before = client.get(url).json()
    response = client.patch(url, body, format="json", HTTP_IF_MATCH=if_match)
    assert response.status_code == 412
    problem = response.json()
    assert problem["code"] == "version_unknown"
    assert f"is not one th{'ese' if noun == 'settings' else 'is'} {noun}" in problem["detail"]
    assert "changed since" not in problem["detail"]
    assert client.get(url).json() == before


@pytest.mark.parametrize(
    ("path", "field", "if_match", "noun"),
    [
        ("/api/v1/items/{item}/", "call_number", '"v1"', "item"),
        # A list none of whose tags is current names the version it was read at.
        ("/api/v1/records/{record}/", "edition", '"v1", W/"v2"', "record"),
    ],
)
def test_a_stale_if_match_is_still_told_the_object_changed(
    callers, catalog, path, field, if_match, noun
):
    url = path.format(record=catalog.record.pk, item=catalog.item.pk)
    client = callers["write_key"]
    assert client.patch(url, {field: "A"}, format="json").status_code == 200
    changed = client.get(url).json()
    stale = client.patch(url, {field: "B"}, format="json", HTTP_IF_MATCH=if_match)
    assert stale.status_code == 412
    assert f"The {noun} changed since you read it (version 2, you sent 1)" in stale.json()["detail"]
    assert client.get(url).json() == changed


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/records/{record}/", {"edition": "x"}),
        ("/api/v1/items/{item}/", {"call_number": "x"}),
    ],
)
def test_a_weak_etag_never_matches_if_match(callers, catalog, path, body):
    """If-Match compares strongly (RFC 9110 13.1.1): W/"v1" is refused even at version 1."""
    url = path.format(record=catalog.record.pk, item=catalog.item.pk)
    client = callers["write_key"]
    before = client.get(url)
    assert before["ETag"] == '"v1"'
    response = client.patch(url, body, format="json", HTTP_IF_MATCH='W/"v1"')
    assert response.status_code == 412
    assert "weak ETag" in response.json()["detail"]
    assert client.get(url).json() == before.json()


@pytest.mark.parametrize(("sent", "strong"), [('W/"v7"', '"v7"'), ('W/"v12", W/"v13"', '"v12"')])
def test_a_weak_etag_refused_quotes_the_tag_sent(callers, catalog, sent, strong):
    # A client logging the refusal sees its own header, and the tag it should have sent.
    url = f"/api/v1/records/{catalog.record.pk}/"
    response = callers["write_key"].patch(url, {"edition": "x"}, format="json", HTTP_IF_MATCH=sent)
    assert response.status_code == 412
    detail = response.json()["detail"]
    assert f"({sent.split(',')[0]})" in detail
    assert detail.endswith(f", {strong}.")
    assert 'W/"v3"' not in detail


@pytest.mark.parametrize("listed", ['"v9", "v1"', '"v1","v7"', 'W/"v3", "v1"'])
def test_an_if_match_list_matches_when_any_of_its_tags_does(callers, catalog, listed):
    url = f"/api/v1/items/{catalog.item.pk}/"
    client = callers["write_key"]
    response = client.patch(url, {"call_number": "A"}, format="json", HTTP_IF_MATCH=listed)
    assert response.status_code == 200, response.json()
    assert response["ETag"] == '"v2"'


def test_an_if_match_list_of_versions_never_had_is_told_each_version_sent(callers, catalog):
    url = f"/api/v1/records/{catalog.record.pk}/"
    client = callers["write_key"]
    before = client.get(url).json()
    made_up = client.patch(url, {"edition": "3rd"}, format="json", HTTP_IF_MATCH='"v8", "v9"')
    assert made_up.json()["code"] == "version_unknown"
    assert "Version 8 or 9 is not one this record has had" in made_up.json()["detail"]
    in_french = client.patch(
        url, {"edition": "3rd"}, format="json", HTTP_IF_MATCH='"v7", "v8", "v9"',
        HTTP_ACCEPT_LANGUAGE="fr",
    )  # fmt: skip
    assert "7, 8 ou 9" in in_french.json()["detail"]
    assert client.get(url).json() == before
