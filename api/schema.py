"""OpenAPI generation: every operation documents the errors it can give, with an example."""

import copy
import re
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import deep_import_string
from drf_spectacular.settings import spectacular_settings

from api.exceptions import PROBLEM_JSON, ErrorSerializer, problem
from api.permissions import CatalogAccess
from api.schema_descriptions import components_describe

_ERRORS_EVERYWHERE = {
    "400": ("Invalid request", "Check \u201cpublication_year\u201d: Ensure this value is less "
            "than or equal to 2100.", "invalid",
            {"publication_year": ["Ensure this value is less than or equal to 2100."]}),
    "401": ("Not authenticated", "Invalid, expired or revoked API key.",
            "authentication_failed", None),
    "403": ("Forbidden", "You do not have permission to change this library's catalog: that "
            "needs a librarian's or an administrator's account, or an API key with the write "
            "scope.", "permission_denied", None),
    "404": ("Not found", "No such record.", "not_found", None),
    "406": ("Not acceptable", 'Could not satisfy the request Accept header.', "not_acceptable",
            None),
    "429": ("Too many requests", "Too many requests: retry in 12 seconds.",
            "throttled", None),
}  # fmt: skip
# An action that takes no body reads none, or an empty object; any field sent to it is refused.
_UNKNOWN_FIELD = "Unknown field; this operation takes: none."
_BODY_REFUSED = ("Invalid request", f"Check \u201cforce\u201d: {_UNKNOWN_FIELD}", "invalid",
                 {"force": [_UNKNOWN_FIELD]})  # fmt: skip
_ERRORS_ON_WRITES = {
    "412": ("Precondition failed", "The record changed since you read it (version 4, you sent "
            "3). Fetch it again and reapply your change.", "precondition_failed", None),
    "413": ("Request too large", "The request body is 3145728 bytes; this API takes at most "
            "2621440.", "too_large", None),
    "415": ("Unsupported media type", 'Unsupported media type "text/plain" in request.',
            "unsupported_media_type", None),
}  # fmt: skip


class CatalogAutoSchema(AutoSchema):
    """drf-spectacular's schema with the error responses every operation can give."""

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:  # type: ignore[override]
        responses = super()._get_response_bodies(direction)  # type: ignore[arg-type]
        if direction != "response":
            return responses
        errors = dict(_ERRORS_EVERYWHERE)
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            errors.update(_ERRORS_ON_WRITES)
        if self.method == "POST" and self.get_request_serializer() is None:
            errors["400"] = _BODY_REFUSED
        conflict = CONFLICTS.get(self.get_operation_id())
        if (
            conflict is None
            and self.method != "GET"
            and type(self.view).__module__ in (CONFLICTING_MODULES)
        ):
            conflict = _LENDING_CONFLICT
        if conflict is not None:
            errors["409"] = ("Conflict", conflict[1], conflict[0], None)
        for code, (title, detail, slug, fields) in errors.items():
            if code in responses:
                continue
            response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
            example = problem(int(code), title, detail, slug, fields)
            for content in response.get("content", {}).values():
                content["examples"] = {slug: {"value": example, "summary": title}}
            response["description"] = title
            responses[code] = response
        for slug, detail, extra in _MORE_CONFLICTS.get(self.get_operation_id(), ()):
            # A lending refusal names the copy's field; an import's commit takes no fields.
            fields = {"item_barcode": [detail]} if "renew" in extra else None
            example = problem(409, "Conflict", detail, slug, fields) | extra
            for content in responses["409"].get("content", {}).values():
                content["examples"][slug] = {"value": example, "summary": "Conflict"}
        return responses

    def _get_serializer_name(  # type: ignore[no-untyped-def]
        self, serializer, direction: str, bypass_extensions: bool = False
    ) -> str:
        name: str = super()._get_serializer_name(serializer, direction, bypass_extensions)
        # COMPONENT_SPLIT_REQUEST adds `Request` to a request body's name: a serializer already
        # named for a request (TokenRequest, SignupRequest) keeps the one it has.
        return name.removesuffix("Request") if name.endswith("RequestRequest") else name

    def get_auth(self) -> list[dict[str, list[str]]]:
        """Reads of the catalog are open to anonymous callers when the library's public
        catalog is on (its settings): `{}` says a request without credentials may succeed."""
        auths = super().get_auth()
        permissions = self.view.get_permissions()
        if self.method == "GET" and any(isinstance(p, CatalogAccess) for p in permissions):
            auths = [*auths, {}] if {} not in auths else auths
        return auths


# Operations that answer 409 when the object is in a state that forbids the change.
CONFLICTS = {
    "locations_destroy": ("location_in_use",
                          "Items are still kept at this location: move them before deleting it."),
    "items_destroy": ("item_has_loans",
                      "Item 31234000123456 cannot be deleted: 1 copy has been lent "
                      "(31234000123456): mark it withdrawn rather than deleting it, since a copy "
                      "that has been lent keeps its loans for the library's statistics."),
    "records_destroy": ("item_has_loans",
                        "This record cannot be deleted with its copies: 1 copy is on loan "
                        "(31234000123456): check it in, then mark it withdrawn rather than "
                        "deleting it, since a copy that has been lent keeps its loans for the "
                        "library's statistics."),
    "domains_create": ("conflict", "This domain is already in use."),
    "domains_destroy": ("conflict", "The primary domain cannot be removed."),
    "imports_commit_create": ("conflict",
                              "Only a staged import can be committed; this one is running."),
    "patron_imports_commit_create": ("not_staged", "Only a staged import can be committed "
                                     "(this one: Committed)."),
    "imports_cancel_create": ("conflict", "An import that is done cannot be cancelled."),
    "imports_revert_create": ("conflict",
                              "Only a committed import can be reverted; this one is staged."),
    "exports_download_retrieve": ("conflict",
                                  "The export is running; download it once it is done."),
    "staff_resend_create": ("invitation_accepted", "ann@example.org has already joined."),
    "staff_revoke_create": ("invitation_accepted", "ann@example.org has already joined; "
                            "deactivate the account instead."),
}  # fmt: skip
# Lending's writes meet the state of items, loans and holds (on loan, already held, ...).
CONFLICTING_MODULES = {"api.circulation"}
_LENDING_CONFLICT = ("item_on_loan", "Item 31234000123456 is already on loan.")
# Operations whose 409 has more than one code, each with its example beside the first.
_MORE_CONFLICTS: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
    "loans_create": [
        ("item_lent_to_patron", "Item 31234000123456 is already lent to this patron, due "
         "12/5/2026: renew the loan instead.",
         {"renew": "https://springfield.stacks.example/api/v1/loans/renew/"}),
    ],
    "imports_commit_create": [
        ("catalog_changed_since_preview", "Records 11, 12 changed after this import was "
         "previewed, and the file matches them or gives their identifiers, so what the preview "
         "decided may no longer hold (it could add records twice or undo the changes). Nothing "
         "was imported: make the preview again from the same file, check it, and commit it "
         "then.",
         {"records": [
             {"id": 11, "title": "Dune",
              "url": "https://springfield.stacks.example/api/v1/records/11/"},
             {"id": 12, "title": None, "url": None},
         ]}),
    ],
    "patron_imports_commit_create": [
        ("patrons_changed_since_preview", "The patron with card \u201cP2001\u201d was added or "
         "changed after this file was previewed, so what the preview decided may no longer "
         "hold (the import would undo the change). Nothing was imported: upload the file again "
         "for a new preview, check it, and import it then.",
         {"barcodes": ["P2001"]}),
    ],
}  # fmt: skip
# Operations whose answer carries the object's ETag (send it back in If-Match).
_WITH_ETAG = {
    "records_retrieve", "records_create", "records_update", "records_partial_update",
    "items_retrieve", "items_create", "items_update", "items_partial_update",
    "items_by_barcode_retrieve", "records_cover_update", "patrons_retrieve",
    "patrons_partial_update", "settings_retrieve", "settings_partial_update",
}  # fmt: skip
# Creations whose object has no address of its own to name in a Location header (staff and
# API keys are acted on by their list's id, through actions such as revoke).
_WITHOUT_LOCATION = {"staff_create", "api_keys_create"}
_HEADER_ETAG = {
    "description": 'The object\'s version, e.g. "v3": send it as If-Match to write it.',
    "schema": {"type": "string"},
}
_HEADER_ETAG_BODY = {
    "description": "The answer's ETag: send it as If-None-Match to be told 304 if unchanged.",
    "schema": {"type": "string"},
}
_HEADER_LOCATION = {
    "description": "The address of what the request made or queued.",
    "schema": {"type": "string", "format": "uri"},
}
_IF_NONE_MATCH = {
    "in": "header",
    "name": "If-None-Match",
    "required": False,
    "description": "An ETag you hold: 304 (no body) if it is still current.",
    "schema": {"type": "string"},
}
_HEADERS_RATE_LIMIT = {
    "RateLimit-Limit": {
        "description": "Requests allowed in the period (the caller's or the address's bucket, "
        "whichever is closer to refusing).",
        "schema": {"type": "integer"},
    },
    "RateLimit-Remaining": {
        "description": "Requests left in the period.",
        "schema": {"type": "integer"},
    },
    "RateLimit-Reset": {
        "description": "Seconds until the oldest request counted leaves the period.",
        "schema": {"type": "integer"},
    },
}
_IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": "A key of yours (a UUID) for this request: sent again with the same body "
    "within 24 hours, the first answer is repeated and the write is done once.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}
_IDEMPOTENCY_ERRORS = {
    "409": ("Conflict", "A request with this Idempotency-Key is still being carried out; try "
            "again in a moment.", "idempotency_in_progress"),
    "422": ("Unprocessable request", "This Idempotency-Key was used with another request "
            "body: use a new key for a new request.", "idempotency_key_reused"),
}  # fmt: skip


def _problem_like(
    template: dict[str, Any], code: str, title: str, detail: str, slug: str
) -> dict[str, Any]:
    """Another error response in the shape of `template` (an error response of the same op)."""
    response = copy.deepcopy(template)
    for content in response.get("content", {}).values():
        content["examples"] = {
            slug: {"value": problem(int(code), title, detail, slug), "summary": title}
        }
    response["description"] = title
    return response


_HEADER_RETRY_AFTER = {
    "description": "Seconds to wait before trying again.",
    "schema": {"type": "integer"},
}


def _defaults_dropped(spec: Any) -> Any:
    if isinstance(spec, dict):
        return {k: _defaults_dropped(v) for k, v in spec.items() if k != "default"}
    if isinstance(spec, list):
        return [_defaults_dropped(v) for v in spec]
    return spec


def _default_hoisted(spec: dict[str, Any]) -> dict[str, Any]:
    """A default inside one branch of a oneOf (a blank-or-pattern string) belongs to the whole
    property: there it is checked against every branch, not the one it fails."""
    for branch in spec.get("oneOf", []):
        if "default" in branch:
            spec = {**spec, "default": branch["default"]}
            spec["oneOf"] = [{k: v for k, v in b.items() if k != "default"} for b in spec["oneOf"]]
    return spec


def _default_in_enum(spec: dict[str, Any]) -> dict[str, Any]:
    """A default must be valid: one of its enum's values, as long as its minLength (a blank
    default of an optional parameter is "not sent", which the schema says by having none)."""
    default = spec.get("default")
    if ("enum" in spec and "default" in spec and default not in spec["enum"]) or (
        isinstance(default, str) and len(default) < spec.get("minLength", 0)
    ):
        return {k: v for k, v in spec.items() if k != "default"}
    return spec


def _enum_varnames(schemas: dict[str, Any]) -> None:
    """Name the values of a named enum whose values are no words (`,` and `;`) by their
    choices' names, which client generators read as x-enum-varnames (else VALUE_0, VALUE_1)."""
    for name, path in spectacular_settings.ENUM_NAME_OVERRIDES.items():
        component = schemas.get(name)
        if component is None or all(str(v).isidentifier() for v in component.get("enum", [])):
            continue
        choices = deep_import_string(path) if isinstance(path, str) else path
        names = {member.value: member.name for member in choices}
        if all(value in names for value in component["enum"]):
            component["x-enum-varnames"] = [names[value] for value in component["enum"]]


# A line of drf-spectacular's list of choices ("* `barcode` - barcode") whose label is its value.
_CHOICE_SAID_TWICE = re.compile(r"^\* `(?P<value>[^`]*)` - (?P=value)$")


def _choices_said_once(description: str) -> str:
    """A description without the choices whose label only repeats their value (a list of such
    choices says nothing the enum does not)."""
    lines = [line for line in description.split("\n") if not _CHOICE_SAID_TWICE.match(line)]
    return "\n".join(lines).strip()


def _descriptions_pruned(node: Any) -> None:
    if isinstance(node, dict):
        said = node.get("description")
        if isinstance(said, str) and (pruned := _choices_said_once(said)) != said.strip():
            if pruned:
                node["description"] = pruned
            else:
                del node["description"]
        for key, value in node.items():
            if key not in ("example", "examples"):  # values a caller sends, not words
                _descriptions_pruned(value)
    elif isinstance(node, list):
        for value in node:
            _descriptions_pruned(value)


# The ids ID_PATTERN (api/views.py) takes in a path: up to 18 digits, within a bigint.
_PATH_ID = {"type": "integer", "minimum": 0, "maximum": 10**18 - 1}

# The paginator's parameters take no blank value: an empty page size or cursor is a 400.
_BLANK_REFUSED = frozenset({"cursor", "page_size"})


def document_finish(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: what the generator cannot know from one view at a time."""
    schemas = result.get("components", {}).get("schemas", {})
    components_describe(schemas)
    _enum_varnames(schemas)
    _descriptions_pruned(result)
    for component in schemas.values():
        for field, spec in list(component.get("properties", {}).items()):
            component["properties"][field] = _default_in_enum(spec)
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []) if method != "parameters" else []:
                if parameter.get("in") == "path" and parameter["name"] == "id":
                    # Every `{id}` is a row's whole number (ID_PATTERN), whether the view
                    # names its model or only a pattern drf-spectacular can type as a string.
                    parameter["schema"] = dict(_PATH_ID)
                    parameter.setdefault("description", "The object's id.")
                if "schema" in parameter:
                    parameter["schema"] = _default_in_enum(parameter["schema"])
                if (
                    parameter.get("in") == "query"
                    and not parameter.get("required")
                    and parameter["name"] not in _BLANK_REFUSED
                ):
                    # A blank optional parameter (`?language=`) is read as one not sent.
                    parameter["allowEmptyValue"] = True
    for name, component in schemas.items():
        properties = component.get("properties", {})
        for field, spec in list(properties.items()):
            # A PATCH changes only the fields sent: a default would make a generated client
            # send values the caller never chose.
            properties[field] = (
                _defaults_dropped(spec) if name.startswith("Patched") else _default_hoisted(spec)
            )
    # The public shape admits no more fields, so a staff item is never taken for a public one.
    if "ItemPublic" in schemas:
        schemas["ItemPublic"]["additionalProperties"] = False
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation["responses"]
            headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
            if "If-Match" not in headers:
                responses.pop("412", None)
            if operation["operationId"] in _WITH_ETAG:
                success = next(code for code in responses if code.startswith("2"))
                responses[success].setdefault("headers", {})["ETag"] = copy.deepcopy(_HEADER_ETAG)
            for code, response in responses.items():
                # Errors are problem details (RFC 9457), served as such.
                content = response.get("content", {})
                if code >= "400" and "application/json" in content:
                    # Only: an operation with other formats still answers errors this way.
                    response["content"] = {PROBLEM_JSON: content["application/json"]}
                elif code >= "400" and content:
                    # An operation of one other format (a record as MARCXML): its errors are
                    # problems all the same, not its format.
                    response["content"] = {PROBLEM_JSON: next(iter(content.values()))}
            success = next((code for code in responses if code.startswith("2")), None)
            if success in ("201", "202") and operation["operationId"] not in _WITHOUT_LOCATION:
                responses[success].setdefault("headers", {})["Location"] = copy.deepcopy(
                    _HEADER_LOCATION
                )
            if method == "get" and success == "200":
                # Lists get an ETag from their body, objects their version (api/http.py).
                responses[success].setdefault("headers", {}).setdefault(
                    "ETag", copy.deepcopy(_HEADER_ETAG_BODY)
                )
                operation.setdefault("parameters", []).append(copy.deepcopy(_IF_NONE_MATCH))
                responses["304"] = {
                    "description": "Not modified: the ETag sent in If-None-Match is current.",
                    "headers": {"ETag": copy.deepcopy(_HEADER_ETAG_BODY)},
                }
            for code, response in responses.items():
                if code != "304":
                    response.setdefault("headers", {}).update(copy.deepcopy(_HEADERS_RATE_LIMIT))
            if method == "post":
                operation.setdefault("parameters", []).append(copy.deepcopy(_IDEMPOTENCY_KEY))
                for code, (title, detail, slug) in _IDEMPOTENCY_ERRORS.items():
                    if code not in responses:
                        responses[code] = _problem_like(responses["404"], code, title, detail, slug)
            if "429" in responses:
                responses["429"].setdefault("headers", {})["Retry-After"] = copy.deepcopy(
                    _HEADER_RETRY_AFTER
                )
    return result


class _FixedScheme(OpenApiAuthenticationExtension):
    """A credential's security scheme, the same for every operation (no target: matches none)."""

    definition: dict[str, Any]

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return self.definition


class ApiKeyScheme(_FixedScheme):
    target_class = "api.authentication.ApiKeyAuthentication"
    name = "ApiKey"
    definition = {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "`Api-Key <key>`, a key issued with `manage.py create_api_key`.",
    }


class StaffTokenScheme(_FixedScheme):
    target_class = "api.authentication.StaffTokenAuthentication"
    name = "StaffToken"
    definition = {
        "type": "http",
        "scheme": "bearer",
        "description": "A staff token from POST /api/v1/auth/token/.",
    }


class UnknownSchemeRefusal(OpenApiAuthenticationExtension):
    """Refuses an Authorization header no other class takes: no credential, so no scheme."""

    target_class = "api.authentication.UnknownSchemeAuthentication"
    name: list[str] = []

    def get_security_requirement(self, auto_schema: AutoSchema) -> list[dict[str, list[Any]]]:
        return []

    def get_security_definition(self, auto_schema: AutoSchema) -> list[dict[str, Any]]:
        return []
