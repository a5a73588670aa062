"""How the catalog folds text: names for matching and showing, titles for sorting, the search
language."""

import re
import unicodedata

SEARCH_CONFIG = "english"
_LEADING_ARTICLE = re.compile(r"^(the|a|an)\s+", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_PUNCTUATION = re.compile(r"[^\w\s]")
# ISBD closes a MARC heading with punctuation ("Wall, Larry."), kept as catalogued so exports
# give it back; in a list, where each name has its separator, it goes. A full stop that ends
# an initial or a common abbreviation ("Brown, Martin C.", "Smith, John, Jr.") is the name's.
_END_PUNCTUATION = " ,;:/="
_NAME_FULL_STOP = re.compile(
    r"(?:^|[\s.,(\-])(?:\w|jr|sr|inc|ltd|co|corp|bros|dept|etc|st|dr|mr|mrs|ms)\.$", re.IGNORECASE
)


# Control characters (C0, DEL, C1). MARC's delimiters are among them (\x1d, \x1e, \x1f), and a
# vertical tab is how Word pastes a line break: in a record's text each run of them, with the
# spaces beside it, is read as one space.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_RUN = re.compile(r" *[\x00-\x1f\x7f-\x9f]+ *")
_CONTROL_RUN_BUT_NEWLINE = re.compile(r" *[\x00-\x09\x0b-\x1f\x7f-\x9f]+ *")
_LINE_BREAK = re.compile(r" *(?:\r\n?|\n) *")


def line_text(value: str) -> str:
    """One line of text (a title, a name, an identifier) without control characters."""
    if not _CONTROLS.search(value):
        return value
    return _CONTROL_RUN.sub(" ", value).strip()


def lines_text(value: str) -> str:
    """Text of several lines (a summary): its line breaks kept as \\n, without other control
    characters."""
    if not _CONTROLS.search(value.replace("\n", "")):
        return value
    spaced = _CONTROL_RUN_BUT_NEWLINE.sub(" ", _LINE_BREAK.sub("\n", value))
    return _LINE_BREAK.sub("\n", spaced).strip()


# What _PUNCTUATION replaces, for ASCII text: one translate instead of two regex passes.
_ASCII_PUNCTUATION = {i: " " for i in range(128) if _PUNCTUATION.match(chr(i))}


def name_key(name: str) -> str:
    """A name folded for matching: case, accents, punctuation and spacing ignored."""
    if name.isascii():  # nothing to decompose, no accents to drop
        return " ".join(name.lower().translate(_ASCII_PUNCTUATION).split())[:500]
    folded = unicodedata.normalize("NFKD", name)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold()
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", folded)).strip()[:500]


def sort_title_for(title: str, nonfiling: int = 0) -> str:
    title = title[nonfiling:] if 0 < nonfiling < len(title) else _LEADING_ARTICLE.sub("", title)
    return name_key(title)[:1000]


def name_shown(name: str) -> str:
    """A contributor's name as a list shows it: without the heading's closing punctuation."""
    shown = name.rstrip(_END_PUNCTUATION)
    if shown.endswith(".") and not _NAME_FULL_STOP.search(shown):
        shown = shown[:-1].rstrip(_END_PUNCTUATION)
    return shown or name
