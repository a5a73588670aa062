"""Strict input: each API operation declares the query parameters and body fields it takes;
any other is a 400.

Ignored, a lookup such as `?isbn=` on a list that does not know it would answer the whole
list instead of the one row, and a misspelt field (`sumary`) would answer 200 having changed
nothing, so every API view refuses what it does not read.
"""

import json
import re
import sys
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any, ClassVar, TypeVar

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from api.http import NotAcceptableLast
from api.numbers import query_not_whole_message, query_whole
from api.pagination import StableCursorPagination

# The cursor paginator's parameters (every page of the API is read through it).
PAGE_PARAMS = frozenset({"cursor", "page_size"})
# DRF's format suffix override (`?format=json`), taken everywhere.
ALWAYS = frozenset({"format"})

Accepted = type[serializers.Serializer] | Iterable[str]
_Input = TypeVar("_Input", bound=serializers.BaseSerializer)


def query_unknown(
    request: Request, allowed: Iterable[str], formats: Iterable[str] = ()
) -> dict[str, list[str]]:
    """The query parameters not in `allowed`, each with what the operation takes: `format`
    too, with the formats it answers in (`formats`), as its refusal of another names them."""
    taken = set(allowed) | ALWAYS
    unknown = sorted(set(request.query_params) - taken)
    if not unknown:
        return {}  # and the sentence is not translated for nothing
    names = sorted(taken - ALWAYS)
    if formats:
        names.append("format=" + "|".join(formats))
    takes = ", ".join(names) or _("none")
    message = _("Unknown query parameter; this operation takes: %(takes)s.") % {"takes": takes}
    return {name: [message] for name in unknown}


def _names(accepted: Accepted) -> set[str]:
    if isinstance(accepted, type):
        # The declared fields (class-level): building the serializer's fields costs more.
        return set(accepted._declared_fields)  # type: ignore[attr-defined]
    return set(accepted)


# Sent by the browsable API's HTML forms along with their fields.
_FORM_EXTRAS = frozenset({"csrfmiddlewaretoken"})


@cache
def _returned_names(serializer_class: type[serializers.BaseSerializer]) -> frozenset[str]:
    return frozenset(serializer_class().fields)  # type: ignore[attr-defined]


def _no_body(request: Request) -> bool:
    """Whether the request came with no body: read as DRF reads it (Request._load_stream),
    from its Content-Length, since a body a parser has read can no longer be looked at."""
    meta = request.META
    try:
        return int(meta.get("CONTENT_LENGTH") or meta.get("HTTP_CONTENT_LENGTH") or 0) == 0
    except ValueError:
        return True


def _writable_names(serializer_class: type) -> frozenset[str]:
    """The fields a body may give: built only to name them in a refusal."""
    fields = serializer_class().fields
    return frozenset(name for name, field in fields.items() if not field.read_only)


def _given(data: Any) -> str:
    return json.dumps(data)[:40]


class JsonBooleanField(serializers.BooleanField):
    """true or false as JSON writes them, nothing else: DRF's own reads "yes", "on" or 1 as
    true, and a typo ("flase") would switch a setting on without a word."""

    default_error_messages = {
        **serializers.BooleanField.default_error_messages,
        "null": gettext_lazy("Give true or false (JSON booleans, without quotes), not null."),
    }

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        raise serializers.ValidationError(
            _("Give true or false (JSON booleans, without quotes), not %(given)s.")
            % {"given": _given(data)}
        )


class TextBooleanField(serializers.BooleanField):
    """A boolean from a query string or a multipart form, which carry only text: true, false,
    1 or 0 (or a JSON boolean, when the same operation takes a JSON body); anything else,
    "yes" or a typo, is refused rather than read as one or the other."""

    _READ = {"true": True, "1": True, "false": False, "0": False}

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        if isinstance(data, str) and data.strip().lower() in self._READ:
            return self._READ[data.strip().lower()]
        raise serializers.ValidationError(
            _("Give true or false (or 1 or 0), not %(given)s.") % {"given": _given(data)}
        )


def _json_kind(data: Any) -> str:
    """What a JSON value is, in the words of JSON rather than Python's."""
    if data is None:
        return _("null")
    if isinstance(data, bool):
        return _("true or false")
    if isinstance(data, int | float):
        return _("a number")
    if isinstance(data, str):
        return _("a string")
    if isinstance(data, list | tuple):
        return _("an array")
    if isinstance(data, Mapping):
        return _("an object")
    return _("something else")


def _not_text_message(given: Any) -> str:
    return _("This field must be text (a JSON string in quotes), not %(given)s.") % {
        "given": _json_kind(given)
    }


def _not_object_message(given: Any) -> str:
    return _("Give an object of fields in braces ({…}) here, not %(given)s.") % {
        "given": _json_kind(given)
    }


def _takes_list(field: serializers.Field) -> bool:
    """A field whose value is a JSON array: DRF refuses anything else in Python's words
    ("Expected a list of items but got type "str"")."""
    return isinstance(
        field,
        serializers.ListField
        | serializers.ListSerializer
        | serializers.MultipleChoiceField
        | serializers.ManyRelatedField,
    )


def _takes_number(field: serializers.Field) -> bool:
    """A field the document types as a JSON number: DRF takes "1999" for 1999, where a text
    field refuses 1999. A decimal field is left out: the API writes it as text ("9.99"), to
    keep its cents exact, and takes it back so."""
    return isinstance(field, serializers.IntegerField | serializers.FloatField)


# DRF's words for a number field given something else; a field of ours has better ones.
_DRF_NOT_A_NUMBER = (
    serializers.IntegerField.default_error_messages["invalid"],
    serializers.FloatField.default_error_messages["invalid"],
)


def _not_number_message(field: serializers.Field) -> str:
    """What a number field given text says: its own words when it has them (a location's id,
    given a location's code, is told where ids are listed)."""
    own = field.error_messages["invalid"]
    if own in _DRF_NOT_A_NUMBER:
        return _("This field must be a number, not text (in quotes).")
    return str(own)


def not_whole_message(given: float) -> str:
    """What an integer field given a JSON number with a fraction or an exponent says: DRF
    takes 1999.0 and 1e3 for 1999 and 1000, which the document does not type as integers."""
    # As the body wrote it (api.parsers.JsonFraction), not as Python prints it (1000.0).
    sent = getattr(given, "text", repr(given))
    if given.is_integer():
        return _(
            "This field must be a whole number written without a decimal point or an "
            "exponent: %(whole)s, not %(given)s."
        ) % {"whole": int(given), "given": sent}
    return _("This field must be a whole number, not %(given)s.") % {"given": sent}


def _takes_decimal_text(field: serializers.Field) -> bool:
    """A decimal the API writes as text (a price, "9.99"): a JSON number for it may already
    have lost its cents (0.1 + 0.2), and the document types it as text, so it is taken as
    text only."""
    return isinstance(field, serializers.DecimalField) and bool(
        getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
    )


def _decimal(text: str) -> bool:
    """Whether text reads as a decimal the API takes: digits, with a full stop before the
    cents (DRF reads it so, and answers anything else with "A valid number is required.")."""
    return re.fullmatch(r"\s*[-+]?(\d+(\.\d*)?|\.\d+)\s*", text) is not None


def _takes_text(field: serializers.Field) -> bool:
    """A field whose every value is text: DRF's text fields, and a choice among texts (which
    DRF would take 1 for, when "1" is one of them)."""
    if isinstance(field, serializers.CharField):
        return True
    return (
        isinstance(field, serializers.ChoiceField)
        and not isinstance(field, serializers.MultipleChoiceField)
        and all(isinstance(key, str) for key in field.choices)
    )


class StrictInputSerializer(serializers.Serializer):
    """A request body's serializer that refuses the fields it does not know, naming each, text
    given anything but text (a number, true, an object) and numbers given as text, as its
    boolean fields do.

    The fields of the object the API answers with (`returned_as`: a serializer class, or the
    name of one in the same module) are not unknown: a client that reads an object, edits it
    and sends it all back passes its `id`, `version` and timestamps along, and those are
    ignored as read-only fields always were. Nested input serializers check their own
    objects, so `contributors.0.nmae` is named too."""

    returned_as: ClassVar[type[serializers.BaseSerializer] | str | None] = None

    def _tolerated(self) -> frozenset[str]:
        returned = type(self).returned_as
        if returned is None:
            return _FORM_EXTRAS
        if isinstance(returned, str):
            returned = getattr(sys.modules[type(self).__module__], returned)
        return _FORM_EXTRAS | _returned_names(returned)  # type: ignore[arg-type]

    def _unknown(self, data: Mapping[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(data) - set(self.fields) - self._tolerated())
        if not unknown:
            return {}
        takes = ", ".join(sorted(_writable_names(type(self)))) or _("none")
        message = _("Unknown field; this operation takes: %(takes)s.") % {"takes": takes}
        return {name: [message] for name in unknown}

    def _missing(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The required fields a nested object lacks under a partial write (a PATCH): DRF lets
        every field of the body be left out then, nested ones too, but an object in a list
        the write replaces (`identifiers: [{"kind": "isbn"}]`) is a whole new object."""
        if self.parent is None or not getattr(self.root, "partial", False):
            return {}
        return {
            name: [field.error_messages["required"]]
            for name, field in self.fields.items()
            if field.required and not field.read_only and name not in data
        }

    def _not_text(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The text fields given something else, and the number fields given text: DRF's
        CharField takes a number as its digits (`{"title": 123}` would store "123") and its
        IntegerField digits as a number, where a boolean field takes only a boolean."""
        errors: dict[str, Any] = {}
        # A multipart form carries only text: its numbers cannot be anything else.
        form = isinstance(data, QueryDict)
        for name, field in self.fields.items():
            given = data.get(name)
            if field.read_only or given is None:
                continue
            if _takes_text(field) and not isinstance(given, str):
                errors[name] = [_not_text_message(given)]
            elif _takes_number(field) and isinstance(given, str) and not form:
                errors[name] = [_not_number_message(field)]
            elif (
                _takes_decimal_text(field)
                and isinstance(given, int | float)
                and not isinstance(given, bool)
            ):
                errors[name] = [
                    _('Send this as text, for example "12.50", not as a number: a JSON number '
                      "may not keep its cents exactly.")
                ]  # fmt: skip
            elif (
                _takes_decimal_text(field)
                and isinstance(given, str)
                and given.strip()
                and not _decimal(given)
            ):
                errors[name] = [
                    _('Write this as digits with a full stop before the cents, without a '
                      'currency sign or spaces, for example "12.50"; not %(given)s.')
                    % {"given": json.dumps(given, ensure_ascii=False)[:40]}
                ]  # fmt: skip
            elif isinstance(field, serializers.IntegerField) and isinstance(given, float):
                errors[name] = [not_whole_message(given)]
            elif _takes_list(field) and not isinstance(given, list):
                errors[name] = [
                    _("Give a list (a JSON array in brackets, [...]) here, not %(given)s.")
                    % {"given": _json_kind(given)}
                ]
            elif (
                isinstance(field, serializers.ListField)
                and isinstance(field.child, serializers.CharField)
                and isinstance(given, list)
            ):
                wrong = {i: [_not_text_message(v)] for i, v in enumerate(given)
                         if v is not None and not isinstance(v, str)}  # fmt: skip
                if wrong:
                    errors[name] = wrong
        return errors

    def run_validation(self, data: Any = serializers.empty) -> Any:
        if data is None and self.parent is None:
            # A body of `null`: DRF's words are "No data provided", which says nothing of JSON.
            raise ValidationError({"non_field_errors": [_not_object_message(data)]}, code="null")
        return super().run_validation(data)

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, Mapping):
            # DRF's own words name Python's types ("Expected a dictionary, but got list").
            message = _not_object_message(data)
            raise ValidationError({"non_field_errors": [message]}, code="invalid")
        errors: dict[str, Any] = {
            **self._missing(data),
            **self._not_text(data),
            **self._unknown(data),
        }
        if not errors:
            return super().to_internal_value(data)
        try:
            super().to_internal_value(data)
        except ValidationError as exc:
            if isinstance(exc.detail, dict):
                errors = {**exc.detail, **errors}
        raise ValidationError(errors)


class NoFields(StrictInputSerializer):
    """The body of an operation that takes no fields (an empty object, if any)."""


class ChoiceField(serializers.ChoiceField):
    """A choice whose refusal lists the choices, as an unknown field's names the fields: a
    caller who sent `xls` learns `csv` is taken without reading the schema."""

    def fail(self, key: str, **kwargs: Any) -> Any:
        if key != "invalid_choice":
            return super().fail(key, **kwargs)
        names = [name for name in self.choice_strings_to_values if name]
        if any(mark in name for name in names for mark in ",; "):
            # Punctuation as a choice (a CSV separator) is read only between quotes.
            names = [f'"{name}"' for name in names]
        choices = ", ".join(names)
        message = _('"%(input)s" is not a valid choice; use one of: %(choices)s.') % {
            "input": kwargs.get("input", ""),
            "choices": choices,
        }
        raise ValidationError(message, code=key)


def _not_whole_params(params: serializers.Serializer, query: QueryDict) -> dict[str, Any]:
    """The integer parameters given anything but digits: DRF reads ?year_from=1999.0 as 1999,
    where the page size refuses 20.0; both now refuse it (api.numbers)."""
    refused: dict[str, Any] = {}
    for name, field in params.fields.items():
        given = str(query.get(str(name)) or "")
        if isinstance(field, serializers.IntegerField) and given and query_whole(given) is None:
            refused[str(name)] = [query_not_whole_message(given)]
    return refused


class StrictQueryParams:
    """Declares the query parameters of each operation: `query_params` maps an action (on a
    viewset) or a method (`get`, on a plain view) to a parameter serializer or to names;
    operations not named take none, and those in `paged_actions` take the paginator's too.
    `query()` and `body()` read the parameters and the body, a 400 when they are invalid."""

    query_params: dict[str, Accepted] = {}
    paged_actions: tuple[str, ...] = ("list",)

    def _operation(self, request: Request) -> str:
        return getattr(self, "action", None) or (request.method or "").lower()

    _params: serializers.Serializer | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """Read every query parameter before the operation runs, and refuse in one 400 all
        that are wrong: unknown, invalid for the operation's serializer, or a page size or
        cursor the paginator cannot read (a caller fixing one learns of the others too)."""
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        operation = self._operation(request)
        declared = self.query_params.get(operation, ())
        allowed = _names(declared)
        paginator = getattr(self, "paginator", None)
        paged = operation in self.paged_actions and (operation != "list" or paginator is not None)
        if paged:
            allowed |= PAGE_PARAMS
        # What ?format= can name here (the browsable API's pages aside).
        formats = [str(r.format) for r in self.get_renderers() if r.format != "api"]  # type: ignore[attr-defined]
        refused: dict[str, Any] = query_unknown(request, allowed, formats)
        if isinstance(declared, type):
            self._params = declared(data=request.query_params)
            if not self._params.is_valid():
                refused |= dict(self._params.errors)
            refused |= _not_whole_params(self._params, request.query_params)
        if paged:
            if not isinstance(paginator, StableCursorPagination):
                paginator = StableCursorPagination()
            refused |= paginator.refusals(request)
        if refused:
            raise ValidationError(refused)

    def query(self) -> Any:
        """The operation's query parameters read by the serializer it declares (checked
        before the operation ran)."""
        if self._params is None:
            raise TypeError("query() needs the operation to declare a parameter serializer")
        return self._params

    def body(self, serializer_class: type[_Input], *, partial: bool = False) -> _Input:
        """The request's body read by `serializer_class` (a 400 if it is invalid)."""
        body = self.body_unread(serializer_class, partial=partial)
        body.is_valid(raise_exception=True)
        return body

    def body_none(self) -> None:
        """Refuse (400) a body that gives any field to an operation that takes none: no body
        or an empty object is what it reads, and a field sent to it would be dropped unseen.
        Called once the object the operation acts on is found, so that another library's id
        is a 404 whatever the body."""
        request: Request = self.request  # type: ignore[attr-defined]
        if not _no_body(request):
            NoFields(data=request.data).is_valid(raise_exception=True)

    def body_unread(self, serializer_class: type[_Input], *, partial: bool = False) -> _Input:
        """`serializer_class` given the request's body, refused (400) when the request came
        with none at all: DRF reads no bytes as `{}`, which a write whose fields all have
        defaults would take as an order to write them, and others would answer field by field
        rather than saying the body is missing."""
        request: Request = self.request  # type: ignore[attr-defined]
        if _no_body(request):
            takes = ", ".join(sorted(_writable_names(serializer_class)))
            message = _("The request has no body: send this operation's fields (%(takes)s).")
            raise ValidationError({"non_field_errors": [message % {"takes": takes}]}, code="null")
        return serializer_class(data=request.data, partial=partial)


class StrictAPIView(NotAcceptableLast, StrictQueryParams, APIView):
    """An API view that refuses query parameters it does not declare."""


class StrictViewSet(NotAcceptableLast, StrictQueryParams, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """A viewset that refuses query parameters it does not declare."""

    def paginated(self, rows: Any, serializer_class: type) -> Response:
        """One page of `rows` (a QuerySet), each rendered by `serializer_class`."""
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(serializer_class(page, many=True).data)
