"""Template filters that show catalog text as a reader should see it."""

from django import template

from catalog.text import name_shown, record_title_shown
from common.bidi import bdi
from common.language import after_colon

register = template.Library()

register.filter("name_shown", name_shown)
# A record's title and subtitle, joined in the page's language: `{{ record|title_shown }}`.
register.filter("title_shown", record_title_shown)
# A name or title inside a sentence: `{% blocktranslate with name=patron.name|bdi %}`.
register.filter("bdi", bdi)
# A sentence after a label that ends in a colon: `Warning: {{ warning|after_colon }}`.
register.filter("after_colon", after_colon)
