"""Names and titles inside sentences, isolated so a name written right to left (Arabic,
Hebrew) does not carry the sentence's punctuation and numbers into its own direction."""

import re
import unicodedata
from typing import Any

from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe

# The bidirectional classes of right-to-left letters and of the marks that open such a run.
_RIGHT_TO_LEFT = frozenset({"R", "AL", "RLE", "RLO", "RLI"})


def bdi(value: Any) -> SafeString:
    """`value`, escaped, in a <bdi> element."""
    return format_html("<bdi>{}</bdi>", value)


def isolated(value: str) -> str:
    """`value` between FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE, for plain text (mail):
    the text's <bdi>. A sentence that opens with a right-to-left title then still reads in its
    own language's direction, since a paragraph's direction skips what is isolated. Text with
    no right-to-left letter cannot turn a sentence around, and is left bare: some mail
    programs draw the isolates as boxes."""
    if not any(unicodedata.bidirectional(char) in _RIGHT_TO_LEFT for char in value):
        return value
    return f"\u2068{value}\u2069"


def sentence_html(text: str, values: dict[str, Any]) -> SafeString:
    """`text % values` as HTML: the text and every value escaped, except values that are
    already HTML (such as `bdi(name)`)."""
    escaped = {key: conditional_escape(value) for key, value in values.items()}
    return mark_safe(conditional_escape(text) % escaped)  # noqa: S308 (all parts escaped)


def names_isolated(text: str, *names: str) -> SafeString:
    """A sentence already written (a service's message), escaped, with each of `names` in it
    isolated: the desk knows whose name the message speaks of, the message does not."""
    wanted = sorted({name for name in names if name}, key=len, reverse=True)
    if not wanted:
        return conditional_escape(text)
    pattern = re.compile("|".join(re.escape(name) for name in wanted))
    parts, start = [], 0
    for found in pattern.finditer(text):
        parts += [escape(text[start : found.start()]), bdi(found.group())]
        start = found.end()
    parts.append(escape(text[start:]))
    return mark_safe("".join(parts))  # noqa: S308 (every part is escaped)
