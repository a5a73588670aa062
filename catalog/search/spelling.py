"""Spelling suggestions: for a search that found nothing, the closest words of the catalog."""

import re
import string
import unicodedata

from rapidfuzz.distance import OSA

from catalog.search.spelling_sql import words_alike, words_counted, words_known
from catalog.text import search_fold

# Words read from the catalog's list for a typed word two edits from any; their edit distances
# are computed.
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


def one_edit(word: str) -> list[str]:
    """Every spelling one edit from `word`: a letter left out, two swapped, one changed or one
    added (the letters of the alphabet and of the word itself)."""
    letters = sorted(set(string.ascii_lowercase) | set(word))
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    spellings = {start + end[1:] for start, end in splits if end}
    spellings |= {start + end[1] + end[0] + end[2:] for start, end in splits if len(end) > 1}
    spellings |= {start + c + end[1:] for start, end in splits if end for c in letters}
    spellings |= {start + c + end for start, end in splits for c in letters}
    spellings.discard(word)
    return sorted(spellings)


def word_closest(word: str) -> str | None:
    """The catalog's word fewest edits (a transposed pair is one) from `word`, the commonest
    among equals, as the catalog spells it most often; None if none is near enough."""
    # Most misspellings are one edit away: every such spelling is looked up by the word
    # list's primary key, which is faster than reading the words spelled alike.
    near = words_counted(one_edit(word))
    if near:
        return min(near, key=lambda row: (-row[1], row[0]))[2]
    furthest = _furthest(word)
    if furthest == 1:
        return None
    best: tuple[int, int, str, str] | None = None
    rows = words_alike(
        word_grams(word),
        shortest=len(word) - furthest,
        longest=len(word) + furthest,
        limit=CANDIDATES,
    )
    for candidate, records, spelling in rows:
        distance = OSA.distance(word, candidate, score_cutoff=furthest)
        if distance <= furthest and (best is None or (distance, -records, candidate) < best[:3]):
            best = (distance, -records, candidate, spelling)
    return best[3] if best else None


def _checkable(word: str) -> bool:
    return len(word) >= 3 and word.isalpha()


def _case_as(typed: str, word: str) -> str:
    """`word` (as the catalog's word list spells it, in lower case) in the case the reader
    typed: "BLECHTROMEL" -> "BLECHTROMMEL", "Blechtromel" -> "Blechtrommel"."""
    if len(typed) > 1 and typed.isupper():
        return word.upper()
    if typed[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def spelling_suggest(q: str) -> str | None:
    """The query with each word the catalog does not have replaced by its closest word of
    the catalog (quotes, exclusions and `or` kept), spelt as the catalog spells it most often
    ("Müler" -> "Müller"); None if no word could be replaced. Beside a replaced word, a word
    the reader typed without accents is spelt so too ("Garcia Marqez" -> "García Márquez"):
    the suggestion reads as the catalog writes the name, and finds all that they find."""
    q = unicodedata.normalize("NFKC", q)
    # Each word looked up as the catalog's word list keeps it (catalog.text.search_fold).
    spans = [(m.start(), m.end(), search_fold(m.group()).lower()) for m in _WORD.finditer(q)]
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
        shown = q[start:stop]
        # A word typed with accents keeps them: the reader chose them.
        spelling = replacements.get(word) or (known.get(word) if shown.lower() == word else None)
        if spelling is not None and spelling != shown.lower():
            parts += [q[end:start], _case_as(shown, spelling)]
            end = stop
    return "".join([*parts, q[end:]])
