"""The text encodings of MARC records: whether a record is UTF-8, which of a MARC-8 record's
fields pymarc cannot read whole, and whether bytes that claim to be MARC-8 are another 8-bit
encoding."""

import re
from typing import cast

import pymarc
from pymarc import marc8_mapping
from pymarc.marc8 import MARC8ToUnicode


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
