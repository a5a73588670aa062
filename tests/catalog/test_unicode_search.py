# ruff: noqa: RUF001 - the compatibility forms are what the test is about
"""Search folds text to its Unicode compatibility form (NFKC) and case, in the index and in
queries: full-width letters and ligatures find their plain spelling, and the other way round."""

import pytest

from catalog.search import record_search
from catalog.selectors import record_page
from catalog.services import RecordData, record_create

pytestmark = pytest.mark.django_db


def _titles(q: str) -> set[str]:
    return {r.title for r in record_search(q=q)}


def test_compatibility_forms_and_plain_text_find_each_other(in_library) -> None:  # type: ignore[no-untyped-def]
    record_create(data=RecordData(title="The river"))
    record_create(data=RecordData(title="Ｂｒｉｄｇｅｓ of the north"))
    record_create(data=RecordData(title="Field notes", contributors=[("Oﬃce Worker", "author")]))

    assert _titles("ｒｉｖｅｒ") == {"The river"}
    assert _titles("RIVER") == {"The river"}
    assert _titles("bridges") == {"Ｂｒｉｄｇｅｓ of the north"}
    assert _titles("ﬁeld") == {"Field notes"}
    assert _titles("office") == {"Field notes"}
    page = record_page(q="ｒｉｖｅｒ", ordering="relevance", size=10)
    assert [r.title for r in page.rows] == ["The river"]
