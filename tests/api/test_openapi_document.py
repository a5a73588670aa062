"""The OpenAPI document as a library host serves it: valid, and every example fits its schema."""

import importlib
import pkgutil
import re
from typing import Any

import pytest
from drf_spectacular.plumbing import get_doc
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator
from openapi_spec_validator import validate

import api
from staff.models import ApiKey

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def document(api_client) -> dict[str, Any]:
    response = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def _examples(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], Any]]:
    """(where, direction, schema, example value) for every example of every body."""
    found = []
    for path, method, op in _operations(document):
        bodies = [("request", op.get("requestBody", {}))]
        bodies += [("response", r) for r in op["responses"].values()]
        for direction, body in bodies:
            for media_type, content in body.get("content", {}).items():
                for name, example in content.get("examples", {}).items():
                    where = f"{method.upper()} {path} {media_type} {name}"
                    found.append((where, direction, content["schema"], example["value"]))
    return found


def test_document_is_valid_openapi(document):
    validate(document)  # raises with the first error


def test_patched_schemas_carry_no_defaults(document):
    # A generated client sends the defaults of fields the caller left out.
    schemas = document["components"]["schemas"]
    patched = [name for name in schemas if name.startswith("Patched")]
    assert {"PatchedRecordInputRequest", "PatchedItemInputRequest"} <= set(patched)
    for name in patched:
        for field, spec in schemas[name]["properties"].items():
            assert "default" not in str(spec), (name, field)


def test_every_example_matches_its_schema(document):
    examples = _examples(document)
    assert len(examples) > 60
    wrong = []
    for where, direction, schema, value in examples:
        # Local references resolve against the document itself.
        root = {**schema, "components": document["components"]}
        validator_class = OAS30WriteValidator if direction == "request" else OAS30ReadValidator
        errors = list(validator_class(root).iter_errors(value))
        if errors:
            wrong.append(f"{where}: {errors[0].message[:200]}")
    assert wrong == []


def _validates(document: dict[str, Any], component: str, value: Any) -> bool:
    root = {"$ref": f"#/components/schemas/{component}", "components": document["components"]}
    return OAS30ReadValidator(root).is_valid(value)


@pytest.mark.parametrize(
    ("role", "shape"),
    [
        ("anonymous", "ItemPublic"),
        ("read_key", "ItemPublic"),
        ("viewer", "ItemStaff"),
        ("write_key", "ItemStaff"),
    ],
)
def test_items_answer_in_the_shape_of_the_caller(document, callers, catalog, role, shape):
    not_shape = "ItemStaff" if shape == "ItemPublic" else "ItemPublic"
    client = callers[role]
    listed = client.get("/api/v1/items/").json()["results"]
    one = client.get(f"/api/v1/items/{catalog.item.pk}/").json()
    of_record = client.get(f"/api/v1/records/{catalog.record.pk}/items/").json()["results"]
    for item in [*listed, one, *of_record]:
        assert _validates(document, shape, item), (role, item)
        assert not _validates(document, not_shape, item), (role, item)
        assert _validates(document, "ItemAsCallerSees", item)
    staff = document["components"]["schemas"]["ItemStaff"]
    public = document["components"]["schemas"]["ItemPublic"]
    assert {"price", "staff_note"} <= set(staff["required"])
    assert not {"price", "staff_note"} & set(public["properties"])


def test_location_is_declared_where_the_answer_carries_one(document):
    """A 201 or 202 declares Location only when what it made has an address to name."""
    declared = {
        op["operationId"]
        for _, _, op in _operations(document)
        for code, response in op["responses"].items()
        if code in ("201", "202") and "Location" in response.get("headers", {})
    }
    assert {"patrons_create", "loans_create", "holds_create", "imports_create"} <= declared
    assert not {"staff_create", "api_keys_create"} & declared


@pytest.mark.parametrize(
    "operation_id",
    ["records_partial_update", "items_partial_update", "patrons_partial_update",
     "settings_partial_update"],
)  # fmt: skip
def test_writes_that_take_if_match_declare_it(document, operation_id):
    """A generated client can send If-Match only where the document names it: the settings'
    PATCH refuses a stale save with 412 like the catalog's, and must say so."""
    op = next(op for _, _, op in _operations(document) if op["operationId"] == operation_id)
    assert "If-Match" in [p["name"] for p in op.get("parameters", []) if p["in"] == "header"]
    assert "412" in op["responses"]
    assert "ETag" in op["responses"]["200"]["headers"]


def test_uploads_are_declared_as_multipart_only(document):
    """A file cannot travel in JSON or a urlencoded form: an upload that offered those made
    openapi-python-client's imports_create send the file as JSON, which fails."""
    bodies = {
        op["operationId"]: sorted(op["requestBody"]["content"])
        for _, _, op in _operations(document)
        if "requestBody" in op
    }
    assert bodies["imports_create"] == ["multipart/form-data"]
    assert bodies["patron_imports_create"] == ["multipart/form-data"]


def test_the_record_schema_describes_its_cover(document, callers, catalog):
    """The cover in the record JSON is in the document: nullable, as the API's other optional
    objects are (a return's loan), and shaped as the cover PUT answers it."""
    cover = document["components"]["schemas"]["Record"]["properties"]["cover"]
    assert cover["nullable"] is True
    assert cover["allOf"][0]["$ref"].endswith("/RecordCover")
    schemas = document["components"]["schemas"]
    assert schemas["RecordCover"]["properties"] == schemas["Cover"]["properties"]
    assert set(schemas["RecordCover"]["properties"]) == {"thumbnail", "large"}


def _docstrings() -> set[str]:
    """The docstrings of every class of the API's modules, as drf-spectacular would read them."""
    found = set()
    for module_info in pkgutil.iter_modules(api.__path__, "api."):
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if isinstance(value, type) and (doc := get_doc(value)):
                found.add(doc)
    return found


def test_every_component_says_what_it_is_in_an_integrators_words(document):
    docstrings = _docstrings()
    assert "The body of every error response." in docstrings  # ErrorSerializer's, for one
    undescribed, engineers = [], []
    for name, component in document["components"]["schemas"].items():
        if "enum" in component:
            continue  # drf-spectacular lists an enumeration's values
        description = component.get("description", "")
        if not description:
            undescribed.append(name)
        elif description in docstrings or "serializer" in description.lower():
            engineers.append(name)
    assert not undescribed
    assert not engineers


def _properties(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (name, field, spec)
        for name, component in document["components"]["schemas"].items()
        for field, spec in component.get("properties", {}).items()
    ]


def test_every_property_says_what_its_value_means(document):
    # A generated client shows these as its fields' documentation: a new field without words
    # fails here rather than reaching integrators bare.
    properties = _properties(document)
    assert len(properties) > 400
    bare = [f"{name}.{field}" for name, field, spec in properties if not spec.get("description")]
    assert bare == []
    validate(document)


def test_a_request_body_is_named_request_once(document):
    schemas = document["components"]["schemas"]
    assert "TokenRequest" in schemas  # the staff token's request: its serializer's own name
    assert [name for name in schemas if name.endswith("RequestRequest")] == []
    assert {"RecordInputRequest", "PatchedRecordInputRequest", "Token"} <= set(schemas)
    body = document["paths"]["/api/v1/auth/token/"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["$ref"].endswith("/TokenRequest")


def test_the_api_key_scope_lists_every_scope_the_key_may_have(document):
    properties = document["components"]["schemas"]["ApiKeyCreateRequest"]["properties"]
    said = properties["scope"]["description"]
    for scope in ApiKey.Scope:
        assert f"`{scope}`" in said
    assert "patron scope" in said
    assert "`patrons`" in said


def test_no_choice_is_described_by_its_own_value(document):
    # "`barcode` - barcode" tells a reader nothing the enum did not.
    repeated = re.compile(r"^\* `([^`]*)` - \1$", re.MULTILINE)
    said_twice = [
        where for where, description in _descriptions(document) if repeated.search(description)
    ]
    assert said_twice == []
    schemas = document["components"]["schemas"]
    assert "* `spine` - A spine label" in schemas["LabelsKindEnum"]["description"]
    assert "* `avery5160` - Avery 5160" in schemas["LayoutEnum"]["description"]


def _descriptions(node: Any, where: str = "") -> list[tuple[str, str]]:
    if isinstance(node, list):
        return [d for i, value in enumerate(node) for d in _descriptions(value, f"{where}/{i}")]
    if not isinstance(node, dict):
        return []
    found = [(where, node["description"])] if isinstance(node.get("description"), str) else []
    for key, value in node.items():
        if key not in ("example", "examples"):
            found += _descriptions(value, f"{where}/{key}")
    return found


def test_every_id_in_a_path_is_a_whole_number(document):
    ids = [
        (f"{method.upper()} {path}", parameter["schema"])
        for path, method, op in _operations(document)
        for parameter in op.get("parameters", [])
        if parameter["in"] == "path" and parameter["name"] == "id"
    ]
    assert len(ids) > 50  # records, items, jobs, staff, ...
    assert [where for where, schema in ids if schema.get("type") != "integer"] == []
