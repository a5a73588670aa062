"""Whole numbers as people and programs type them into forms, addresses and records."""

# Eighteen digits fit PostgreSQL's bigint; longer is no id or count of ours.
MAX_DIGITS = 18


def whole_number(text: str, digits: int = MAX_DIGITS) -> int | None:
    """`text` read as a whole number written in 0-9, or None.

    str.isdigit() also accepts "²" and other digits int() refuses, and int() reads
    Arabic-Indic digits; neither is a number a form or a MARC field means here."""
    if text and len(text) <= digits and text.isascii() and text.isdigit():
        return int(text)
    return None
