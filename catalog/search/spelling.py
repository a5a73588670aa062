"""Spelling suggestions: for a search that found nothing, the closest words of the catalog."""

import re
import unicodedata

from rapidfuzz.distance import OSA

from catalog.search.sql import words_alike, words_known

# Words read from the catalog's list for each typed word; their edit distances are computed.
CANDIDATES = 60
_WORD = re.compile(r"\w+")


def word_grams(word: str) -> list[str]:
    """A word's three-letter pieces, padded as catalog.services.search_index cuts the
    catalog's words: two spaces before it, one after."""
    padded = f"  {word} "
    return sorted({padded[i : i + 3] for i in range(len(word) + 1)})


def _furthest(word: str) -> int:
    """The most edits a suggestion may be from a word: one for a short word, two otherwise."""
    return 1 if len(word) <= 4 else 2


def word_closest(word: str) -> str | None:
    """The catalog's word fewest edits (a transposed pair is one) from `word`, the commonest
    among equals; None if none is near enough."""
    furthest = _furthest(word)
    best: tuple[int, int, str] | None = None
    rows = words_alike(
        word_grams(word),
        shortest=len(word) - furthest,
        longest=len(word) + furthest,
        limit=CANDIDATES,
    )
    for candidate, records in rows:
        distance = OSA.distance(word, candidate, score_cutoff=furthest)
        if distance <= furthest and (best is None or (distance, -records, candidate) < best):
            best = (distance, -records, candidate)
    return best[2] if best else None


def _checkable(word: str) -> bool:
    return len(word) >= 3 and word.isalpha()


def spelling_suggest(q: str) -> str | None:
    """The query with each word the catalog does not have replaced by its closest word of
    the catalog (quotes, exclusions and `or` kept); None if no word could be replaced."""
    q = unicodedata.normalize("NFKC", q)
    spans = [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(q)]
    typed = sorted({word for _, _, word in spans if _checkable(word)})
    if not typed:
        return None
    known = words_known(typed)
    replacements = {}
    for word in typed:
        if word not in known and (closest := word_closest(word)) is not None:
            replacements[word] = closest
    if not replacements:
        return None
    parts, end = [], 0
    for start, stop, word in spans:
        if word in replacements:
            parts += [q[end:start], replacements[word]]
            end = stop
    return "".join([*parts, q[end:]])
