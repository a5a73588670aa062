"""A MARC record never loses text unseen: a field whose tag is damaged is quoted on its row,
and a MARC-8 record's control characters are read as spaces, each field said."""

import io

from django.utils import translation

from catalog.imports.formats.marc import marc_records
from catalog.imports.formats.source import SourceRecord
from tests.catalog.imports.helpers import MARC_DIR
from tests.catalog.imports.test_eight_bit_marc import _iso2709


def _read(raw: bytes) -> list[SourceRecord]:
    return [source for source, _ in marc_records(io.BytesIO(raw))]


def _one(fields: list[tuple[str, bytes]]) -> SourceRecord:
    """What is read of one MARC-8 record of these fields."""
    [source] = _read(_iso2709(fields))
    return source


def test_a_field_with_a_damaged_tag_is_named_with_what_it_held():
    # Its first field's tag is "0 2" (020 damaged), holding "$a9780253325525 (alk. paper)".
    raw = (MARC_DIR / "bad_indicator.dat").read_bytes()
    [source] = _read(raw)

    assert source.warnings == [
        "A field's tag is damaged (\u201c0 2\u201d), so the field was not read and what it "
        "holds is not imported: \u201c9780253325525 (alk. paper)\u201d. Check the record and "
        "add it under its right tag if the record needs it."
    ]
    with translation.override("fr"):
        [source] = _read(raw)
    assert source.warnings[0].startswith(
        "L\u2019\u00e9tiquette d\u2019un champ est ab\u00eem\u00e9e "
        "(\u00ab\u00a00 2\u00a0\u00bb)\u00a0: "
    )
    assert "\u00ab\u00a09780253325525 (alk. paper)\u00a0\u00bb" in source.warnings[0]


def test_a_damaged_tag_is_said_even_when_its_field_is_the_only_isbn():
    source = _one([("001", b"t1"), ("0 2", b"  \x1fa9780441172719"), ("245", b"10\x1faDune")])

    assert source.data is not None
    assert source.data.identifiers == []
    [warning] = source.warnings
    assert "\u201c0 2\u201d" in warning
    assert "\u201c9780441172719\u201d" in warning


def test_sound_tags_and_local_tags_are_no_warning():
    source = _one([("001", b"t2"), ("245", b"10\x1faDune"), ("CAT", b"  \x1faKOHA")])
    assert source.warnings == []


def test_marc8_control_characters_are_read_as_spaces_and_said_once_per_field():
    fields = [
        ("001", b"c1"),
        ("245", b"10\x1faLine one\x0bline two\x0b\xe2ete"),
        ("520", b"  \x1faFirst\x07second"),
    ]
    source = _one(fields)

    assert source.data is not None
    assert source.data.title == "Line one line two \u00e9te"
    assert source.data.summary == "First second"
    assert source.warnings == [
        "Control characters (a tab or a line break, say) in the MARC-8 text of these fields "
        "were read as spaces: 245, 520."
    ]
    with translation.override("fr"):
        source = _one(fields)
    assert source.warnings == [
        "Des caract\u00e8res de contr\u00f4le (une tabulation ou un saut de ligne, par exemple) "
        "dans le texte MARC-8 de ces champs ont \u00e9t\u00e9 lus comme des espaces\u00a0: "
        "245, 520."
    ]


def test_marc8_text_without_control_characters_is_no_warning():
    [source] = _read((MARC_DIR / "marc8.dat").read_bytes())
    assert source.warnings == []
