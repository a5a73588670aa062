"""Reading ISO 2709 (MARC 21) files record by record, resuming after any damaged record."""

import re
from collections.abc import Iterator
from typing import IO

import pymarc
from django.utils.translation import gettext

from catalog.imports.formats.marc21 import marc_map
from catalog.imports.formats.source import (
    FileUnreadable,
    RecordRejected,
    SourceRecord,
    identifiers_label,
)

RECORD_TERMINATOR = b"\x1d"
MAX_MARC_RECORD = 99_999  # ISO 2709 record lengths have five digits
READ_BLOCK = 1 << 20


def marc_split(stream: IO[bytes]) -> Iterator[tuple[bytes, int]]:
    """Yield each record's bytes (and the bytes read so far), found by its terminator.

    pymarc's reader trusts each leader's length, so one bad length or leader makes it lose
    the rest of the file; splitting on the record terminator lets reading resume at the next
    record whatever the damage. Memory holds one block and one record at most.
    """
    buffer = b""
    read = 0
    skipping = False
    while True:
        block = stream.read(READ_BLOCK)
        if not block:
            break
        read += len(block)
        buffer += block
        start = 0
        while True:
            end = buffer.find(RECORD_TERMINATOR, start)
            if end < 0:
                break
            piece = buffer[start : end + 1]
            start = end + 1
            if skipping:
                skipping = False
                continue
            piece = piece.lstrip(b" \t\r\n")
            if piece != RECORD_TERMINATOR:
                yield piece, read - (len(buffer) - start)
        buffer = buffer[start:]
        if len(buffer) > MAX_MARC_RECORD and not skipping:
            # No terminator within the longest possible record: report it once, drop the rest.
            yield buffer[:MAX_MARC_RECORD], read
            buffer = b""
            skipping = True
        elif skipping:
            buffer = b""
    rest = buffer.strip(b" \t\r\n\x1a")
    if rest and not skipping:
        yield rest, read


def _looks_utf8(raw: bytes) -> bool:
    if raw.isascii():
        return False
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class _Field:
    """The few parts of a MARC field the mapping reads (pymarc.Field's names)."""

    __slots__ = ("data", "indicator1", "indicator2", "subfields", "tag")

    def __init__(self, tag: str, text: str) -> None:
        self.tag = tag
        if tag < "010":
            self.data: str | None = text
            self.indicator1 = self.indicator2 = " "
            self.subfields: list[tuple[str, str]] = []
        else:
            self.data = None
            self.indicator1, self.indicator2 = text[:1] or " ", text[1:2] or " "
            # (code, value) pairs, as pymarc.Subfield unpacks: plain tuples are cheaper to make.
            self.subfields = [(part[0], part[1:]) for part in text[2:].split("\x1f") if part]


class _Record:
    """Just the mapped fields of a record whose text needs no MARC-8 conversion."""

    __slots__ = ("fields", "ordered")

    def __init__(self, ordered: list[_Field]) -> None:
        self.ordered = ordered
        self.fields: dict[str, list[_Field]] = {}
        for found in ordered:
            self.fields.setdefault(found.tag, []).append(found)

    def get(self, tag: str) -> _Field | None:
        found = self.fields.get(tag)
        return found[0] if found else None

    def get_fields(self, *tags: str) -> list[_Field]:
        if len(tags) == 1:
            return self.fields.get(tags[0], [])
        # In the record's order, as pymarc gives them (subjects keep their order).
        return [f for f in self.ordered if f.tag in tags]


_MAPPED_TAGS = frozenset(
    (
        "001",
        "003",
        "008",
        "010",
        "020",
        "022",
        "035",
        "041",
        "100",
        "110",
        "111",
        "245",
        "250",
        "260",
        "264",
        "490",
        "520",
        "600",
        "610",
        "611",
        "630",
        "648",
        "650",
        "651",
        "655",
        "700",
        "710",
        "711",
        "830",
        "852",
        "952",
    )
)


_ODD_CODE = re.compile("\x1f[^\x00-\x7f]")


def marc_read_direct(raw: bytes) -> _Record | None:
    """Read the mapped fields straight from the directory when the text is UTF-8 (or plain
    ASCII), for marc_map as it reads pymarc's records. Anything unexpected returns None and
    the record goes through pymarc instead (marc_parse)."""
    try:
        base = int(raw[12:17])
        end = len(raw) - 1
        if base > len(raw) or raw[base - 1] != 0x1E:
            return None
        directory = raw[24 : base - 1].decode("ascii")
        if len(directory) % 12:
            return None
        # Plain ASCII (most files) is decoded once; byte offsets are then character offsets.
        text = raw.decode("ascii") if raw.isascii() else None
        fields = []
        for i in range(0, len(directory), 12):
            tag = directory[i : i + 3]
            if tag not in _MAPPED_TAGS:
                continue
            length = int(directory[i + 3 : i + 7])
            start = base + int(directory[i + 7 : i + 12])
            # A field must end where the directory says: pymarc copes with wrong offsets.
            if start + length > end or raw[start + length - 1] != 0x1E:
                return None
            if text is not None:
                value = text[start : start + length - 1]
            else:
                value = raw[start : start + length - 1].decode("utf-8")
                if _ODD_CODE.search(value):  # pymarc reads such a subfield code its own way
                    return None
            fields.append(_Field(tag, value))
        return _Record(fields)
    except (ValueError, UnicodeDecodeError):
        return None


def marc_read(raw: bytes) -> "pymarc.Record | _Record":
    """The record for mapping: the fast path for UTF-8 and ASCII, pymarc for MARC-8 text."""
    _marc_check(raw)
    fast = raw[9:10] == b"a" or (raw.isascii() and b"\x1b" not in raw)
    if fast:
        found = marc_read_direct(raw)
        if found is not None:
            return found
    return marc_parse(raw)


def _marc_check(raw: bytes) -> None:
    if len(raw) < 25 or not raw[:5].isdigit():
        raise RecordRejected(gettext("Not a MARC record: its leader does not start with a length."))
    if len(raw) > MAX_MARC_RECORD or not raw.endswith(RECORD_TERMINATOR):
        raise RecordRejected(
            gettext("The record has no end: its record terminator (0x1D) is missing.")
        )


def marc_parse(raw: bytes) -> pymarc.Record:
    """One ISO 2709 record decoded (MARC-8 or UTF-8), or RecordRejected saying why not."""
    _marc_check(raw)
    # Leader/09 'a' means UTF-8; many files say MARC-8 yet carry UTF-8, which decodes cleanly.
    force_utf8 = raw[9:10] != b"a" and _looks_utf8(raw)
    try:
        return pymarc.Record(
            data=raw, to_unicode=True, force_utf8=force_utf8, hide_utf8_warnings=True
        )
    except UnicodeDecodeError as error:
        raise RecordRejected(
            gettext(
                "The record's text is not valid %(encoding)s (byte %(byte)s); re-save it as "
                "UTF-8 MARC."
            )
            % {"encoding": error.encoding, "byte": error.start}
        ) from None
    except (pymarc.exceptions.PymarcException, ValueError, IndexError):
        raise RecordRejected(
            gettext(
                "The record's structure is damaged (its directory does not match its fields): "
                "export it again from the system it came from."
            )
        ) from None


def marc_records(
    stream: IO[bytes], start_after: int = 0, start_offset: int = 0
) -> Iterator[tuple[SourceRecord, int]]:
    """Records from ISO 2709; with `start_offset` (a record boundary), reading starts there."""
    if start_offset:
        stream.seek(start_offset)
    for position, (raw, read) in enumerate(marc_split(stream), start=start_after + 1):
        if position == 1 and not _LEADER.match(raw[:24]):
            raise FileUnreadable(
                gettext(
                    "This is not a MARC 21 file: it does not begin with a MARC record's leader "
                    "(a record length, then a base address of data, in its first 24 "
                    "characters). Choose the file's real format, or export it again as MARC 21 "
                    "(ISO 2709)."
                )
            )
        read += start_offset
        source = SourceRecord(position=position, raw=raw)
        try:
            source.data, source.items = marc_map(marc_read(raw))  # type: ignore[arg-type]
            source.data.source_marc = raw
        except RecordRejected as error:
            source.error = str(error)
            source.identifiers = _raw_control_number(raw)
        else:
            source.identifiers = identifiers_label(source.data)
        yield source, read


# A leader: record length (5 digits), status, type, level, control, coding, indicator and
# subfield counts, base address of data (5 digits); checked on the file's first record only.
_LEADER = re.compile(rb"^\d{5}[\x20-\x7e]{7}\d{5}[\x20-\x7e]{7}$")


def _raw_control_number(raw: bytes) -> str:
    # Best effort for damaged records: the 001 is often still readable.
    match = re.search(rb"\x1e([A-Za-z0-9 .-]{1,40})\x1e", raw[:2000])
    return f"001 {match.group(1).decode('ascii').strip()}?" if match else ""
