# ruff: noqa: RUF001 - the compatibility forms are what the test is about
"""Search folds text to its Unicode compatibility form (NFKC) and case, in the index and in
queries: full-width letters and ligatures find their plain spelling, and the other way round."""

import importlib

import pytest
from django.db import connection

from catalog.search import record_search
from catalog.selectors import record_page
from catalog.services import RecordData, record_create, record_search_refold

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


def _vectors_unfolded() -> None:
    """Every vector as the writers built it before text was folded to NFKC (these records
    have no subjects)."""
    contributors = (
        "coalesce((SELECT string_agg(c.name, ' ' ORDER BY rc.position) "
        "FROM catalog_recordcontributor rc JOIN catalog_contributor c "
        "ON c.id = rc.contributor_id WHERE rc.record_id = r.id), '')"
    )
    unfolded = " || ".join(
        f"setweight(to_tsvector('english', {text}), '{weight}')"
        for text, weight in (
            ("r.title || ' ' || r.subtitle", "A"),
            (contributors, "B"),
            ("r.series || ' ' || r.publisher || ' ' || r.summary", "D"),
        )
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE catalog_recordsearch s SET vector = {unfolded} "  # noqa: S608 - no input
            "FROM catalog_record r WHERE r.id = s.record_id"
        )


def _vectors() -> dict[int, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT record_id, vector::text FROM catalog_recordsearch")
        return dict(cursor.fetchall())


def test_the_migration_folds_the_vectors_written_before_folding(in_library) -> None:  # type: ignore[no-untyped-def]
    record_create(data=RecordData(title="The river"))
    record_create(data=RecordData(title="Ｂｒｉｄｇｅｓ of the north"))
    record_create(data=RecordData(title="Field notes", contributors=[("Oﬃce Worker", "author")]))
    folded = _vectors()
    _vectors_unfolded()
    assert _titles("bridges") == set()
    assert _titles("office") == set()

    migration = importlib.import_module("catalog.migrations.0007_search_vectors_folded")
    migration.vectors_fold(apps=None, schema_editor=None)

    assert _titles("bridges") == {"Ｂｒｉｄｇｅｓ of the north"}
    assert _titles("office") == {"Field notes"}
    assert _titles("river") == {"The river"}
    assert _vectors() == folded
    # Only the records with text to fold are written again, as often as it runs.
    assert record_search_refold() == 2
    assert _vectors() == folded
