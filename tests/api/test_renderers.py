"""The orjson renderer writes the bytes DRF's JSON renderer writes."""

import datetime
import decimal
import json
import uuid

from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from api.renderers import OrjsonRenderer

PAYLOAD = {
    "text": 'Les Misérables — 東京 \u2028 \u2029 "quoted" \\ \n',
    "numbers": [0, -1, 2**62, 1.5, 0.1, 123456.789, True, False, None],
    "when": datetime.datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=datetime.UTC),
    "whole_second": datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
    "elsewhere": datetime.datetime(
        2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
    ),
    "day": datetime.date(2026, 1, 2),
    "price": decimal.Decimal("12.50"),
    "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "lazy": gettext_lazy("Not found."),
    "nested": {"list": [{"a": []}, (1, 2)], "empty": {}},
}


def test_orjson_renderer_writes_what_drf_writes():
    assert OrjsonRenderer().render(PAYLOAD) == JSONRenderer().render(PAYLOAD)


def test_floats_in_exponent_form_keep_their_value():
    # Python writes 1e-07 where orjson writes 1e-7: the same number.
    assert json.loads(OrjsonRenderer().render([1e-7, 1e300])) == [1e-7, 1e300]


def test_indented_output_and_huge_integers_fall_back_to_drf():
    indented = "application/json; indent=4"
    assert OrjsonRenderer().render(PAYLOAD, indented) == JSONRenderer().render(PAYLOAD, indented)
    assert OrjsonRenderer().render({"n": 2**70}) == b'{"n":1180591620717411303424}'
    assert OrjsonRenderer().render(None) == b""
