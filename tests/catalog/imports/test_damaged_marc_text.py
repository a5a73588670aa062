"""Text a MARC record holds but cannot be read whole (a broken MARC-8 escape, a damaged
subfield code) is read as well as it can be, and its row's reason names the fields to check."""

import pytest

from catalog.imports.models import ImportRow
from catalog.models import Record
from tests.catalog.imports.helpers import MARC_DIR, job_import
from tests.catalog.imports.test_eight_bit_marc import _imported, _iso2709

MARC8_WARNING = "Some characters could not be read (MARC-8) and were left out of these fields:"
CODE_WARNING = "A subfield code was damaged in these fields"


def _reason(name: str) -> str:
    job = job_import(MARC_DIR / name, one_shot=True)
    assert (job.status, job.created, job.rejected) == ("committed", 1, 0), job.error
    return ImportRow.objects.get(job=job).reason


def test_a_broken_marc8_escape_is_a_warning_naming_the_fields_it_cut(in_library):
    # Its "é" is an escape byte in places ("Soci\x1bt\xe2e", "linn\x1benne"): pymarc drops the
    # escape, and the letter it stood for is lost ("La Sociét", "Sociét linnéenne").
    reason = _reason("bad_marc8_escape.dat")
    assert "Warning:" in reason
    assert MARC8_WARNING in reason
    named = reason.split(MARC8_WARNING)[1].split(".")[0]
    assert {"245", "260", "710"} <= {tag.strip() for tag in named.split(",")}
    record = Record.objects.get()
    assert (record.title, record.publisher) == (
        "Bulletin de la Société linnenne de Bordeaux",
        "La Sociét",
    )


def test_a_broken_escape_in_an_otherwise_ascii_marc8_record_is_a_warning(in_library):
    rows = _imported(
        _iso2709(
            [
                ("001", b"esc1"),
                ("100", b"1 \x1faSoci\x1bt du Pont"),
                ("245", b"10\x1faPlain title"),
            ]
        )
    )
    assert rows[1].action == "create"
    assert f"{MARC8_WARNING} 100." in rows[1].reason


def test_a_valid_marc8_escape_is_no_warning(in_library):
    # ESC ( N ... ESC ( B: Cyrillic and back, as MARC-8 writes it.
    rows = _imported(
        _iso2709(
            [
                ("001", b"esc2"),
                ("245", b"10\x1faBook \x1b(N\x4d\x49\x52\x1b(B title"),
            ]
        )
    )
    assert rows[1].action == "create"
    assert "Warning:" not in rows[1].reason


def test_a_damaged_subfield_code_is_read_as_its_letter_and_said(in_library):
    # utf8_invalid.mrc's 260 has U+FFFD before the code "b": pymarc read "bAssociation ...".
    reason = _reason("utf8_invalid.mrc")
    assert "Warning:" in reason
    assert f"{CODE_WARNING} and read as the likeliest code: 260." in reason
    assert Record.objects.get().publisher == "Association of Teacher Educators]"


def test_an_accented_subfield_code_is_read_as_its_letter_and_said(in_library):
    reason = _reason("bad_subfield_code.dat")
    assert f"{CODE_WARNING} and read as the likeliest code: 245." in reason
    assert Record.objects.get().title == "ActivePerl with ASP and ADO"


@pytest.mark.parametrize("name", ["marc8.dat", "test.dat", "diacritic.dat", "regression45.dat"])
def test_sound_records_carry_neither_warning(in_library, name):
    job = job_import(MARC_DIR / name, one_shot=True)
    reasons = " ".join(ImportRow.objects.filter(job=job).values_list("reason", flat=True))
    assert job.status == "committed", job.error
    assert MARC8_WARNING not in reasons
    assert CODE_WARNING not in reasons
