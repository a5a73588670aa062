"""`manage.py refresh_search_terms`: one library's search terms, or every library's."""

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context

from catalog.models import SearchTerm, SearchTermRank, SearchWord
from catalog.services import RecordData, record_create, record_delete


def words_of(schema: str) -> dict[str, int]:
    with schema_context(schema):
        assert SearchTermRank.objects.count() == sum(
            SearchTerm.objects.values_list("records", flat=True)
        )
        return dict(SearchTerm.objects.values_list("query", "records"))


def test_a_librarys_terms_are_chosen_and_no_other_librarys(
    library, other_library, settings, capsys
):
    settings.STACKS_SEARCH_TERM_RECORDS = 2
    for schema, titles in ((library.schema_name, ("Ocean one", "Ocean two")),
                           (other_library.schema_name, ("Desert one", "Desert two"))):  # fmt: skip
        with schema_context(schema):
            for title in titles:
                record_create(data=RecordData(title=title))

    call_command("refresh_search_terms", "--library", library.schema_name)
    assert f"{library.schema_name}: search terms chosen: 1" in capsys.readouterr().out
    assert words_of(library.schema_name) == {"'ocean'": 2}
    assert words_of(other_library.schema_name) == {}

    call_command("refresh_search_terms")
    assert words_of(library.schema_name) == {"'ocean'": 2}
    assert words_of(other_library.schema_name) == {"'desert'": 2}


def test_an_unknown_library_is_an_error(db):
    with pytest.raises(CommandError, match="No library"):
        call_command("refresh_search_terms", "--library", "nowhere")


def test_the_words_for_spelling_suggestions_are_counted_afresh_in_that_library_only(
    library, other_library, capsys
):
    for schema in (library.schema_name, other_library.schema_name):
        with schema_context(schema):
            # The second record's words are added with a count of one, and kept once it goes.
            record_create(data=RecordData(title="Lighthouse keepers"))
            gone = record_create(data=RecordData(title="Lighthouse zeppelins"))
            record_delete(record_id=gone.pk)
            assert spoken(schema) == {"lighthouse": 1, "keepers": 1, "zeppelins": 1}

    call_command("refresh_search_terms", "--library", library.schema_name)
    assert f"{library.schema_name}: words for spelling suggestions: 2" in capsys.readouterr().out
    assert spoken(library.schema_name) == {"lighthouse": 1, "keepers": 1}
    assert spoken(other_library.schema_name) == {"lighthouse": 1, "keepers": 1, "zeppelins": 1}


def spoken(schema: str) -> dict[str, int]:
    with schema_context(schema):
        return dict(SearchWord.objects.values_list("word", "records"))
