"""Identifiers as catalogues write them, and what is refused."""

import pytest

from catalog.identifiers import InvalidIdentifier, isbn_normalize, oclc_normalize
from common.numbers import whole_number


@pytest.mark.parametrize(
    ("raw", "number"),
    [("(OCoLC)000123", "123"), ("ocm12345678", "12345678"), ("on1234567890", "1234567890")],
)
def test_oclc_numbers_in_their_usual_forms(raw, number):
    assert oclc_normalize(raw) == number


@pytest.mark.parametrize("raw", ["(OCoLC)\u0661\u0662\u0663", "12\u00b2", "ocm", "(OCoLC)abc"])
def test_digits_that_are_not_0_to_9_make_no_oclc_number(raw):
    with pytest.raises(InvalidIdentifier, match="is not an OCLC number"):
        oclc_normalize(raw)


@pytest.mark.parametrize(
    ("text", "number"),
    [("0", 0), ("042", 42), ("9" * 18, 10**18 - 1), ("9" * 19, None), ("", None),
     ("\u00b2", None), ("\u0663", None), ("-1", None), (" 1", None), ("1.0", None)],
)  # fmt: skip
def test_whole_numbers_are_0_to_9_of_bounded_length(text, number):
    assert whole_number(text) == number


@pytest.mark.parametrize("raw", ["9,78207E+12", "9.78207E+12", "9,78E+12", "9.7820704085E12"])
def test_an_isbn_a_spreadsheet_shortened_is_refused_saying_so(raw):
    with pytest.raises(InvalidIdentifier) as refused:
        isbn_normalize(raw)
    assert "a spreadsheet shortened it" in refused.value.message
    assert "Format the ISBN column as text" in refused.value.message


def test_an_isbn_that_is_only_short_is_told_its_length():
    with pytest.raises(InvalidIdentifier) as refused:
        isbn_normalize("97820704")
    assert "it needs 10 or 13 digits" in refused.value.message
