"""The text encodings of MARC records: whether a record is UTF-8, which of a MARC-8 record's
fields pymarc cannot read whole, and whether bytes that claim to be MARC-8 are another 8-bit
encoding."""

import re
import unicodedata
from typing import cast

import pymarc
from pymarc import marc8_mapping
from pymarc.marc8 import MARC8ToUnicode

from catalog.text import closing_punctuation_stripped


def looks_utf8(raw: bytes) -> bool:
    """Whether a record that is not plain ASCII reads whole as UTF-8."""
    if raw.isascii():
        return False
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class _MARC8Counted(MARC8ToUnicode):
    """pymarc's MARC-8 converter, counting the characters it cannot read and leaves out
    instead of printing them: it asks for its `quiet` flag exactly when it skips one."""

    def __init__(self) -> None:
        self.skipped = 0
        super().__init__()

    @property  # type: ignore[override]
    def quiet(self) -> bool:
        self.skipped += 1
        return True

    @quiet.setter
    def quiet(self, value: bool) -> None:
        pass


# The bytes after an escape that start a MARC-8 character set designation pymarc reads; an
# escape before any other byte is no text, and pymarc drops it, or keeps it to be read as a
# space, along with the letter it stood for.
_MARC8_DESIGNATIONS = frozenset(b"(,$)-s" + bytes(marc8_mapping.CODESETS))


def _marc8_escape_broken(value: bytes) -> bool:
    at = value.find(b"\x1b")
    while at >= 0:
        designation = value[at + 1 : at + 2]
        if not designation or designation[0] not in _MARC8_DESIGNATIONS:
            return True
        if designation in b"(,$)-" and len(value) < at + 3:
            return True
        at = value.find(b"\x1b", at + 1)
    return False


def marc8_unreadable(raw: bytes) -> list[str]:
    """The tags of a MARC-8 record's fields with characters pymarc cannot read (and leaves out
    of its text, or reads as a space): an unknown character or a broken escape. Nothing for
    a record in UTF-8, or one marc_parse cannot read at all."""
    if raw[9:10] == b"a" or (raw.isascii() and b"\x1b" not in raw) or looks_utf8(raw):
        return []
    try:
        record = pymarc.Record(data=raw, to_unicode=False)
    except (pymarc.exceptions.PymarcException, ValueError, IndexError, UnicodeDecodeError):
        return []
    tags = []
    for field in record.fields:
        for subfield in [] if field.is_control_field() else field.subfields:
            value = cast(bytes, subfield.value)  # to_unicode=False: the bytes as written
            converter = _MARC8Counted()
            try:
                converter.translate(value)
            except (IndexError, TypeError):
                continue  # marc_parse rejects the record
            if converter.skipped or (b"\x1b" in value and _marc8_escape_broken(value)):
                tags.append(field.tag)
                break
    return list(dict.fromkeys(tags))


# The bytes Windows-1251 gives the Cyrillic letters (A to ya, Yo, yo), which ANSEL, MARC-8's
# default extended set, reads as diacritics or not at all.
_CYRILLIC_1251 = frozenset([*range(0xC0, 0x100), 0xA8, 0xB8])
_HIGH_RUN = re.compile(rb"[\x80-\xff]+")


def marc8_implausible(raw: bytes) -> str:
    """ "" when a record's text reads as MARC-8 (or is UTF-8, or ASCII); "cp1251" when it
    says MARC-8 but is Cyrillic in Windows-1251, as Russian and Ukrainian systems export it;
    "unknown" for another 8-bit encoding. MARC-8 writes a diacritic before its letter and
    switches to Cyrillic by an escape: text with neither escapes nor letters between most of
    its 8-bit bytes is not MARC-8, and read as such would be garbage."""
    if raw[9:10] == b"a" or raw.isascii() or b"\x1b" in raw or looks_utf8(raw):
        return ""
    runs = _HIGH_RUN.findall(raw[24:])
    high = sum(map(len, runs))
    if sum(len(run) for run in runs if len(run) > 1) * 2 < high:
        return ""
    cyrillic = [byte for run in runs for byte in run if byte in _CYRILLIC_1251]
    # Text is mostly small letters: where KOI8-R's capitals stand, Windows-1251 has its small.
    small = sum(byte >= 0xE0 or byte == 0xB8 for byte in cyrillic)
    plausible = len(cyrillic) * 10 >= high * 9 and small * 10 >= len(cyrillic) * 6
    return "cp1251" if plausible else "unknown"


def raw_control_number(raw: bytes) -> str:
    """A damaged record's control number (001) as far as its bytes still show it, for the row
    of a record that cannot be read: "" when they do not. BCDI and PMB write "/" and "\\" in
    theirs."""
    found = re.search(rb"\x1e([A-Za-z0-9 .\\/-]{1,40})\x1e", raw[:2000])
    return f"001 {found.group(1).decode('ascii').strip()}?" if found else ""


def raw_title(raw: bytes) -> str:
    """The $a of a damaged record's title field (245, or UNIMARC's 200) as far as its directory
    still finds it, for the row of a record that cannot be read: "" when it does not. As the
    mapping reads a title, without ISBD's closing punctuation ("The pragmatic programmer :")."""
    try:
        base = int(raw[12:17])
        directory = raw[24 : base - 1].decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return ""
    entries = [directory[i : i + 12] for i in range(0, len(directory) - 11, 12)]
    for entry in sorted(entries, key=lambda each: each[:3] != "245"):
        if entry[:3] not in ("245", "200") or not entry[3:].isdigit():
            continue
        start = base + int(entry[7:])
        data = raw[start : start + int(entry[3:7])].split(b"\x1e")[0]
        title = next((part[1:] for part in data.split(b"\x1f")[1:] if part[:1] == b"a"), b"")
        text = title.decode("cp1252" if cp1252_plausible(title) else "utf-8", errors="replace")
        return closing_punctuation_stripped(
            " ".join(re.sub("[\x00-\x1f\x88\x89]", " ", text).split())
        )[:300]
    return ""


# A character UTF-8 writes in more than one byte, as UTF-8 writes it.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
# Windows-1252's signs that are not letters but stand in plain text: quotes, dashes, an
# ellipsis, guillemets, a no-break space, a degree, the euro.
_CP1252_SIGNS = frozenset(
    "\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00ab\u00bb\u00a0\u00b0\u20ac"
)


def cp1252_plausible(text: bytes) -> bool:
    """Whether 8-bit text that is not UTF-8 reads as Windows-1252 (Latin-1, as older French
    and German systems export it): none of UTF-8's sequences in it, and each of its bytes
    outside ASCII a letter or a sign of running text there. Text that is UTF-8 but for a few
    damaged bytes has UTF-8's sequences, and stays UTF-8."""
    if text.isascii() or _UTF8_SEQUENCE.search(text):
        return False
    try:
        decoded = text.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return all(c.isascii() or c.isalpha() or c in _CP1252_SIGNS for c in decoded)


# The control bytes pymarc's MARC-8 reading leaves out of the text (all but the escape, which
# starts a character set, and the marks of records, fields and subfields).
_MARC8_CONTROLS = re.compile(rb"[\x00-\x1a\x1c\x7f]")


def marc8_controls_spaced(raw: bytes) -> tuple[bytes, list[str]]:
    """A MARC-8 record with each control character of its fields' text written as a space,
    and the tags of the fields that had one. pymarc leaves them out, which glues together the
    words a vertical tab or a line break stood between; every other reading of a record takes
    them as a space. A record read as UTF-8, or whose directory cannot be read, is as it was."""
    if raw[9:10] == b"a" or (raw.isascii() and b"\x1b" not in raw) or looks_utf8(raw):
        return raw, []
    try:
        base = int(raw[12:17])
        directory = raw[24 : base - 1].decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return raw, []
    if not _MARC8_CONTROLS.search(raw, base):
        return raw, []
    tags = []
    for index in range(len(directory) // 12):
        entry = directory[index * 12 : index * 12 + 12]
        if not entry[3:].isdigit():
            break
        start = base + int(entry[7:])
        if _MARC8_CONTROLS.search(raw[start : start + int(entry[3:7])]):
            tags.append(entry[:3])
    # Byte for byte, so the directory's lengths and starts still hold.
    return raw[:base] + _MARC8_CONTROLS.sub(b" ", raw[base:]), list(dict.fromkeys(tags))


# ISO 5426, UNIMARC's 8-bit character set: its spacing characters, and its diacritics, which
# stand before their letter as MARC-8's do. Positions whose character is not certain are left
# out, so a record using them is warned of rather than read into the wrong letter.
_ISO5426_CHARACTERS = {
    0x88: "\x88", 0x89: "\x89",  # non-sort begin and end, read as UNIMARC's other encodings
    0xA1: "\u00a1", 0xA3: "\u00a3", 0xA4: "$", 0xA5: "\u00a5", 0xA6: "#", 0xA7: "\u00a7",
    0xA8: "\u00a4", 0xA9: "\u2018", 0xAA: "\u201c", 0xAB: "\u00ab", 0xAC: "\u266d",
    0xAD: "\u00a9", 0xAE: "\u2117", 0xAF: "\u00ae", 0xB0: "\u02bb", 0xB1: "\u02bc",
    0xB2: "\u201a", 0xB7: "\u00b7", 0xB8: "\u201e", 0xB9: "\u2019", 0xBA: "\u201d",
    0xBB: "\u00bb", 0xBC: "\u266f", 0xBD: "\u02b9", 0xBE: "\u02ba", 0xBF: "\u00bf",
    0xE1: "\u00c6", 0xE2: "\u0110", 0xE6: "\u0132", 0xE8: "\u0141", 0xE9: "\u00d8",
    0xEA: "\u0152", 0xEC: "\u00de", 0xF1: "\u00e6", 0xF2: "\u0111", 0xF3: "\u00f0",
    0xF5: "\u0131", 0xF6: "\u0133", 0xF8: "\u0142", 0xF9: "\u00f8", 0xFA: "\u0153",
    0xFB: "\u00df", 0xFC: "\u00fe",
}  # fmt: skip
_ISO5426_DIACRITICS = {
    0xC0: "\u0309", 0xC1: "\u0300", 0xC2: "\u0301", 0xC3: "\u0302", 0xC4: "\u0303",
    0xC5: "\u0304", 0xC6: "\u0306", 0xC7: "\u0307", 0xC8: "\u0308", 0xC9: "\u0308",
    0xCA: "\u030a", 0xCB: "\u0315", 0xCC: "\u0312", 0xCD: "\u030b", 0xCE: "\u031b",
    0xCF: "\u030c", 0xD0: "\u0327", 0xD3: "\u0328", 0xD4: "\u0325", 0xD5: "\u032e",
    0xD6: "\u0323", 0xD7: "\u0324", 0xD8: "\u0332", 0xD9: "\u0333", 0xDA: "\u0329",
    0xDB: "\u032d", 0xDD: "\ufe20", 0xDE: "\ufe21", 0xDF: "\ufe23",
}  # fmt: skip


def iso5426_decoded(value: bytes) -> tuple[str, int]:
    """ISO 5426 text in Unicode (composed), and how many of its bytes could not be read and
    were left out (a position with no certain character, or a diacritic with no letter)."""
    if value.isascii():
        return value.decode("ascii"), 0
    out: list[str] = []
    marks: list[str] = []
    skipped = 0
    for byte in value:
        if byte in _ISO5426_DIACRITICS:
            marks.append(_ISO5426_DIACRITICS[byte])
            continue
        character = chr(byte) if byte < 0x80 else _ISO5426_CHARACTERS.get(byte)
        if character is None:
            skipped += 1
            continue
        # Unicode writes a diacritic after its letter, ISO 5426 before it.
        out.append(character + "".join(marks))
        marks = []
    skipped += len(marks)
    return unicodedata.normalize("NFC", "".join(out)), skipped
