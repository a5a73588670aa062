"""The API's JSON renderer (DRF's output, written by orjson) and its content negotiation."""

from collections.abc import Mapping
from typing import Any

import orjson
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.utils.encoders import JSONEncoder

from common.problems import PROBLEM_JSON

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z
_drf_default = JSONEncoder().default


class OrjsonRenderer(JSONRenderer):
    """The same bytes as DRF's compact JSON (UTF-8, datetimes in ISO 8601 with UTC as Z,
    U+2028 and U+2029 escaped; a float in exponent form may read 1e-7 for Python's 1e-07, the
    same number) at a fraction of the cost; what orjson does not know (lazy
    strings, decimals, ...) goes through DRF's encoder. Indented output (`Accept:
    application/json; indent=4`) and whatever orjson refuses (integers past 64 bits) are left
    to DRF's renderer."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        if self.get_indent(accepted_media_type or "", renderer_context or {}) is None:
            try:
                body = orjson.dumps(data, default=_drf_default, option=_OPTIONS)
            except orjson.JSONEncodeError:
                pass
            else:
                if b"\xe2\x80\xa8" in body or b"\xe2\x80\xa9" in body:
                    body = body.replace(b"\xe2\x80\xa8", b"\\u2028")
                    body = body.replace(b"\xe2\x80\xa9", b"\\u2029")
                return body
        return super().render(data, accepted_media_type, renderer_context)


class ProblemAwareNegotiation(DefaultContentNegotiation):
    """`Accept: application/problem+json` asks for the API's errors as problems (which they
    always are); it is no reason for a 406, so JSON is acceptable with it."""

    def get_accept_list(self, request: Request) -> list[str]:
        accepts = super().get_accept_list(request)
        if any(accept.split(";")[0].strip() == PROBLEM_JSON for accept in accepts):
            accepts = [*accepts, "application/json"]
        return accepts


class _RecordFormatRenderer(OrjsonRenderer):
    """A format of one record: the view hands over the bytes (or, for a JSON format, the
    object); errors are still problems in JSON."""

    def render(self, data: Any, *args: Any, **kwargs: Any) -> bytes:
        return data if isinstance(data, bytes) else super().render(data, *args, **kwargs)

    def get_indent(
        self, accepted_media_type: str, renderer_context: Mapping[str, Any]
    ) -> int | None:
        # An error's JSON is indented only as the view's context asks: the record's media type
        # takes no indent parameter.
        return super().get_indent("", renderer_context)


class MarcXmlRenderer(_RecordFormatRenderer):
    media_type = "application/marcxml+xml"
    format = "marcxml"
    charset = "utf-8"


class MarcRenderer(_RecordFormatRenderer):
    media_type = "application/marc"
    format = "marc"
    charset = None


class MarcJsonRenderer(_RecordFormatRenderer):
    media_type = "application/marc+json"
    format = "marcjson"


class JsonLdRenderer(_RecordFormatRenderer):
    media_type = "application/ld+json"
    format = "jsonld"


# The formats one record comes in besides the API's JSON (`Accept`, or `?format=`).
RECORD_FORMAT_RENDERERS: tuple[type[_RecordFormatRenderer], ...] = (
    MarcXmlRenderer, MarcRenderer, MarcJsonRenderer, JsonLdRenderer,
)  # fmt: skip
