"""`manage.py refresh_search_terms`: one library's search terms, or every library's."""

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context

from catalog.models import SearchTerm, SearchTermRank
from catalog.services import RecordData, record_create


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
