"""Values in messages are quoted as the language in use quotes them, through one helper."""

from typing import NamedTuple

import pytest
from django.utils import translation

from catalog.imports.exports import export_job_create
from common.errors import ApplicationError
from common.language import after_colon, quoted


class Quoting(NamedTuple):
    """What one language makes of the code CDI in a message."""

    value: str  # "CDI" quoted
    refusal: str  # a refusal that names the code CDI


IN_LANGUAGES = {
    "en": Quoting("\u201cCDI\u201d", "No location has the code \u201cCDI\u201d."),
    "fr": Quoting(
        "\u00ab\u00a0CDI\u00a0\u00bb",
        "Aucune localisation n\u2019a le code \u00ab\u00a0CDI\u00a0\u00bb.",
    ),
    "de": Quoting("\u201eCDI\u201c", "Kein Standort hat den Code \u201eCDI\u201c."),
    "es": Quoting("\u00abCDI\u00bb", "Ninguna ubicación tiene el código \u00abCDI\u00bb."),
}


@pytest.mark.parametrize("language", IN_LANGUAGES)
def test_a_value_is_quoted_in_the_language_in_use(language):
    with translation.override(language):
        assert quoted("CDI") == IN_LANGUAGES[language].value


def test_a_control_character_in_a_value_is_spelt_out():
    with translation.override("en"):
        assert quoted("CTL\t1") == "\u201cCTL\\t1\u201d"


@pytest.mark.parametrize("language", IN_LANGUAGES)
def test_a_refusal_quotes_the_code_in_the_librarian_s_language(in_library, language):
    with translation.override(language), pytest.raises(ApplicationError) as refused:
        export_job_create(format="csv", filters={"location": "CDI"})
    assert refused.value.message == IN_LANGUAGES[language].refusal


@pytest.mark.parametrize(
    ("language", "said"),
    [("en", "The year is unread."), ("de", "The year is unread."),
     ("fr", "the year is unread."), ("es", "the year is unread.")],
)  # fmt: skip
def test_a_sentence_after_a_colon_is_in_lower_case_where_the_language_writes_it_so(language, said):
    with translation.override(language):
        assert after_colon("The year is unread.") == said
        assert after_colon("ISBN 123 is unread.") == "ISBN 123 is unread."
