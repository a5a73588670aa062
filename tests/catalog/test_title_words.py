"""A record's title and subtitle are joined as the reader's language punctuates them: a colon in
English, a no-break space and a colon in French; another library's readers find neither."""

import pytest
from django.utils import translation
from django_tenants.utils import schema_context

from catalog.services import RecordData, record_create
from catalog.text import title_shown


@pytest.fixture
def dune(library):  # type: ignore[no-untyped-def]
    with schema_context(library.schema_name):
        return record_create(data=RecordData(title="Dune", subtitle="the desert planet"))


# Title and subtitle as each language joins them.
SHOWN = {"en": "Dune: the desert planet", "fr": "Dune\u00a0: the desert planet"}


@pytest.mark.parametrize(("language", "shown"), SHOWN.items())
def test_search_results_join_title_and_subtitle_in_the_readers_language(
    web, other_web, dune, language, shown
) -> None:
    page = web.get("/search/", {"q": "desert"}, HTTP_ACCEPT_LANGUAGE=language)

    assert f">{shown}</a>" in page.content.decode()
    assert "desert planet" not in other_web.get("/search/", {"q": "desert"}).content.decode()


def test_a_title_without_subtitle_stands_alone() -> None:
    with translation.override("fr"):
        assert title_shown("Dune") == "Dune"
        assert title_shown("Dune", "Messie") == "Dune\u00a0: Messie"
    with translation.override("de"):
        assert title_shown("Dune", "Messie") == "Dune: Messie"
