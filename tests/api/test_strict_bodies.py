"""Every write of the API refuses a body field it does not know, naming it; the fields the API
itself answers with, sent back by a client that read the object, are ignored."""

import json

import pytest
from django_tenants.utils import schema_context
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.test import APIClient

from api.strict import StrictInputSerializer
from catalog.models import Change, Item, Record
from circulation.models import LoanRule
from staff.models import ApiKey
from tenants.models import Signup
from tests.conftest import LIBRARY_HOST

pytestmark = pytest.mark.django_db


def _changes(schema):
    with schema_context(schema):
        return Change.objects.count()


def test_a_misspelt_field_in_a_patch_is_a_400_naming_it_and_changes_nothing(
    callers, catalog, library
):
    url = f"/api/v1/records/{catalog.record.pk}/"
    before = _changes(library.schema_name)
    response = callers["write_key"].patch(url, {"sumary": "Typo field"}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == ["sumary"]
    message = body["errors"]["sumary"][0]
    assert message.startswith("Unknown field")
    assert "summary" in message  # what the operation takes, so the typo is plain
    again = callers["write_key"].get(url)
    assert again["ETag"] == '"v1"'
    assert again.json()["summary"] == ""
    assert _changes(library.schema_name) == before


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"identifiers": [{}]}, {"identifiers.0.kind", "identifiers.0.value"}),
        ({"identifiers": [{"kind": "isbn"}]}, {"identifiers.0.value"}),
        ({"identifiers": [{"value": "9780441172719"}]}, {"identifiers.0.kind"}),
        ({"contributors": [{"role": "editor"}]}, {"contributors.0.name"}),
        ({"subjects": [{}]}, {"subjects.0.heading"}),
    ],
)
def test_an_object_a_patch_lists_without_a_required_field_is_a_400_naming_it(
    callers, catalog, library, body, named
):
    url = f"/api/v1/records/{catalog.record.pk}/"
    before = _changes(library.schema_name)
    response = callers["write_key"].patch(url, body, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert errors == {name: ["This field is required."] for name in named}
    assert callers["write_key"].get(url)["ETag"] == '"v1"'
    assert _changes(library.schema_name) == before


def test_an_unknown_field_in_a_create_is_a_400_and_nothing_is_made(callers, library):
    response = callers["write_key"].post(
        "/api/v1/records/", {"title": "X", "bogus": 1}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["bogus"]
    with schema_context(library.schema_name):
        assert not Record.objects.filter(title="X").exists()


def test_unknown_fields_are_named_with_the_other_errors_and_inside_lists(callers):
    response = callers["write_key"].post(
        "/api/v1/records/",
        {"colour": "red", "publication_year": "soon",
         "contributors": [{"name": "Butler, Octavia E.", "rol": "author"}]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"colour", "title", "publication_year", "contributors.0.rol"}
    assert errors["contributors.0.rol"][0].startswith("Unknown field")


def test_the_fields_of_a_record_as_read_may_be_sent_back(callers, catalog):
    url = f"/api/v1/records/{catalog.record.pk}/"
    read = callers["write_key"].get(url).json()
    read["edition"] = "2nd"
    response = callers["write_key"].put(url, read, format="json", HTTP_IF_MATCH='"v1"')
    assert response.status_code == 200, response.json()
    assert response.json()["edition"] == "2nd"
    assert response.json()["contributors"][0]["name"] == "Le Guin, Ursula K."


@pytest.mark.parametrize("method", ["put", "patch"])
def test_an_item_as_read_may_be_sent_back(callers, catalog, library, method):
    """An item answers its location as an object: sent back whole, that object names the
    location it is at (its id), rather than failing as "A valid integer is required"."""
    url = f"/api/v1/items/{catalog.item.pk}/"
    read = callers["write_key"].get(url).json()
    assert read["location"]["id"] == catalog.item.location_id
    read["call_number"] = "813.54 LEG 2"
    response = callers["write_key"].generic(
        method.upper(), url, json.dumps(read), content_type="application/json",
        HTTP_IF_MATCH=f'"v{read["version"]}"',
    )  # fmt: skip
    assert response.status_code == 200, response.json()
    assert response.json()["call_number"] == "813.54 LEG 2"
    assert response.json()["location"] == read["location"]
    moved = callers["write_key"].patch(url, {"location": {"code": "MAIN"}}, format="json")
    assert moved.status_code == 400
    assert "location" in moved.json()["errors"]


@pytest.mark.parametrize(
    ("caller", "method", "path", "body"),
    [
        ("write_key", "post", "/api/v1/items/", {"barcode": "B-1", "colour": "red"}),
        ("write_key", "patch", "/api/v1/items/{item}/", {"colour": "red"}),
        ("write_key", "post", "/api/v1/locations/", {"code": "NEW", "colour": "red"}),
        ("admin", "patch", "/api/v1/settings/", {"name": "Alpha", "colour": "red"}),
        ("admin", "post", "/api/v1/api-keys/", {"name": "k", "colour": "red"}),
        ("admin", "post", "/api/v1/domains/", {"domain": "a.example.org", "colour": "red"}),
        ("admin", "post", "/api/v1/loan-rules/", {"loan_days": 14, "colour": "red"}),
        ("admin", "put", "/api/v1/circulation-settings/", {"hold_shelf_days": 7, "colour": "r"}),
        ("admin", "post", "/api/v1/patrons/", {"name": "A", "barcode": "P1", "colour": "red"}),
    ],
)
def test_every_write_refuses_an_unknown_field(callers, catalog, library, caller, method, path,
                                              body):  # fmt: skip
    before = _state(library.schema_name)
    url = path.format(item=catalog.item.pk)
    response = getattr(callers[caller], method)(url, body, format="json")
    assert response.status_code == 400, response.content[:300]
    assert response.json()["errors"]["colour"][0].startswith("Unknown field")
    assert _state(library.schema_name) == before


def _state(schema):
    with schema_context(schema):
        return (
            list(Item.objects.values_list("pk", "version", "barcode")),
            ApiKey.objects.count(),
            LoanRule.objects.count(),
            Change.objects.count(),
        )


def test_another_librarys_key_gets_401_or_404_and_nothing_changes(
    callers, other_callers, catalog, library
):
    url = f"/api/v1/records/{catalog.record.pk}/"
    before = _changes(library.schema_name)
    # B's key on A's host is no key of A's; on B's host, A's record is not there.
    stranger = other_callers["write_key"]
    on_a = stranger.patch(url, {"sumary": "x"}, format="json", HTTP_HOST=LIBRARY_HOST)
    assert on_a.status_code == 401
    answers = {stranger.patch(url, body, format="json").status_code
               for body in ({"sumary": "x"}, {}, {"title": "Stolen"})}  # fmt: skip
    assert answers == {404}, answers
    assert callers["write_key"].get(url)["ETag"] == '"v1"'
    assert _changes(library.schema_name) == before


def test_the_platform_refuses_an_unknown_field_in_a_signup(db):
    client = APIClient(HTTP_HOST="localhost")
    response = client.post(
        "/api/v1/signups/",
        {"name": "Gamma", "subdomain": "gamma", "admin_email": "a@gamma.example", "plan": "gold"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["plan"]
    assert not Signup.objects.filter(subdomain="gamma").exists()


def _request_serializers(urlconf, monkeypatch):
    """The serializers of every request body the API's documents describe."""
    seen = []
    original = AutoSchema._get_request_for_media_type

    def recorded(self, serializer, direction="request"):
        seen.append(serializer)
        return original(self, serializer, direction)

    monkeypatch.setattr(AutoSchema, "_get_request_for_media_type", recorded)
    SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True)
    return [s for s in seen if isinstance(s, serializers.BaseSerializer | type)]


def _nested(serializer):
    """A serializer and every serializer nested in it."""
    found = [serializer]
    for field in serializer.fields.values():
        child = getattr(field, "child", field)
        if isinstance(child, serializers.Serializer):
            found.extend(_nested(child))
    return found


def test_every_request_body_the_document_describes_is_strict(monkeypatch):
    bodies = _request_serializers("config.urls_library", monkeypatch)
    assert bodies
    loose = set()
    for body in bodies:
        instance = body() if isinstance(body, type) else body
        for serializer in _nested(instance):
            if not isinstance(serializer, StrictInputSerializer):
                loose.add(type(serializer).__name__)
    assert not loose


@pytest.mark.parametrize(
    ("caller", "method", "path", "body", "field"),
    [
        ("write_key", "post", "/api/v1/records/", {"title": 123}, "title"),
        ("write_key", "patch", "/api/v1/records/{record}/", {"summary": 1.5}, "summary"),
        ("write_key", "post", "/api/v1/records/",
         {"title": "T", "contributors": [{"name": 7}]}, "contributors.0.name"),
        ("write_key", "post", "/api/v1/items/", {"record": 1, "barcode": 42}, "barcode"),
        ("write_key", "patch", "/api/v1/items/{item}/", {"call_number": True}, "call_number"),
        ("write_key", "patch", "/api/v1/items/{item}/", {"status": 1}, "status"),
        ("write_key", "post", "/api/v1/locations/", {"code": {"x": 1}}, "code"),
        ("admin", "patch", "/api/v1/settings/", {"name": 5}, "name"),
        ("admin", "patch", "/api/v1/settings/", {"cors_origins": ["https://a.example", 1]},
         "cors_origins.1"),
        ("admin", "post", "/api/v1/api-keys/", {"name": 1, "scope": "read"}, "name"),
        ("admin", "post", "/api/v1/patrons/", {"name": "A", "barcode": 12345}, "barcode"),
        ("librarian", "post", "/api/v1/loans/",
         {"item_barcode": 1, "patron_barcode": "P"}, "item_barcode"),
        ("admin", "post", "/api/v1/item-types/", {"item_barcodes": [1], "item_type": ""},
         "item_barcodes.0"),
    ],
)  # fmt: skip
def test_every_write_refuses_a_number_in_a_text_field_by_name(
    callers, catalog, library, caller, method, path, body, field
):
    before = _state(library.schema_name)
    url = path.format(item=catalog.item.pk, record=catalog.record.pk)
    response = getattr(callers[caller], method)(url, body, format="json")
    assert response.status_code == 400, response.content[:300]
    errors = response.json()["errors"]
    assert field in errors, errors
    assert "must be text" in errors[field][0]
    assert _state(library.schema_name) == before
    with schema_context(library.schema_name):
        assert not Record.objects.filter(title="123").exists()


def test_a_number_in_a_text_field_is_named_with_the_other_errors(callers):
    response = callers["write_key"].post(
        "/api/v1/records/", {"title": 123, "publication_year": "soon", "bogus": 1}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"title", "publication_year", "bogus"}
    assert errors["title"] == ["This field must be text (a JSON string in quotes), not a number."]


# Every write whose body is JSON fields, sent with no body at all.
NO_BODY = [
    ("admin", "post", "/api/v1/api-keys/"), ("admin", "post", "/api/v1/auth/token/"),
    ("admin", "put", "/api/v1/circulation-settings/"), ("admin", "post", "/api/v1/closed-days/"),
    ("admin", "post", "/api/v1/domains/"), ("librarian", "post", "/api/v1/exports/"),
    ("admin", "post", "/api/v1/holds/"), ("admin", "post", "/api/v1/item-types/"),
    ("librarian", "post", "/api/v1/items/"), ("librarian", "post", "/api/v1/labels/"),
    ("admin", "post", "/api/v1/loan-rules/"), ("admin", "post", "/api/v1/loans/"),
    ("admin", "post", "/api/v1/loans/renew/"), ("admin", "post", "/api/v1/loans/return/"),
    ("librarian", "post", "/api/v1/locations/"), ("admin", "post", "/api/v1/patrons/"),
    ("librarian", "post", "/api/v1/records/"), ("librarian", "patch", "/api/v1/records/{record}/"),
    ("librarian", "put", "/api/v1/items/{item}/"), ("admin", "patch", "/api/v1/settings/"),
    ("admin", "post", "/api/v1/staff/"), ("librarian", "post", "/api/v1/stocktakes/"),
]  # fmt: skip


@pytest.mark.parametrize(("caller", "method", "path"), NO_BODY)
def test_a_write_sent_without_a_body_says_so_in_the_apis_words(
    callers, catalog, library, caller, method, path
):
    url = path.format(record=catalog.record.pk, item=catalog.item.pk)
    before = _changes(library.schema_name)
    with schema_context(library.schema_name):
        rules = LoanRule.objects.count()
    client = callers[caller]
    client.raise_request_exception = False
    response = getattr(client, method)(url, b"", content_type="application/json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"].startswith("The request has no body: send this operation's fields (")
    assert list(body["errors"]) == ["non_field_errors"]
    assert _changes(library.schema_name) == before
    with schema_context(library.schema_name):
        assert LoanRule.objects.count() == rules  # no rule of defaults made from nothing


def test_the_lending_settings_put_names_each_field_left_out(callers, library):
    response = callers["admin"].put("/api/v1/circulation-settings/", {}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"anonymize_after_days", "hold_shelf_days", "due_soon_days"}


def test_numbers_sent_as_text_are_refused_with_the_bodys_other_errors(callers, library):
    response = callers["librarian"].post(
        "/api/v1/records/", {"title": 1999, "publication_year": "1999"}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors == {
        "title": ["This field must be text (a JSON string in quotes), not a number."],
        "publication_year": ["This field must be a number, not text (in quotes)."],
    }
    with schema_context(library.schema_name):
        assert not Record.objects.filter(publication_year=1999).exists()


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/loan-rules/", {"loan_days": "21"}, "loan_days"),
        ("/api/v1/circulation-settings/",
         {"anonymize_after_days": 0, "hold_shelf_days": "7", "due_soon_days": 2},
         "hold_shelf_days"),
        ("/api/v1/labels/",
         {"layout": "custom", "barcodes": ["B-1"], "grid": {
             "columns": 3, "rows": 10, "page_width_mm": "215.9", "page_height_mm": 279.4,
             "label_width_mm": 66.7, "label_height_mm": 25.4, "top_mm": 12.7,
             "left_mm": 4.8}},
         "grid.page_width_mm"),
    ],
)  # fmt: skip
def test_whole_and_decimal_numbers_refuse_text(callers, library, path, body, field):
    method = "put" if path.endswith("settings/") else "post"
    response = getattr(callers["admin"], method)(path, body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["errors"][field] == [
        "This field must be a number, not text (in quotes)."
    ]


def test_a_query_string_number_is_still_read_from_its_text(callers, catalog):
    # A query string carries only text: ?year_from=1960 is a number there.
    response = callers["librarian"].get("/api/v1/records/", {"year_from": "1960"})
    assert response.status_code == 200
    assert [r["title"] for r in response.json()["results"]] != []


PRICE_AS_TEXT = (
    'Send this as text, for example "12.50", not as a number: a JSON number may not keep its '
    "cents exactly."
)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/items/", '{"record": {record}, "barcode": "N-1", "price": 12.5}'),
        ("post", "/api/v1/items/", '{"record": {record}, "barcode": "N-1", "price": 12}'),
        ("patch", "/api/v1/items/{item}/", '{"price": 12.5}'),
        ("put", "/api/v1/items/{item}/", '{"record": {record}, "barcode": "N-1", "price": 1e1}'),
    ],
)
def test_a_price_sent_as_a_number_is_refused_saying_to_send_text(
    callers, catalog, library, method, path, body
):
    before = _state(library.schema_name)
    with schema_context(library.schema_name):
        price = Item.objects.get(pk=catalog.item.pk).price
    url = path.replace("{item}", str(catalog.item.pk))
    sent = body.replace("{record}", str(catalog.record.pk))
    response = getattr(callers["librarian"], method)(
        url, sent, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["errors"] == {"price": [PRICE_AS_TEXT]}
    assert body["detail"] == f"Check \u201cprice\u201d: {PRICE_AS_TEXT}"
    assert _state(library.schema_name) == before
    with schema_context(library.schema_name):
        assert not Item.objects.filter(barcode="N-1").exists()
        assert Item.objects.get(pk=catalog.item.pk).price == price
    # As text, the same price is taken, cents and all.
    taken = callers["librarian"].patch(
        f"/api/v1/items/{catalog.item.pk}/", {"price": "13.70"}, format="json"
    )
    assert taken.status_code == 200, taken.content
    assert taken.json()["price"] == "13.70"


@pytest.mark.parametrize(
    ("caller", "method", "path", "body", "field", "whole"),
    [
        ("librarian", "post", "/api/v1/records/", '{"title": "T", "publication_year": 1999.0}',
         "publication_year", "1999"),
        ("librarian", "post", "/api/v1/records/", '{"title": "T", "publication_year": 1e3}',
         "publication_year", "1000"),
        ("librarian", "patch", "/api/v1/records/{record}/", '{"publication_year": 2.001e3}',
         "publication_year", "2001"),
        ("librarian", "post", "/api/v1/items/", '{"record": 1.0, "barcode": "N-1"}',
         "record", "1"),
        ("librarian", "patch", "/api/v1/items/{item}/", '{"location": {"id": 1.0}}',
         "location", "1"),
        ("admin", "post", "/api/v1/loan-rules/", '{"patron_category": "x", "loan_days": 21.0}',
         "loan_days", "21"),
        ("admin", "put", "/api/v1/circulation-settings/",
         '{"anonymize_after_days": 0, "hold_shelf_days": 7e0, "due_soon_days": 2}',
         "hold_shelf_days", "7"),
        ("admin", "post", "/api/v1/labels/",
         '{"layout": "custom", "barcodes": ["B-1"], "grid": {"columns": 3.0, "rows": 10, '
         '"page_width_mm": 215.9, "page_height_mm": 279.4, "label_width_mm": 66.7, '
         '"label_height_mm": 25.4, "top_mm": 12.7, "left_mm": 4.8}}',
         "grid.columns", "3"),
    ],
)  # fmt: skip
def test_a_whole_number_sent_with_a_point_or_an_exponent_is_refused(
    callers, catalog, library, caller, method, path, body, field, whole
):
    before = _state(library.schema_name)
    with schema_context(library.schema_name):
        rules = LoanRule.objects.count()
    url = path.format(item=catalog.item.pk, record=catalog.record.pk)
    response = getattr(callers[caller], method)(
        url, body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert list(errors) == [field], errors
    assert errors[field][0].startswith(
        f"This field must be a whole number written without a decimal point or an exponent: "
        f"{whole}, not "
    )
    assert _state(library.schema_name) == before
    with schema_context(library.schema_name):
        assert LoanRule.objects.count() == rules
        assert not Record.objects.filter(title="T").exists()


def _number_fields(serializer, path=()):
    """(path, field) of every integer and decimal field a body takes, nested ones included."""
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        child = getattr(field, "child", None)
        if isinstance(field, serializers.Serializer):
            yield from _number_fields(field, (*path, name))
        elif isinstance(child, serializers.Serializer):
            yield from _number_fields(child, (*path, name, 0))
        elif isinstance(field, serializers.IntegerField | serializers.DecimalField):
            yield (*path, name), field


def _body_with(path, value):
    body = value
    for step in reversed(path):
        body = [body] if step == 0 else {step: body}
    return body


def test_every_integer_and_decimal_field_of_every_body_refuses_the_wrong_number(monkeypatch):
    bodies = _request_serializers("config.urls_library", monkeypatch)
    bodies += _request_serializers("config.urls_platform", monkeypatch)
    checked = set()
    for body in bodies:
        instance = body() if isinstance(body, type) else body
        for path, field in _number_fields(instance):
            decimal = isinstance(field, serializers.DecimalField)
            given = 12.5 if decimal else 1999.0
            serializer = type(instance)(data=_body_with(path, given), partial=True)
            assert not serializer.is_valid()
            errors = serializer.errors
            for step in path:
                errors = errors[step]
            expected = PRICE_AS_TEXT if decimal else "This field must be a whole number"
            assert str(errors[0]).startswith(expected), (type(instance).__name__, path, errors)
            checked.add((type(instance).__name__, ".".join(map(str, path))))
    # The fields the API's writes take as numbers, among them the price, the record's year
    # and the labels' grid, nested in the labels' body.
    assert {
        ("ItemInputSerializer", "price"), ("RecordInputSerializer", "publication_year"),
        ("ItemInputSerializer", "location"), ("LabelsSerializer", "grid.columns"),
        ("LoanRuleSerializer", "loan_days"),
    } <= checked  # fmt: skip
