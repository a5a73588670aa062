"""Request bodies: JSON with a nesting limit (no body the API receives can exhaust the stack),
and pictures taken as they came."""

import json
from typing import Any

from django.utils.translation import gettext
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, JSONParser

# Far deeper than any document the API takes (a record's links are two levels down).
MAX_DEPTH = 32


def _depth_exceeds(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return False


def _unreadable(exc: ParseError) -> ParseError:
    """DRF's parse error ("JSON parse error - 'utf-8' codec can't decode byte 0xe9...") said
    as a sentence: what is wrong with the body and where."""
    cause = exc.__context__
    if isinstance(cause, UnicodeDecodeError):
        return ParseError(
            gettext(
                "The request body is not UTF-8 (byte %(position)s): send JSON encoded in UTF-8."
            )
            % {"position": cause.start + 1}
        )
    if isinstance(cause, json.JSONDecodeError):
        return ParseError(
            gettext("The request body is not valid JSON: check line %(line)s, column %(column)s.")
            % {"line": cause.lineno, "column": cause.colno}
        )
    return exc


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except ParseError as exc:
            raise _unreadable(exc) from None
        except RecursionError:
            raise ParseError(
                gettext("JSON nested more than %(depth)s levels deep.") % {"depth": MAX_DEPTH}
            ) from None
        if _depth_exceeds(data, MAX_DEPTH):
            raise ParseError(
                gettext("JSON nested more than %(depth)s levels deep.") % {"depth": MAX_DEPTH}
            )
        return data


class PictureParser(BaseParser):
    """A picture's bytes, as sent with its own media type (the catalog's services check what
    they are)."""

    media_type = "image/*"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        return stream.read() if stream is not None else b""


class OctetStreamParser(PictureParser):
    """The same bytes sent as application/octet-stream, as generated clients send files."""

    media_type = "application/octet-stream"
