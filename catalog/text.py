"""How the catalog folds text: names for matching and showing, titles for showing and sorting,
the search language, and text for search (in Python for queries, in SQL for the stored vectors)."""

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.utils.translation import pgettext

SEARCH_CONFIG = "english"

# --- Search folding: accents and compatibility forms ------------------------------------------
# Readers type "miserables" for "Misérables" and "Muller" for "Müller": search reads a Latin
# letter's accents (the combining marks U+0300-U+036F its decomposition gives) as not there,
# and the few letters whose mark no decomposition takes off as the plain letters readers type
# for them, as PostgreSQL's unaccent does (the embedded PostgreSQL has no contrib extensions,
# so the same folding is written with built-in functions). Marks on other scripts' letters
# stay: in Cyrillic, "й" is a letter of its own, not "и" with a breve. The result is in NFKC,
# so full-width letters and ligatures find their plain spelling too.
_LATIN_MARKS = r"([a-zA-Z])[\u0300-\u036f]+"
_LATIN_MARKS_PY = re.compile("([a-zA-Z])[\u0300-\u036f]+")
_LETTERS_PLAIN = {
    "Ø": "O", "ø": "o", "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ð": "D", "ð": "d",
    "Ħ": "H", "ħ": "h", "Ŧ": "T", "ŧ": "t", "ı": "i", "Ё": "Е", "ё": "е",  # noqa: RUF001 - the letters folded
}  # fmt: skip
_LETTERS_TWO = {"ß": "ss", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "Þ": "TH", "þ": "th"}


# --- Search folding: apostrophes inside words -------------------------------------------------
# Readers type "obrien" for "O'Brien", "dartagnan" for "d'Artagnan", and the apostrophe as
# often curly as straight: PostgreSQL's parser splits a word at either, so "O'Brien" was the
# words "o" and "brien", which "obrien" missed. Search reads an apostrophe between two
# characters of a word as not there ("O'Brien", typed either way, is "OBrien"), but English's
# contractions and
# possessives keep theirs ('s, 't, 'll, 'd, 'm, 're, 've): "she'll" stays apart from
# "shell" and "we'd" from "wed". The spaces are spelt out (not \s), so PostgreSQL's regular
# expressions read them alike under any locale. An acute accent (U+00B4) typed for an
# apostrophe is taken for one.
_APOSTROPHES = "'\u2019\u2018\u02bc"  # straight, right and left quotes, modifier letter
_APOSTROPHE_LIKE = {"\u00b4": "\u2019"}
_IN_WORD = rf"[^ \t\n\r\f\v{_APOSTROPHES}]"
_APOSTROPHE_INSIDE = (
    rf"(?<={_IN_WORD})[{_APOSTROPHES}](?!(?:s|t|ll|d|m|re|ve)(?![a-z]))(?={_IN_WORD})"
)
_APOSTROPHE_INSIDE_PY = re.compile(_APOSTROPHE_INSIDE, re.IGNORECASE | re.ASCII)
# A word holding such an apostrophe, whole ("O'Brien's").
_APOSTROPHE_WORD = rf"[^ \t\n\r\f\v]*{_APOSTROPHE_INSIDE}[^ \t\n\r\f\v]*"

_LETTERS = str.maketrans({**_LETTERS_PLAIN, **_LETTERS_TWO, **_APOSTROPHE_LIKE})

# --- Search folding: German umlauts ---------------------------------------------------------------
# German readers write "Müller" and "Mueller", "Märchen" and "maerchen" alike (DIN 5007,
# variant 2: ä=ae, ö=oe, ü=ue; ß=ss is folded above), and "Muller" as well, which the accents'
# folding already finds. A word holding ä, ö or ü is indexed twice, without its dots
# ("muller") and spelt out ("mueller", search_text_sql); a query word holding one is searched
# both ways (search_forms). A query spelt out ("mueller", "poet") is searched as it is typed:
# it finds the spelt-out index of "Müller" and every word written so, and "Poet" never turns
# into "Pot".
_UMLAUTS = {"Ä": "Ae", "ä": "ae", "Ö": "Oe", "ö": "oe", "Ü": "Ue", "ü": "ue"}
_UMLAUTS_SPELT_OUT = str.maketrans(_UMLAUTS)
_UMLAUT_PY = re.compile(f"[{''.join(_UMLAUTS)}]")


def search_fold(text: str) -> str:
    """Text as search reads it (see search_fold_sql, which folds the stored vectors alike):
    without Latin letters' accents, in NFKC, without apostrophes inside words. Case is left
    to the text search."""
    if text.isascii():  # nothing to decompose or fold: most queries, at a twentieth the cost
        return _APOSTROPHE_INSIDE_PY.sub("", text) if "'" in text else text
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    folded = unicodedata.normalize("NFKC", _LATIN_MARKS_PY.sub(r"\1", decomposed))
    return _APOSTROPHE_INSIDE_PY.sub("", folded)


def search_forms(text: str) -> list[str]:
    """The forms in which search looks a query up, any of them finding a record: the query
    folded (search_fold), and when it holds an umlaut, first with its umlauts spelt out as
    DIN 5007 spells them ("Müller" is "Mueller" and "Muller")."""
    composed = unicodedata.normalize("NFC", text)
    if not _UMLAUT_PY.search(composed):
        return [search_fold(text)]
    return [search_fold(composed.translate(_UMLAUTS_SPELT_OUT)), search_fold(text)]


def _literal(text: str) -> str:
    """`text` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _accents_folded_sql(v: str) -> str:
    """SQL of the text column `v` without accents and in NFKC, as search_fold folds it but for
    its apostrophes. Text as long in bytes as in letters is ASCII, and is taken as it is:
    folding every record's text cost writes a third more time than the NFKC alone, passing
    over ASCII costs less than it."""
    plain = {**_LETTERS_PLAIN, **_APOSTROPHE_LIKE}
    plain_from, plain_to = "".join(plain), "".join(plain.values())
    folded = f"translate({v}, '{plain_from}', '{plain_to}')"
    for letter, plain_letters in _LETTERS_TWO.items():
        folded = f"replace({folded}, '{letter}', '{plain_letters}')"
    folded = f"regexp_replace(normalize({folded}, NFKD), '{_LATIN_MARKS}', '\\1', 'g')"
    return f"CASE WHEN octet_length({v}) = length({v}) THEN {v} ELSE normalize({folded}, NFKC) END"


def _words_holding_sql(v: str, holding: str, word: str = "", flags: str = "") -> str:
    """SQL of the words of the text `v` holding one of the characters `holding`, one space
    apart, left to right; with `word`, only those the regular expression `word` matches (as
    regexp_matches would find them), which match only words holding one of `holding`. The
    other words are dropped first, each space doubled so that one plain expression takes each
    of them whole, as trying `word` at each character of a long text costs several times
    more. Written without a set-returning function: Citus cannot push an INSERT ... SELECT
    holding one in a subquery down to its shards (its deparsed query reads "( IS NOT NULL)")."""
    spaced = f"' ' || replace(translate({v}, E'\\t\\n\\r\\f\\013', '     '), ' ', '  ') || ' '"
    kept = f"regexp_replace({spaced}, {_literal(f' [^ {holding}]+ ')}, '', 'g')"
    if word:
        kept = f"regexp_replace({kept}, {_literal(f'({word})|.')}, '\\1 ', '{flags}')"
    return f"btrim(regexp_replace({kept}, ' {{2,}}', ' ', 'g'))"


def _umlaut_words_sql(v: str) -> str:
    """SQL of the words of the text column `v` that hold an umlaut, with it spelt out
    ("Märchen" is "Maerchen"), one space apart; '' when there are none (an umlaut may come
    as its vowel and a combining diaeresis)."""
    umlauts = "".join(_UMLAUTS)
    words = _words_holding_sql(f"normalize({v}, NFC)", umlauts)
    for letter, spelt in _UMLAUTS.items():
        words = f"replace({words}, '{letter}', '{spelt}')"
    return f"CASE WHEN {v} ~ '[{umlauts}\u0308]' THEN {words} ELSE '' END"


def _folded_sql(text: str, apostrophes: str, *, umlauts: bool = False) -> str:
    """SQL of the text expression `text` folded as search_fold folds it, but for its
    apostrophes: when it holds one, `apostrophes` reads the folded text `f`. With `umlauts`,
    the words holding an umlaut follow the text once more, spelt out and folded alike."""
    # `text` is named once, in a subquery of its own: it may be a subquery itself. Each level
    # is fenced (OFFSET 0): PostgreSQL would otherwise write a level's expressions into the
    # next at each place it names them, and fold an accented text some ten times over.
    source = f"(SELECT {text} AS v OFFSET 0) source"
    folded = f"SELECT {_accents_folded_sql('v')} AS f FROM {source}"  # noqa: S608 - SQL expressions, no input
    if umlauts:
        folded = (
            f"SELECT CASE WHEN u = '' THEN f ELSE f || ' ' || {_accents_folded_sql('u')} END "  # noqa: S608 - SQL expressions, no input
            f"AS f FROM (SELECT {_accents_folded_sql('v')} AS f, {_umlaut_words_sql('v')} AS u "
            f"FROM {source} OFFSET 0) umlauts"
        )
    return (
        f"(SELECT CASE WHEN f ~ {_literal(f'[{_APOSTROPHES}]')} THEN {apostrophes} ELSE f END "  # noqa: S608 - SQL expressions, no input
        f"FROM ({folded} OFFSET 0) apostrophes)"
    )


_APOSTROPHES_TAKEN_OUT = f"regexp_replace(f, {_literal(_APOSTROPHE_INSIDE)}, '', 'gi')"


def search_fold_sql(text: str) -> str:
    """SQL of the text expression `text` folded as search_fold folds it."""
    return _folded_sql(text, _APOSTROPHES_TAKEN_OUT)


def search_text_sql(text: str) -> str:
    """SQL of the text expression `text` as the search vectors and the catalog's word list
    read it: folded as search_fold folds it, then each word an apostrophe was taken out of
    once more in its parts. So "O'Brien" is found by "obrien" and "o'brien", apostrophe
    straight or curly (its folded word), and still by "brien" (its part); the parts come
    after the whole text, so a quoted phrase finds the words in the order they were
    written. A word holding an umlaut follows the text once more, spelt out ("Müller" is
    "Muller ... Mueller"), so that both forms of a query (search_forms) find it."""
    words = _words_holding_sql("f", _APOSTROPHES, _APOSTROPHE_WORD, "gi")
    parts = f"translate({words}, {_literal(_APOSTROPHES)}, '{' ' * len(_APOSTROPHES)}')"
    return _folded_sql(text, f"{_APOSTROPHES_TAKEN_OUT} || ' ' || {parts}", umlauts=True)


# PostgreSQL's parser reads the modifier letter apostrophe as a letter (its Unicode category is
# Lm), where it ends a word at the others: a word's spelling keeps its apostrophe in it.
_APOSTROPHE_LETTER = "\u02bc"


def spelling_text_sql(text: str) -> str:
    """SQL of the text expression `text` as the catalog spells it, for spelling suggestions:
    in NFKC, with its accents, each apostrophe inside a word (as search_fold reads one) the
    modifier letter apostrophe, so that "O'Brien" stays one word for PostgreSQL's parser. A
    word of it folds (search_text_sql) to the words search reads in its place."""
    nfkc = (
        f"CASE WHEN octet_length(v) = length(v) THEN v "
        f"ELSE normalize(translate(v, {_literal(''.join(_APOSTROPHE_LIKE))}, "
        f"{_literal(''.join(_APOSTROPHE_LIKE.values()))}), NFKC) END"
    )
    letters = f"regexp_replace(s, {_literal(_APOSTROPHE_INSIDE)}, '{_APOSTROPHE_LETTER}', 'gi')"
    return (
        f"(SELECT CASE WHEN s ~ {_literal(f'[{_APOSTROPHES}]')} THEN {letters} ELSE s END "  # noqa: S608 - SQL expressions, no input
        f"FROM (SELECT {nfkc} AS s FROM (SELECT {text} AS v) spelt) apostrophes)"
    )


def spelling_shown_sql(word: str) -> str:
    """SQL of a word of spelling_text_sql as readers type it: its apostrophe straight."""
    return f"translate({word}, '{_APOSTROPHE_LETTER}', '''')"


_LEADING_ARTICLE = re.compile(r"^(the|a|an)\s+", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_PUNCTUATION = re.compile(r"[^\w\s]")
# ISBD closes a MARC heading with punctuation ("Wall, Larry."), kept as catalogued so exports
# give it back; in a list, where each name has its separator, it goes. A full stop that ends
# an initial or a common abbreviation ("Brown, Martin C.", "Smith, John, Jr.", "J.-C.",
# "Romans, nouvelles, etc.") is the text's own.
_END_PUNCTUATION = " ,;:/="
_ABBREVIATION_FULL_STOP = re.compile(
    r"(?:^|[\s.,(\-])"
    r"(?:\w|jr|sr|inc|ltd|co|corp|bros|dept|etc|st|dr|mr|mrs|ms)\.$",
    re.IGNORECASE,
)


# Control characters (C0, DEL, C1). MARC's delimiters are among them (\x1d, \x1e, \x1f), and a
# vertical tab is how Word pastes a line break: in a record's text each run of them, with the
# spaces beside it, is read as one space.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_RUN = re.compile(r" *[\x00-\x1f\x7f-\x9f]+ *")
_CONTROL_RUN_BUT_NEWLINE = re.compile(r" *[\x00-\x09\x0b-\x1f\x7f-\x9f]+ *")
_LINE_BREAK = re.compile(r" *(?:\r\n?|\n) *")


def texts_plain(values: Iterable[str]) -> bool:
    """Whether none of these texts holds a control character (a line break included): one
    scan of them all, where line_text and lines_text would look at each in turn."""
    return not _CONTROLS.search("".join(values))


def line_text(value: str) -> str:
    """One line of text (a title, a name, an identifier) without control characters."""
    if not _CONTROLS.search(value):
        return value
    return _CONTROL_RUN.sub(" ", value).strip()


def title_shown(title: str, subtitle: str = "") -> str:
    """A title and its subtitle on one line, punctuated as the active language writes them:
    French sets its colon apart with a no-break space, so the join is a translated message."""
    if not subtitle:
        return title
    return pgettext("a record's title, then its subtitle", "%(title)s: %(subtitle)s") % {
        "title": title,
        "subtitle": subtitle,
    }


# ISBD sets a series' number apart from its title with " ; " ("Folio junior ; 100"): the
# series field holds it so, as forms and files write it.
_SERIES_NUMBER = " ; "


def series_joined(title: str, number: str) -> str:
    """A series' title and its number in the series (MARC 490 $a and $v), as stored."""
    return f"{title}{_SERIES_NUMBER}{number}" if title and number else title or number


def series_parts(series: str) -> tuple[str, str]:
    """A stored series' title and its number ("" when it has none)."""
    title, separator, number = series.rpartition(_SERIES_NUMBER)
    return (title, number) if separator and title and number else (series, "")


def series_shown(series: str) -> str:
    """A series and its number punctuated as the active language writes them: French sets its
    semicolon apart with a no-break space, so the join is a translated message."""
    title, number = series_parts(series)
    if not number:
        return series
    return pgettext("a series, then its number in the series", "%(series)s ; %(number)s") % {
        "series": title,
        "number": number,
    }


def record_title_shown(record: Any) -> str:
    """title_shown of anything with a title and a subtitle: a record, a draft, a dict of one."""
    if isinstance(record, dict):
        return title_shown(record.get("title", ""), record.get("subtitle", ""))
    return title_shown(getattr(record, "title", ""), getattr(record, "subtitle", ""))


def lines_text(value: str) -> str:
    """Text of several lines (a summary): its line breaks kept as \\n, without other control
    characters."""
    if not _CONTROLS.search(value.replace("\n", "")):
        return value
    spaced = _CONTROL_RUN_BUT_NEWLINE.sub(" ", _LINE_BREAK.sub("\n", value))
    return _LINE_BREAK.sub("\n", spaced).strip()


# What _PUNCTUATION replaces, for ASCII text: one translate instead of two regex passes, of
# the text's bytes (a table of bytes is read in C; a str's is looked up one character at a
# time, at five times the cost).
_ASCII_PUNCTUATION = bytes(0x20 if _PUNCTUATION.match(chr(i)) else i for i in range(256))


def name_key(name: str) -> str:
    """A name folded for matching: case, accents, punctuation and spacing ignored."""
    if name.isascii():  # nothing to decompose, no accents to drop
        spaced = name.encode("ascii").translate(_ASCII_PUNCTUATION).decode("ascii")
        return " ".join(spaced.lower().split())[:500]
    folded = unicodedata.normalize("NFKD", name)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold()
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", folded)).strip()[:500]


def sort_title_for(title: str, nonfiling: int = 0) -> str:
    title = title[nonfiling:] if 0 < nonfiling < len(title) else _LEADING_ARTICLE.sub("", title)
    return name_key(title)[:1000]


def nonfiling_of(title: str, sort_title: str) -> int:
    """How many leading characters `sort_title` skips of `title` where the article rule does
    not say so (a MARC record's non-filing count, 1 to 9), or 0."""
    if sort_title_for(title) == sort_title:
        return 0
    for count in range(1, 10):
        if sort_title_for(title, count) == sort_title:
            return count
    return 0


def closing_punctuation_stripped(text: str, punctuation: str = _END_PUNCTUATION) -> str:
    """`text` without ISBD's closing punctuation: its full stops and `punctuation` at the
    end, but a full stop that ends an initial or an abbreviation stays."""
    shown = text.rstrip(punctuation)
    while shown.endswith(".") and not _ABBREVIATION_FULL_STOP.search(shown):
        shown = shown[:-1].rstrip(punctuation)
    return shown


def name_shown(name: str) -> str:
    """A contributor's name as a list shows it: without the heading's closing punctuation."""
    return closing_punctuation_stripped(name) or name


def names_listed(names: Iterable[str]) -> list[str]:
    """Names as a list of a record's people shows them: each person once (an author who also
    illustrated the book is one name in a list; the record page gives each credit its role)."""
    listed: dict[str, str] = {}
    for name in names:
        shown = name_shown(name)
        listed.setdefault(name_key(shown), shown)
    return list(listed.values())
