"""Normalising and validating standard identifiers (ISBN, ISSN, LCCN, OCLC numbers)."""

import re

from django.utils.translation import gettext

from common.errors import ApplicationError
from common.language import quoted

_NON_ISBN = re.compile(r"[^0-9Xx]")
# How a spreadsheet shows (and a CSV it saves keeps) a long number it has shortened:
# "9,78207E+12", "9.78E+12". The digits it dropped are gone from the file.
_SCIENTIFIC = re.compile(r"^\d[.,]\d+E\+?\d+$", re.IGNORECASE)


class InvalidIdentifier(ApplicationError):
    code = "invalid_identifier"


def _isbn10_check(digits: str) -> str:
    total = sum((10 - i) * int(d) for i, d in enumerate(digits[:9]))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)


# What the twelve digits' codes add to an ISBN-13's weighted sum beyond the digits: six codes
# weigh 1 and six weigh 3, each the digit plus the code of "0".
_ISBN13_CODES = (6 + 3 * 6) * ord("0")


def _isbn13_check(digits: str) -> str:
    # Odd places weigh 1 and even ones 3: two sums over the bytes of slices (the digits are
    # ASCII, _NON_ISBN saw to it), not an int() of each digit.
    codes = digits.encode("ascii")
    total = sum(codes[0:12:2]) + 3 * sum(codes[1:12:2]) - _ISBN13_CODES
    return str((10 - total % 10) % 10)


def isbn_normalize(raw: str) -> str:
    """ISBN-13 digits for an ISBN-10 or ISBN-13 in any punctuation; raises if invalid."""
    if ("E" in raw or "e" in raw) and _SCIENTIFIC.match(raw.strip()):
        raise InvalidIdentifier(
            gettext(
                "%(value)s is not an ISBN: a spreadsheet shortened it to a rounded number and "
                "its last digits are lost. Format the ISBN column as text, type the ISBNs "
                "again and save the file again."
            )
            % {"value": quoted(raw)}
        )
    # MARC 020$a often carries a qualifier after the number: "0262510871 (pbk.)".
    candidate = raw.strip().split(" ")[0] if raw.strip() else ""
    digits = _NON_ISBN.sub("", candidate).upper()
    if len(digits) == 10:
        if not digits[:9].isdigit() or _isbn10_check(digits) != digits[9]:
            raise InvalidIdentifier(
                gettext("%(value)s is not a valid ISBN: its check digit is wrong.")
                % {"value": quoted(raw)}
            )
        body = "978" + digits[:9]
        return body + _isbn13_check(body)
    if len(digits) == 13 and digits.isdigit():
        if not digits.startswith(("978", "979")):
            raise InvalidIdentifier(
                gettext("%(value)s is not a valid ISBN: it must start with 978 or 979.")
                % {"value": quoted(raw)}
            )
        if _isbn13_check(digits) != digits[12]:
            raise InvalidIdentifier(
                gettext("%(value)s is not a valid ISBN: its check digit is wrong.")
                % {"value": quoted(raw)}
            )
        return digits
    raise InvalidIdentifier(
        gettext("%(value)s is not an ISBN: it needs 10 or 13 digits.") % {"value": quoted(raw)}
    )


def isbn_check_digit_wrong(raw: str) -> str | None:
    """The digits of an ISBN whose only fault is its check digit (as catalogues carry them,
    and MARC 21 keeps in 020 $z), or None for a valid ISBN or one that is no ISBN at all."""
    candidate = raw.strip().split(" ")[0] if raw.strip() else ""
    digits = _NON_ISBN.sub("", candidate).upper()
    if len(digits) == 10 and digits[:9].isdigit() and _isbn10_check(digits) != digits[9]:
        return digits
    if len(digits) == 13 and digits.isdigit() and digits.startswith(("978", "979")):
        return digits if _isbn13_check(digits) != digits[12] else None
    return None


def isbn_looks_like(text: str) -> bool:
    """Whether a search query is plausibly an ISBN (so search can look it up exactly)."""
    digits = _NON_ISBN.sub("", text)
    return (
        len(digits) in (10, 13) and len(text.strip()) <= 17 and not re.search(r"[a-wyzA-WYZ]", text)
    )


def issn_normalize(raw: str) -> str:
    digits = _NON_ISBN.sub("", raw.strip().split(" ")[0]).upper()
    if len(digits) != 8 or not digits[:7].isdigit():
        raise InvalidIdentifier(
            gettext("%(value)s is not an ISSN: it needs 8 characters.") % {"value": quoted(raw)}
        )
    total = sum((8 - i) * int(d) for i, d in enumerate(digits[:7]))
    check = (11 - total % 11) % 11
    if ("X" if check == 10 else str(check)) != digits[7]:
        raise InvalidIdentifier(
            gettext("%(value)s is not a valid ISSN: its check digit is wrong.")
            % {"value": quoted(raw)}
        )
    return f"{digits[:4]}-{digits[4:]}"


def lccn_normalize(raw: str) -> str:
    """Library of Congress's LCCN normalisation: no blanks, the serial part zero-padded to 6."""
    value = raw.strip().split("/")[0].replace(" ", "")
    if "-" in value:
        prefix, _, serial = value.partition("-")
        value = prefix + serial.zfill(6)
    if not value or len(value) > 20 or not re.fullmatch(r"[a-z]{0,3}[0-9]+", value.lower()):
        raise InvalidIdentifier(gettext("%(value)s is not an LCCN.") % {"value": quoted(raw)})
    return value.lower()


def oclc_normalize(raw: str) -> str:
    value = re.sub(r"^\(OCoLC\)|^(ocm|ocn|on)", "", raw.strip(), flags=re.IGNORECASE).strip()
    value = re.sub(r"^(ocm|ocn|on)", "", value).lstrip("0")
    if not (value.isascii() and value.isdigit()):
        raise InvalidIdentifier(
            gettext("%(value)s is not an OCLC number.") % {"value": quoted(raw)}
        )
    return value


def isbn_invalid_normalize(raw: str) -> str:
    """The digits of an ISBN kept as invalid; raises unless only its check digit is wrong."""
    wrong = isbn_check_digit_wrong(raw)
    if wrong is None:
        raise InvalidIdentifier(
            gettext("%(value)s is not an ISBN with a wrong check digit.") % {"value": quoted(raw)}
        )
    return wrong


NORMALIZERS = {
    "isbn": isbn_normalize,
    "isbn_bad": isbn_invalid_normalize,
    "issn": issn_normalize,
    "lccn": lccn_normalize,
    "oclc": oclc_normalize,
}


def identifier_normalize(kind: str, raw: str) -> str:
    try:
        normalize = NORMALIZERS[kind]
    except KeyError:
        raise InvalidIdentifier(
            gettext("Unknown identifier kind %(kind)s.") % {"kind": quoted(kind)}
        ) from None
    return normalize(raw)
