"""Template filters that show catalog text as a reader should see it."""

from django import template

from catalog.text import name_shown

register = template.Library()

register.filter("name_shown", name_shown)
