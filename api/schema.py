"""OpenAPI generation: every operation documents the one error body and an example of it."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

from api.exceptions import ErrorSerializer, problem

_ERRORS_EVERYWHERE = {
    "400": ("Invalid request", "The request has invalid fields.", "invalid",
            {"publication_year": ["Ensure this value is less than or equal to 2100."]}),
    "401": ("Not authenticated", "Invalid, expired or revoked API key.",
            "authentication_failed", None),
    "403": ("Forbidden", "You do not have permission to change this library's catalog.",
            "permission_denied", None),
    "404": ("Not found", "No such record.", "not_found", None),
    "406": ("Not acceptable", 'Could not satisfy the request Accept header.', "not_acceptable",
            None),
    "429": ("Too many requests", "Request was throttled. Expected available in 12 seconds.",
            "throttled", None),
}  # fmt: skip
_ERRORS_ON_WRITES = {
    "409": ("Conflict", "Items are still kept at this location: move them before deleting it.",
            "location_in_use", None),
    "412": ("Precondition failed", "The record changed since you read it (version 4, you sent "
            "3). Fetch it again and reapply your change.", "precondition_failed", None),
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
        for code, (title, detail, slug, fields) in errors.items():
            if code in responses:
                continue
            response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
            example = problem(int(code), title, detail, slug, fields)
            for content in response.get("content", {}).values():
                content["examples"] = {slug: {"value": example, "summary": title}}
            response["description"] = title
            responses[code] = response
        return responses


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`, a key issued with `manage.py create_api_key`.",
        }


class StaffTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.StaffTokenAuthentication"
    name = "StaffToken"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A staff token from POST /api/v1/auth/token/.",
        }
