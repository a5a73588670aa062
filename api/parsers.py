"""Request bodies: JSON with a nesting limit (no body the API receives can exhaust the stack)
and each key once, and pictures taken as they came."""

import codecs
import json
from typing import Any

from django.utils.translation import gettext
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import (  # type: ignore[attr-defined]  # not in its stubs
    BaseParser,
    JSONParser,
    get_encoding,
)

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


class _Repeating(dict[str, Any]):
    """An object that gave some of its keys more than once: JSON readers keep one of the
    values (Python's the last), so the others would be lost without a word."""

    repeated: list[str]


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) == len(pairs):
        return found
    seen: set[str] = set()
    repeating = _Repeating(found)
    repeating.repeated = []
    for key, _value in pairs:
        if key in seen and key not in repeating.repeated:
            repeating.repeated.append(key)
        seen.add(key)
    return repeating


def _repeated_keys(value: Any) -> list[str]:
    """Where the document repeats a key, as the error body names fields: `title`,
    `contributors.0.name`."""
    found: list[str] = []
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, dict):
            if isinstance(item, _Repeating):
                found.extend(f"{path}.{key}" if path else key for key in item.repeated)
            stack.extend((v, f"{path}.{k}" if path else k) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, f"{path}.{i}" if path else str(i)) for i, v in enumerate(item))
    return sorted(found)


class _NotJsonNumber(ValueError):
    """NaN, Infinity or -Infinity: Python's reader takes them, JSON has no such numbers."""

    def __init__(self, constant: str) -> None:
        super().__init__(constant)
        self.constant = constant


def _constant_refused(constant: str) -> Any:
    raise _NotJsonNumber(constant)


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
    if isinstance(cause, _NotJsonNumber):
        return ParseError(
            gettext(
                "The request body is not valid JSON: %(constant)s is not a JSON number; send a "
                "number, or null."
            )
            % {"constant": cause.constant}
        )
    if isinstance(cause, json.JSONDecodeError):
        return ParseError(
            gettext("The request body is not valid JSON: check line %(line)s, column %(column)s.")
            % {"line": cause.lineno, "column": cause.colno}
        )
    return exc


class JsonFraction(float):
    """A JSON number written with a fraction or an exponent, as a float that keeps how it was
    written (`1e3`, `1999.0`), so that a refusal quotes what was sent, not Python's 1000.0."""

    text: str

    def __new__(cls, text: str) -> "JsonFraction":
        number = super().__new__(cls, text)
        number.text = text
        return number


def _json_read(stream: Any, parser_context: Any, strict: bool) -> tuple[Any, bool]:
    """DRF's JSONParser.parse, keeping the keys an object repeats; and whether any did (the
    document is walked for their paths only then)."""
    repeats: list[_Repeating] = []

    def pairs_read(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        found = _object(pairs)
        if isinstance(found, _Repeating):
            repeats.append(found)
        return found

    try:
        decoded = codecs.getreader(get_encoding(parser_context or {}))(stream)
        parse_constant = _constant_refused if strict else None
        data = json.load(
            decoded,
            parse_constant=parse_constant,
            parse_float=JsonFraction,
            object_pairs_hook=pairs_read,
        )
    except ValueError as exc:
        raise ParseError(f"JSON parse error - {exc}") from exc
    return data, bool(repeats)


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data, repeats = _json_read(stream, parser_context, self.strict)
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
        repeated = _repeated_keys(data) if repeats else []
        if repeated:
            message = gettext(
                "This key is given more than once in the same object: give it once, with the "
                "value you mean."
            )
            raise ValidationError({path: [message] for path in repeated}, code="invalid")
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
