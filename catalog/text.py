"""How the catalog folds text: names for matching, titles for sorting, the search language."""

import re
import unicodedata

SEARCH_CONFIG = "english"
_LEADING_ARTICLE = re.compile(r"^(the|a|an)\s+", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_PUNCTUATION = re.compile(r"[^\w\s]")


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
