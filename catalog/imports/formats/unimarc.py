"""Reading UNIMARC records: each is decoded (UTF-8 or ISO 5426, as its field 100 says) and
written as a MARC 21 record (a crosswalk), which the catalog maps and keeps as its source MARC.

What the crosswalk carries, and what it names on the record's row instead, is in README.md
(Imports and exports).
"""

import re
from collections.abc import Callable
from typing import cast

import pymarc
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from catalog.imports.formats.marc21 import marc_map
from catalog.imports.formats.marc_text import (
    cp1252_plausible,
    iso5426_decoded,
    looks_utf8,
    raw_control_number,
    raw_title,
)
from catalog.imports.formats.source import (
    STRUCTURE_DAMAGED,
    RecordRejected,
    SourceRecord,
    identifiers_label,
)

# UNIMARC's relator codes ($4) as MARC 21's: the ones a library catalogue meets most.
_RELATORS = {
    "005": "act", "010": "adp", "020": "ann", "040": "art", "070": "aut", "072": "aqt",
    "075": "aft", "080": "aui", "100": "ant", "205": "ctb", "212": "cwt", "220": "com",
    "230": "cmp", "250": "cnd", "300": "drt", "340": "edt", "440": "ill", "480": "lbt",
    "520": "lyr", "550": "nrt", "570": "oth", "590": "prf", "600": "pht", "605": "pre",
    "651": "pbd", "710": "sec", "727": "ths", "730": "trl",
}  # fmt: skip
# Notes (3XX) as MARC 21 tags them; any other 3XX is a general note (500).
_NOTES = {
    "320": "504", "321": "510", "323": "511", "324": "534", "325": "533", "326": "310",
    "327": "505", "328": "502", "330": "520", "333": "521", "334": "586", "337": "538",
}  # fmt: skip
# Subject fields: UNIMARC tag -> MARC 21 tag and first indicator.
_SUBJECTS = {
    "600": ("600", "1"), "601": ("610", "2"), "602": ("600", "3"), "604": ("600", "1"),
    "605": ("630", "0"), "606": ("650", " "), "607": ("651", " "), "608": ("655", " "),
}  # fmt: skip
# Subject subdivisions: UNIMARC's $y is a place and $z a period, MARC 21's the other way.
_SUBDIVISIONS = {"x": "x", "y": "z", "z": "y", "j": "v"}
_NAME_TAGS = ("700", "701", "702", "710", "711", "712")
# What the row names a field the crosswalk leaves out by, when it has a name.
_FIELD_NAMES = {
    "003": gettext_lazy("persistent identifier"),
    "020": gettext_lazy("national bibliography number"),
    "021": gettext_lazy("legal deposit number"),
    "071": gettext_lazy("publisher's number"),
    "105": gettext_lazy("coded data: books"),
    "106": gettext_lazy("coded data: form of item"),
    "181": gettext_lazy("form of content"),
    "182": gettext_lazy("type of media"),
    "183": gettext_lazy("type of carrier"),
    "790": gettext_lazy("other form of a name"),
    "801": gettext_lazy("source of the record"),
    "830": gettext_lazy("cataloguer's note"),
}
_FIELD_KINDS = (
    ("4", gettext_lazy("link to another record")),
    ("5", gettext_lazy("related title")),
    ("9", gettext_lazy("local data")),
)
# Non-sort marks around an article ("\x88Le \x89monde"): in UTF-8 as C1 controls, in older
# files as escapes.
_NON_SORT = re.compile("\x88|\x89|\x1bH|\x1bI")
_UNREADABLE = gettext_lazy(
    "Some characters could not be read (ISO 5426) and were left out of these fields: "
    "%(fields)s. Check their text."
)
_UTF8_REPLACED = gettext_lazy(
    "Some characters are not UTF-8 and could not be read: each was replaced by \u201c\ufffd\u201d "
    "in these fields: %(fields)s. Check their text."
)
_READ_AS_CP1252 = gettext_lazy(
    "The record's text is not UTF-8 but Windows-1252 (Latin-1): it was read as Windows-1252 "
    "and is kept in UTF-8. Check the title and other text."
)

Pairs = list[tuple[str, str]]


def unimarc_shaped(raw: bytes) -> bool:
    """Whether a record has UNIMARC's shape: a title field 200 and no MARC 21 title (245),
    by its directory's tags (a directory too damaged to read says no)."""
    try:
        base = int(raw[12:17])
    except ValueError:
        return False
    directory = raw[24 : base - 1]
    tags = {directory[i : i + 3] for i in range(0, len(directory) - 11, 12)}
    return b"200" in tags and b"245" not in tags


def unimarc_source(source: SourceRecord) -> None:
    """Read `source` (its raw bytes UNIMARC) into the catalog's record, by way of MARC 21; its
    MARC 21 becomes its bytes (and the record's source MARC), a rejected record keeps its own."""
    try:
        record, read_warnings = _decoded(source.raw)
        marc, left_out = unimarc_crosswalk(record)
        source.data, source.items = marc_map(marc, source.warnings)
        raw = marc.as_marc()
    except RecordRejected as error:
        source.error = str(error)
        source.identifiers = raw_control_number(source.raw)
        source.title = raw_title(source.raw)
        return
    source.raw = raw
    source.data.source_marc = raw
    source.identifiers = identifiers_label(source.data)
    source.warnings.extend(read_warnings)
    if left_out:
        source.warnings.append(
            gettext("Not imported from UNIMARC: %(fields)s.") % {"fields": ", ".join(left_out)}
        )


def _decoded(raw: bytes) -> tuple[pymarc.Record, list[str]]:
    """The record with its text decoded, and the warnings about how its text was read."""
    try:
        record = pymarc.Record(data=raw, to_unicode=False)
    except (pymarc.exceptions.PymarcException, ValueError, IndexError):
        raise RecordRejected(str(STRUCTURE_DAMAGED)) from None
    coded = next((f for f in record.get_fields("100") if not f.is_control_field()), None)
    general = next((_raw(v) for c, v in coded.subfields if c == "a"), b"") if coded else b""
    sets = general[26:30].decode("ascii", errors="replace")
    if not ("50" in (sets[:2], sets[2:]) or (sets[:2] != "03" and sets[2:] != "03")):
        decoded, unreadable = _each_decoded(record, iso5426_decoded)
        return decoded, _warned(_UNREADABLE, unreadable)
    everything = b"".join(_field_bytes(field) for field in record.fields)
    if looks_utf8(everything) or everything.isascii():
        return _each_decoded(record, lambda value: (value.decode("utf-8"), 0))[0], []
    if cp1252_plausible(everything):
        decoded, _ = _each_decoded(record, lambda value: (value.decode("cp1252"), 0))
        return decoded, [str(_READ_AS_CP1252)]
    decoded, unreadable = _each_decoded(record, _utf8_replaced)
    return decoded, _warned(_UTF8_REPLACED, unreadable)


def _utf8_replaced(value: bytes) -> tuple[str, int]:
    """UTF-8 text with each byte that is not UTF-8 read as U+FFFD, and whether there was one."""
    try:
        return value.decode("utf-8"), 0
    except UnicodeDecodeError:
        return value.decode("utf-8", errors="replace"), 1


def _warned(message: "str | Promise", fields: list[str]) -> list[str]:
    return [str(message) % {"fields": ", ".join(fields)}] if fields else []


def _raw(value: object) -> bytes:
    """A value as pymarc reads it without decoding (typed as text, held as bytes)."""
    return cast(bytes, value or b"")


def _field_bytes(field: pymarc.Field) -> bytes:
    if field.is_control_field():
        return _raw(field.data)
    return b"".join(_raw(value) for _, value in field.subfields)


def _each_decoded(
    record: pymarc.Record, decode: Callable[[bytes], tuple[str, int]]
) -> tuple[pymarc.Record, list[str]]:
    decoded = pymarc.Record(force_utf8=True)
    decoded.leader = record.leader
    unreadable = []
    for field in record.fields:
        if field.is_control_field():
            data, skipped = decode(_raw(field.data))
            decoded.add_field(pymarc.Field(tag=field.tag, data=data))
        else:
            subfields, skipped = [], 0
            for code, value in field.subfields:
                text, lost = decode(_raw(value))
                subfields.append(pymarc.Subfield(code, text))
                skipped += lost
            decoded.add_field(
                pymarc.Field(tag=field.tag, indicators=field.indicators, subfields=subfields)
            )
        if skipped:
            unreadable.append(field.tag)
    return decoded, list(dict.fromkeys(unreadable))


def unimarc_crosswalk(unimarc: pymarc.Record) -> tuple[pymarc.Record, list[str]]:
    """The record in MARC 21, and the UNIMARC fields it does not carry, as the row names them
    ("field 801 (source of the record)"), each tag once."""
    marc = pymarc.Record(force_utf8=True)
    leader = str(unimarc.leader)
    marc.leader = pymarc.Leader(f"00000{leader[5:8]} a2200000{_LEVELS.get(leader[17], 'u')}i 4500")
    left_out: list[str] = []
    main_name = False
    for field in unimarc.fields:
        tag = field.tag
        if field.is_control_field():
            if tag in ("001", "005"):
                marc.add_ordered_field(pymarc.Field(tag=tag, data=_plain(field.data or "")))
            else:
                left_out.append(tag)
            continue
        subs = [(code, _plain(value)) for code, value in field.subfields]
        made = _carried(tag, field, subs, unimarc)
        if made is None and tag in _NAME_TAGS:
            made = _name(tag, field.indicator1 or " ", subs, main=not main_name)
            main_name = main_name or made.tag in ("100", "110", "111")
        if made is None:
            left_out.append(tag)
        elif made:
            for each in made if isinstance(made, list) else [made]:
                marc.add_ordered_field(each)
    return marc, [_field_named(tag) for tag in dict.fromkeys(left_out)]


_LEVELS = {" ": " ", "1": "1", "2": "5", "3": "3"}


def _carried(
    tag: str, field: pymarc.Field, subs: Pairs, unimarc: pymarc.Record
) -> "pymarc.Field | list[pymarc.Field] | None":
    """The MARC 21 field(s) a UNIMARC data field becomes ([] when it is read elsewhere), or
    None when the crosswalk does not carry it."""
    ind1, ind2 = field.indicator1 or " ", field.indicator2 or " "
    if tag == "010":
        return _field("020", "  ", _renamed(subs, {"a": "a", "b": "q", "d": "c", "z": "z"}))
    if tag == "011":
        return _field("022", "  ", _renamed(subs, {"a": "a", "y": "y", "z": "z"}))
    if tag == "073":
        return _field("024", "3 ", _renamed(subs, {"a": "a", "z": "z"}))
    if tag == "035":
        return _field("035", "  ", _renamed(subs, {"a": "a", "z": "z"}))
    if tag == "100":
        return _fixed(subs, unimarc)
    if tag == "101":
        codes = _renamed(subs, {"a": "a", "c": "h"})
        return _field("041", ("1" if ind1 == "1" else "0") + " ", codes)
    if tag == "102":
        return _field("044", "  ", _renamed(subs, {"a": "c"}))
    if tag == "200":
        return _title(field, subs)
    if tag == "205":
        return _field("250", "  ", _renamed(subs, {"a": "a", "b": "b"}))
    if tag in ("210", "214"):
        # 214's second indicator: 0 publication, 1 production; 264's the other way round.
        new_tag, indicators = ("260", "  ") if tag == "210" else ("264", " " + _SWAP.get(ind2, "1"))
        names = {"a": "a", "c": "b", "d": "c", "e": "e", "g": "f", "h": "g"}
        return _field(new_tag, indicators, _renamed(subs, names))
    if tag == "215":
        return _field("300", "  ", _renamed(subs, {"a": "a", "c": "b", "d": "c", "e": "e"}))
    if tag == "225":
        return _field("490", "0 ", _renamed(subs, {"a": "a", "v": "v", "x": "x"}))
    if tag == "410":
        return _linked("830", " 0", subs)
    if tag == "454":
        return _linked("765", "0 ", subs, title_code="t")
    if tag == "500":
        return _field("240", "10", _renamed(subs, {"a": "a", "h": "n", "i": "p", "l": "k"}))
    if tag in ("510", "517", "541"):
        new_tag, indicators = _VARIANT_TITLES[tag]
        names = {"a": "a", "e": "b", "h": "n", "i": "p"}
        return _field(new_tag, indicators, _renamed(subs, names))
    if "300" <= tag <= "345":
        return _field(_NOTES.get(tag, "500"), "  ", _renamed(subs, {"a": "a"}))
    if tag in _SUBJECTS:
        return _subject(tag, subs)
    if tag == "610":
        return _field("653", "  ", _renamed(subs, {"a": "a"}))
    if tag == "675":
        return _field("080", "  ", _renamed(subs, {"a": "a", "v": "2"}))
    if tag == "676":
        return _field("082", "04", _renamed(subs, {"a": "a", "v": "2"}))
    if tag == "680":
        return _field("050", " 4", _renamed(subs, {"a": "a", "b": "b"}))
    if tag == "686":
        return _field("084", "  ", _renamed(subs, {"a": "a", "2": "2"}))
    if tag == "856":
        return _field("856", ind1 + ind2, subs)
    if tag == "995":
        return _holding(subs)
    return None


_SWAP = {"0": "1", "1": "0", "2": "2", "3": "3", "4": "4"}
_VARIANT_TITLES = {"510": ("246", "31"), "517": ("246", "3 "), "541": ("242", "00")}


def _plain(value: str) -> str:
    return _NON_SORT.sub("", value)


def _field(tag: str, indicators: str, subs: Pairs) -> "pymarc.Field | list[pymarc.Field]":
    if not subs:
        return []
    return pymarc.Field(
        tag=tag,
        indicators=pymarc.Indicators(indicators[0], indicators[1]),
        subfields=[pymarc.Subfield(code, value) for code, value in subs],
    )


def _renamed(subs: Pairs, codes: dict[str, str]) -> Pairs:
    return [(codes[code], value) for code, value in subs if code in codes and value.strip()]


def _fixed(subs: Pairs, unimarc: pymarc.Record) -> pymarc.Field:
    """008 from 100 $a (entered, dates) and 101 $a (language)."""
    general = next((value for code, value in subs if code == "a"), "").ljust(36)
    language = ""
    for found in unimarc.get_fields("101"):
        language = next((_plain(v) for c, v in found.subfields if c == "a"), "")
        break
    single = general[13:17].strip() in ("", "????")
    kind = "s" if single else "m"
    dates = general[9:13] + ("    " if single else general[13:17]) if general[9:13].strip() else ""
    fixed = (
        general[2:8] + kind + (dates or "||||||||") + "xx " + "|" * 17 + (language[:3] or "und")
        + " d"
    )  # fmt: skip
    return pymarc.Field(tag="008", data=fixed[:40].ljust(40))


def _title(field: pymarc.Field, subs: Pairs) -> pymarc.Field:
    """245 from 200: $a title, $e other title ($b), $h/$i part ($n/$p), $f/$g statement of
    responsibility ($c), $b general material designation ($h); the non-sort part of the
    title as its second indicator."""
    first = next((v for c, v in field.subfields if c == "a"), "")
    match = re.match("(?:\x88|\x1bH)(.*?)(?:\x89|\x1bI)", first)
    nonfiling = len(match.group(1)) if match else 0
    titles = [v for c, v in subs if c == "a"]
    made = [("a", " ; ".join(titles))] if titles else []
    for code, value in subs:
        if code in ("e", "h", "i", "b", "v"):
            made.append(({"e": "b", "h": "n", "i": "p", "b": "h", "v": "n"}[code], value))
    responsibility = [v for c, v in subs if c in ("f", "g")]
    if responsibility:
        made.append(("c", " ; ".join(responsibility)))
    return pymarc.Field(
        tag="245",
        indicators=pymarc.Indicators("1", str(min(nonfiling, 9))),
        subfields=[pymarc.Subfield(code, value) for code, value in made],
    )


def _linked(tag: str, indicators: str, subs: Pairs, title_code: str = "a") -> pymarc.Field:
    """A series (830) or original (765) from a linking field: its title is $t, or the $a of
    the 200 embedded in it ($1 2001...)."""
    title, embedded = "", ""
    for code, value in subs:
        if code == "1":
            embedded = value[:3]
        elif code == "t" or (code == "a" and embedded in ("", "200") and not title):
            title = title or value
    made = [(title_code, title)] if title else []
    made += [("v", value) for code, value in subs if code == "v"]
    return _field(tag, indicators, made)  # type: ignore[return-value]


def _name_subfields(subs: Pairs) -> Pairs:
    """A person's or body's name: "Surname, Forename" in $a, with $b numerals, $c additions,
    $d dates, $q full forename, $0 authority number, $4 relators as MARC 21's codes."""
    surname = next((v.strip() for c, v in subs if c == "a"), "")
    forename = next((v.strip().lstrip(",").strip() for c, v in subs if c == "b"), "")
    made = [("a", f"{surname}, {forename}" if forename and surname else surname or forename)]
    codes = {"d": "b", "c": "c", "f": "d", "g": "q", "3": "0"}
    made += [(codes[c], v) for c, v in subs if c in codes]
    made += [("4", _RELATORS.get(v.strip(), v.strip())) for c, v in subs if c == "4"]
    return [(c, v) for c, v in made if v]


def _name(tag: str, ind1: str, subs: Pairs, *, main: bool) -> pymarc.Field:
    """100/700 from 700/701/702 (a person: 700 the main entry); 110/111/710/711 from
    710/711/712 (a body; first indicator 1 a meeting)."""
    if tag in ("700", "701", "702"):
        new_tag = "100" if tag == "700" and main else "700"
        return _field(new_tag, "1 ", _name_subfields(subs))  # type: ignore[return-value]
    body = [("a", v) for c, v in subs if c == "a"] + [
        ({"b": "b", "d": "n", "e": "c", "f": "d", "3": "0"}[c], v) for c, v in subs if c in "bdef3"
    ]
    body += [("4", _RELATORS.get(v.strip(), v.strip())) for c, v in subs if c == "4"]
    main_tag, tag_added = ("111", "711") if ind1 == "1" else ("110", "710")
    new_tag = main_tag if tag == "710" and main else tag_added
    return _field(new_tag, "2 ", body)  # type: ignore[return-value]


def _subject(tag: str, subs: Pairs) -> "pymarc.Field | list[pymarc.Field]":
    new_tag, ind1 = _SUBJECTS[tag]
    if tag in ("600", "602", "604"):
        made = _name_subfields([(c, v) for c, v in subs if c in "abcdfg3"])
        made += [("t", v) for c, v in subs if c == "t"]
    else:
        made = [("a", v) for c, v in subs if c == "a"]
        made += [("b", v) for c, v in subs if c == "b" and tag == "601"]
    made += [(_SUBDIVISIONS[c], v) for c, v in subs if c in _SUBDIVISIONS]
    scheme = next((v.strip() for c, v in subs if c == "2"), "")
    if scheme:
        made.append(("2", scheme))
    return _field(new_tag, ind1 + ("7" if scheme else "4"), [(c, v) for c, v in made if v])


def _holding(subs: Pairs) -> "pymarc.Field | list[pymarc.Field]":
    """852 from a 995 as BCDI, PMB and Koha's UNIMARC framework write it: $f barcode ($p),
    $k call number ($h), location $e, else $c (holding branch), else $b (owner) ($b), $u
    note ($z)."""
    value = {code: v.strip() for code, v in reversed(subs) if v.strip()}
    location = value.get("e") or value.get("c") or value.get("b") or ""
    made = [("b", location), ("h", value.get("k", "")), ("p", value.get("f", ""))]
    made.append(("z", value.get("u", "")))
    return _field("852", "  ", [(c, v) for c, v in made if v])


def _field_named(tag: str) -> str:
    name = _FIELD_NAMES.get(tag) or next(
        (kind for first, kind in _FIELD_KINDS if tag.startswith(first)), None
    )
    if name is None:
        return gettext("field %(tag)s") % {"tag": tag}
    return gettext("field %(tag)s (%(name)s)") % {"tag": tag, "name": name}
