"""Template filters that show catalog text as a reader should see it."""

from typing import Any

from django import template

from catalog.languages import MARC_FOR_SPOKEN
from catalog.text import name_shown, names_listed, record_title_shown, series_shown
from catalog.website import language_name
from common.bidi import bdi
from common.language import after_colon

register = template.Library()

register.filter("name_shown", name_shown)
# A record's title and subtitle, joined in the page's language: `{{ record|title_shown }}`.
register.filter("title_shown", record_title_shown)
# A series and its number in the page's language: `{{ record.series|series_shown }}`.
register.filter("series_shown", series_shown)
# A name or title inside a sentence: `{% blocktranslate with name=patron.name|bdi %}`.
register.filter("bdi", bdi)
# A sentence after a label that ends in a colon: `Warning: {{ warning|after_colon }}`.
register.filter("after_colon", after_colon)


@register.filter
def spoken_language_name(code: str) -> str:
    """A language Stacks speaks (a library's: "en") named as a record's is, in the page's
    language ("anglais")."""
    return language_name(MARC_FOR_SPOKEN.get(code, code))


@register.filter
def credit_names(credits: Any) -> list[str]:
    """The names of a record's credits (its `credit_list`, or a draft's contributors as dicts)
    as a list shows them, each person once: `{% for name in record.credit_list|credit_names %}`."""
    return names_listed(
        credit["name"] if isinstance(credit, dict) else credit.contributor_name
        for credit in credits
    )
