"""A record's text and its copies' as every write stores them: control characters read as spaces."""

from catalog.services import RecordData
from catalog.services.items import item_text_changes
from catalog.services.records import record_data_cleaned


def test_a_record_without_control_characters_is_kept_as_it_is():
    data = RecordData(
        title="Dune", contributors=[("Herbert, Frank", "author")], subjects=[("Deserts", "lcsh")]
    )
    cleaned, changed = record_data_cleaned(data)
    assert cleaned is data
    assert changed == []


def test_each_part_with_a_control_character_is_cleaned_and_named():
    data = RecordData(
        title="Dune",
        summary="One line.\nAnother line.",
        contributors=[("Herbert,\x0bFrank", "author")],
        subjects=[("Deserts", "lcsh")],
        identifiers=[("isbn", "9780441172719\x85")],
    )
    cleaned, changed = record_data_cleaned(data)
    assert cleaned.title == "Dune"
    assert cleaned.summary == "One line.\nAnother line."  # a summary keeps its line breaks
    assert list(cleaned.contributors) == [("Herbert, Frank", "author")]
    assert list(cleaned.identifiers) == [("isbn", "9780441172719")]
    assert changed == ["contributors", "identifiers"]


def test_a_copy_s_texts_are_cleaned_only_where_they_have_control_characters():
    assert item_text_changes(call_number="QA 76", public_note="Shelved", staff_note="") == {}
    assert item_text_changes(call_number="QA\t76", public_note="a\nb", staff_note="x\x07y") == {
        "call_number": "QA 76",
        "staff_note": "x y",
    }
