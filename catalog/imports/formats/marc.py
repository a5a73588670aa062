"""Reading ISO 2709 files (MARC 21, or UNIMARC by way of MARC 21) record by record, resuming
after any damaged record."""

import re
import unicodedata
from collections.abc import Iterator
from typing import IO

import pymarc
from django.utils.translation import get_language, gettext, gettext_lazy

from catalog.imports.formats.marc21 import (
    MAPPED_TAGS,
    MarcField,
    MarcFields,
    marc_map,
    subfields_cleaned,
)
from catalog.imports.formats.marc_text import (
    looks_utf8,
    marc8_controls_spaced,
    marc8_implausible,
    marc8_unreadable,
    raw_control_number,
    raw_title,
)
from catalog.imports.formats.source import (
    STRUCTURE_DAMAGED,
    FileUnreadable,
    RecordRejected,
    SourceRecord,
    identifiers_label,
)
from catalog.imports.formats.unimarc import unimarc_shaped, unimarc_source

RECORD_TERMINATOR = b"\x1d"
MAX_MARC_RECORD = 99_999  # ISO 2709 record lengths have five digits
READ_BLOCK = 1 << 20
_MARC8_UNREADABLE = gettext_lazy(
    "Some characters could not be read (MARC-8) and were left out of these fields: "
    "%(fields)s. Check their text."
)
_MARC8_CONTROLS = gettext_lazy(
    "Control characters (a tab or a line break, say) in the MARC-8 text of these fields were "
    "read as spaces: %(fields)s."
)
_CODE_DAMAGED = gettext_lazy(
    "A subfield code was damaged in these fields and read as the likeliest code: %(fields)s. "
    "Check them."
)


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


_ODD_CODE = re.compile("\x1f[^\x00-\x7f]")
# A directory's entries: tag, field length, field start.
_ENTRY = re.compile(r"(...)(....)(.....)", re.DOTALL)
# Control characters but for the marks of fields and subfields: a record with none before its
# terminator has none in its subfield values unless a field's text holds a field mark. (A
# translate that drops them scans a record faster than a regular expression.)
_CONTROL_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x1E), 0x7F])


def marc_read_direct(raw: bytes) -> MarcFields | None:
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
        controls = len(raw[:end].translate(None, _CONTROL_BYTES)) != end
        fields: list[MarcField] = []
        by_tag: dict[str, list[MarcField]] = {}
        for tag, length_digits, start_digits in _ENTRY.findall(directory):
            if tag not in MAPPED_TAGS:
                continue
            start = base + int(start_digits)
            stop = start + int(length_digits) - 1
            # A field must end where the directory says: pymarc copes with wrong offsets.
            if stop >= end or raw[stop] != 0x1E:
                return None
            if text is not None:
                value = text[start:stop]
            else:
                value = raw[start:stop].decode("utf-8")
                if _ODD_CODE.search(value):  # pymarc reads such a subfield code its own way
                    return None
            if tag < "010":
                field: MarcField = (tag, value, " ", [])
            else:
                # (code, value) pairs, as pymarc.Subfield unpacks: plain tuples are cheaper.
                subfields = [(part[0], part[1:]) for part in value[2:].split("\x1f") if part]
                if controls or "\x1e" in value:
                    subfields = subfields_cleaned(subfields)
                field = (tag, None, value[1:2] or " ", subfields)
            fields.append(field)
            same = by_tag.get(tag)
            if same is None:
                by_tag[tag] = [field]
            else:
                same.append(field)
        return MarcFields(fields, by_tag)
    except (ValueError, UnicodeDecodeError):
        return None


def marc_read(raw: bytes) -> "pymarc.Record | MarcFields":
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


def directory_mended(raw: bytes) -> bytes | None:
    """The record with its directory written again from where its fields really end, when
    the directory's lengths or starts miss its field terminators (0x1E) but the fields are as
    many as its entries and in its order (a length counted in characters, not bytes, is the
    usual cause); None when the directory is right, or too damaged to mend this way. Read by
    its lengths, such a record loses the last characters of its fields without a word."""
    try:
        base = int(raw[12:17])
    except ValueError:
        return None
    if not 25 <= base <= len(raw) or raw[base - 1] != 0x1E:
        return None
    directory = raw[24 : base - 1]
    if len(directory) % 12 or not directory.isascii() or not raw.endswith(b"\x1e\x1d"):
        return None
    last = directory[-12:]
    if last[3:].isdigit() and base + int(last[7:]) + int(last[3:7]) == len(raw) - 1:
        return None  # the last field ends where the record does: the common, sound case
    entries = [directory[i : i + 12] for i in range(0, len(directory), 12)]
    fields = raw[base:-2].split(b"\x1e")
    if len(fields) != len(entries) or not all(entry[3:].isdigit() for entry in entries):
        return None
    starts = [int(entry[7:]) for entry in entries]
    if starts != sorted(starts):
        return None  # fields listed out of order: pairing them by position would mislabel them
    mended, start = [], 0
    for entry, field in zip(entries, fields, strict=True):
        mended.append(entry[:3] + b"%04d%05d" % (len(field) + 1, start))
        start += len(field) + 1
    if mended == entries or any(len(entry) != 12 for entry in mended):
        return None  # right as it is, or a field too long for a directory entry
    body = b"".join(mended) + b"\x1e" + raw[base:]
    length = 24 + len(body)
    if length > 99_999:
        return None
    return b"%05d" % length + raw[5:12] + b"%05d" % (24 + len(mended) * 12 + 1) + raw[17:24] + body


def marc_transcoded(raw: bytes, encoding: str) -> bytes | None:
    """The record in UTF-8 (leader/09 'a'), its fields decoded from `encoding` and its
    directory written again for their new lengths; None when its directory and fields do
    not pair up (fields out of order, a field too long)."""
    try:
        base = int(raw[12:17])
    except ValueError:
        return None
    if not 25 <= base <= len(raw) or raw[base - 1] != 0x1E or not raw.endswith(b"\x1e\x1d"):
        return None
    directory = raw[24 : base - 1]
    entries = [directory[i : i + 12] for i in range(0, len(directory), 12)]
    fields = raw[base:-2].split(b"\x1e")
    if len(directory) % 12 or len(fields) != len(entries):
        return None
    if not all(entry[3:].isdigit() for entry in entries):
        return None
    starts = [int(entry[7:]) for entry in entries]
    if starts != sorted(starts):
        return None
    written = [field.decode(encoding, errors="replace").encode("utf-8") for field in fields]
    made, start = [], 0
    for entry, field in zip(entries, written, strict=True):
        made.append(entry[:3] + b"%04d%05d" % (len(field) + 1, start))
        start += len(field) + 1
    if any(len(entry) != 12 for entry in made):
        return None
    body = b"".join(made) + b"\x1e" + b"\x1e".join(written) + b"\x1e\x1d"
    length = 24 + len(body)
    if length > MAX_MARC_RECORD:
        return None
    return (
        b"%05d" % length + raw[5:9] + b"a" + raw[10:12] + b"%05d" % (24 + len(made) * 12 + 1)
        + raw[17:24] + body
    )  # fmt: skip


# A subfield code that is not ASCII (a damaged byte where the code should be, or before it).
_ODD_CODE_BYTES = re.compile(rb"\x1f[\x80-\xff]")


def subfield_codes_damaged(raw: bytes, record: pymarc.Record | None = None) -> list[str]:
    """The tags of a record's fields with a subfield code that is not ASCII; with `record`
    (pymarc's reading of `raw`), each such subfield is mended there. pymarc reads an accented
    code as its letter ("á" as $a), but a character with no letter in it (U+FFFD, say) as the
    letter after it, which it keeps in the value too ("bAssociation of Teacher Educators]" as
    $b): that letter is the code, and the character before it is damage."""
    if not _ODD_CODE_BYTES.search(raw):
        return []
    try:
        base = int(raw[12:17])
        directory = raw[24 : base - 1].decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return []
    found: list[str] = []
    for index in range(len(directory) // 12):
        entry = directory[index * 12 : index * 12 + 12]
        if not entry[3:].isdigit():
            return found
        start = base + int(entry[7:])
        data = raw[start : start + int(entry[3:7]) - 1]
        if not _ODD_CODE_BYTES.search(data):
            continue
        field = None if record is None or index >= len(record.fields) else record.fields[index]
        parts = [part for part in data.split(b"\x1f")[1:] if part]
        for number, part in enumerate(parts):
            if part[0] < 0x80:
                continue
            found.append(entry[:3])
            if field is None or field.is_control_field() or number >= len(field.subfields):
                continue
            code, value = field.subfields[number]
            if value[:1] == code and not _letter_in(part):
                field.subfields[number] = pymarc.Subfield(code, value[1:])
    return list(dict.fromkeys(found))


# A tag as MARC writes it: three digits, or letters and digits for some systems' local fields.
_TAG = re.compile(r"[0-9A-Za-z]{3}")
# A directory whose every entry has such a tag: one match in C spares the reader thread a look
# at each entry of every sound record.
_SOUND_DIRECTORY = re.compile(rb"(?:[0-9A-Za-z]{3}[0-9]{9})*")
# How much of a field with a damaged tag its warning quotes.
_DAMAGED_FIELD_QUOTED = 80


def tags_damaged(raw: bytes) -> list[tuple[str, str]]:
    """The fields whose tag is damaged (a space or a sign where a digit should be), each as
    (tag as written, its text): no mapping reads them, so what they hold (an ISBN, say) is not
    imported, and the librarian is told which field it was and what it said."""
    try:
        base = int(raw[12:17])
    except ValueError:
        return []
    if _SOUND_DIRECTORY.fullmatch(raw, 24, base - 1):
        return []
    directory = raw[24 : base - 1].decode("latin-1")
    found = []
    for index in range(len(directory) // 12):
        entry = directory[index * 12 : index * 12 + 12]
        if not entry[3:].isdigit():
            break
        if _TAG.fullmatch(entry[:3]):
            continue
        start = base + int(entry[7:])
        data = raw[start : start + int(entry[3:7])].split(b"\x1e")[0]
        first, *subfields = data.split(b"\x1f")
        # Two characters before the first subfield are indicators, not text.
        parts = [first] if len(first) > 2 or not subfields else []
        text = b" ".join([*parts, *(part[1:] for part in subfields)])
        quoted = " ".join(text.decode("utf-8", errors="replace").split())
        if len(quoted) > _DAMAGED_FIELD_QUOTED:
            quoted = quoted[: _DAMAGED_FIELD_QUOTED - 1] + "\u2026"
        found.append((entry[:3], quoted))
    return found


def _letter_in(code: bytes) -> bool:
    """Whether pymarc finds its code in a damaged code's first character, as it decodes it."""
    try:
        first = code.decode("utf-8")[:1]
    except UnicodeDecodeError:
        first = code[:1].decode("latin-1")
    return bool(unicodedata.normalize("NFKD", first).encode("ascii", "ignore"))


def marc_parse(raw: bytes) -> pymarc.Record:
    """One ISO 2709 record decoded (MARC-8 or UTF-8), or RecordRejected saying why not."""
    _marc_check(raw)
    # Leader/09 'a' means UTF-8; many files say MARC-8 yet carry UTF-8, which decodes cleanly.
    force_utf8 = raw[9:10] != b"a" and looks_utf8(raw)
    try:
        record = pymarc.Record(
            data=raw, to_unicode=True, force_utf8=force_utf8, hide_utf8_warnings=True
        )
    except UnicodeDecodeError as error:
        raise RecordRejected(
            gettext(
                "Some of the record's text is neither MARC-8 nor UTF-8 (at byte %(byte)s of the "
                "record): save the file as UTF-8 MARC and import it again."
            )
            % {"byte": error.start}
        ) from None
    except (pymarc.exceptions.PymarcException, ValueError, IndexError):
        raise RecordRejected(str(STRUCTURE_DAMAGED)) from None
    subfield_codes_damaged(raw, record)
    return record


def marc_records(
    stream: IO[bytes], start_after: int = 0, start_offset: int = 0
) -> Iterator[tuple[SourceRecord, int]]:
    """Records from ISO 2709; with `start_offset` (a record boundary), reading starts there."""
    if start_offset:
        stream.seek(start_offset)
    unimarc: bool | None = None
    language = get_language()
    for position, (raw, read) in enumerate(marc_split(stream), start=start_after + 1):
        if position == 1 and not _LEADER.match(raw[:24]):
            raise FileUnreadable(
                gettext(
                    "This is not a MARC 21 or UNIMARC file: it does not begin with a MARC "
                    "record's leader (a record length, then a base address of data, in its "
                    "first 24 characters). Choose the file's real format, or export it again "
                    "as MARC 21 or UNIMARC (ISO 2709)."
                )
            )
        if unimarc is None:
            # The file's first record read decides how the file is read (on a resumed job,
            # the first after its checkpoint).
            unimarc = unimarc_shaped(raw)
        read += start_offset
        source = SourceRecord(position=position, raw=raw)
        if not raw.endswith(RECORD_TERMINATOR):
            raw = _file_end_read(source)
            if source.error:
                yield source, read
                continue
        if unimarc:
            unimarc_source(source)
            yield source, read
            continue
        try:
            mended = directory_mended(raw)
            if mended is not None:
                source.warnings.append(
                    gettext(
                        "The record was damaged: its list of fields gave wrong lengths, so each "
                        "field was read up to its end mark instead. Check the record."
                    )
                )
            readable = mended or raw
            for tag, text in tags_damaged(readable):
                source.warnings.append(
                    gettext(
                        "A field's tag is damaged (\u201c%(tag)s\u201d), so the field was not "
                        "read and what it holds is not imported: \u201c%(text)s\u201d. Check "
                        "the record and add it under its right tag if the record needs it."
                    )
                    % {"tag": tag, "text": text}
                )
            guessed = marc8_implausible(readable)
            transcoded = marc_transcoded(readable, "cp1251") if guessed == "cp1251" else None
            if transcoded is not None:
                readable = transcoded
                source.warnings.append(
                    gettext(
                        "The record says its text is MARC-8, but it is Cyrillic in "
                        "Windows-1251: it was read as Windows-1251 and is kept in UTF-8. "
                        "Check the title and other text."
                    )
                )
            elif guessed:
                source.warnings.append(
                    gettext(
                        "The record says its text is MARC-8, but it is in another encoding, so "
                        "its letters outside A-Z may be wrong: check the title and other text, "
                        "or export the record again as UTF-8 MARC."
                    )
                )
            readable, spaced = marc8_controls_spaced(readable)
            read_record = marc_read(readable)
            source.data, source.items = marc_map(read_record, source.warnings)
            source.data.source_marc = readable
            source.fields_warned(_MARC8_CONTROLS, spaced)
            source.fields_warned(_MARC8_UNREADABLE, [] if guessed else marc8_unreadable(readable))
            # Only pymarc reads a record with such a code: marc_read_direct leaves it to it.
            source.fields_warned(
                _CODE_DAMAGED,
                subfield_codes_damaged(readable) if isinstance(read_record, pymarc.Record) else [],
            )
        except RecordRejected as error:
            source.error = str(error)
            source.identifiers = raw_control_number(raw)
            source.title = raw_title(raw)
        else:
            source.identifiers = identifiers_label(source.data, language)
        yield source, read


# A leader: record length (5 digits), status, type, level, control, coding, indicator and
# subfield counts, base address of data (5 digits); checked on the file's first record only.
_LEADER = re.compile(rb"^\d{5}[\x20-\x7e]{7}\d{5}[\x20-\x7e]{7}$")


def marc_file_unimarc(stream: IO[bytes]) -> bool:
    """Whether a MARC file is UNIMARC, by its first record's shape (unimarc_shaped)."""
    first = next(marc_split(stream), None)
    stream.seek(0)
    return first is not None and unimarc_shaped(first[0])


def _file_end_read(source: SourceRecord) -> bytes:
    """The file's last piece, which has no record terminator: when only the terminator is
    missing (the leader's length is one byte more, and the last field ends whole), the record
    with its terminator and a warning; when the file stops before the leader's length, the
    row says the file was cut short in this record. Anything else is read as it stands."""
    raw = source.raw
    stated = int(raw[:5]) if raw[:5].isdigit() else 0
    if stated == len(raw) + 1 and raw.endswith(b"\x1e"):
        source.raw = raw + RECORD_TERMINATOR
        source.warnings.append(
            gettext(
                "The file's last record had no end mark (0x1D), but its fields are whole: it "
                "was read. Check that the file was not cut short."
            )
        )
    elif stated > len(raw):
        source.error = gettext(
            "The file ends inside this record: it was cut short (%(read)s of its %(stated)s "
            "bytes are in the file). Export the file again and import it again."
        ) % {"read": len(raw), "stated": stated}
        source.identifiers = raw_control_number(raw)
        source.title = raw_title(raw)
    return source.raw
