"""Reading MARC 21, MARCXML and CSV record by record, and mapping them to catalog records."""

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import IO, Any
from xml.etree.ElementTree import Element

import pymarc
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from catalog.identifiers import InvalidIdentifier, identifier_normalize
from catalog.models import MAX_YEAR
from catalog.services import RecordData
from common.errors import ApplicationError

RECORD_TERMINATOR = b"\x1d"
MAX_MARC_RECORD = 99_999  # ISO 2709 record lengths have five digits
READ_BLOCK = 1 << 20
MARCXML_NS = "{http://www.loc.gov/MARC21/slim}"
LIST_SEPARATOR = ";"

# The documented CSV columns, in the order of the downloadable template.
CSV_COLUMNS = [
    "title",
    "subtitle",
    "authors",
    "isbn",
    "issn",
    "lccn",
    "control_number",
    "control_number_source",
    "publisher",
    "year",
    "edition",
    "language",
    "series",
    "summary",
    "subjects",
    "barcode",
    "call_number",
    "location",
]


class FileUnreadable(ApplicationError):
    """The file as a whole cannot be read further (not a single bad record)."""

    code = "file_unreadable"


class RecordRejected(Exception):
    """One record cannot be imported; the message says what to fix."""


@dataclass
class ItemData:
    barcode: str
    call_number: str = ""
    location: str = ""


@dataclass
class SourceRecord:
    """One record as it stands in the file: its position, its bytes, and what it says."""

    position: int
    raw: bytes
    data: RecordData | None = None
    items: list[ItemData] = field(default_factory=list)
    error: str = ""
    identifiers: str = ""
    # Worked out by the import while reading ahead: the keys it matches on, and the
    # record's COPY text (catalog.imports.services.Prepared).
    keys: list[str] = field(default_factory=list)
    prepared: Any = None


def data_to_json(data: RecordData, items: list[ItemData]) -> dict[str, Any]:
    payload = asdict(data)
    payload.pop("source_marc", None)
    payload["items"] = [asdict(item) for item in items]
    return payload


def data_from_json(payload: dict[str, Any]) -> tuple[RecordData, list[ItemData]]:
    payload = dict(payload)
    items = [ItemData(**item) for item in payload.pop("items", [])]
    for key in ("contributors", "subjects", "identifiers"):
        payload[key] = [tuple(pair) for pair in payload.get(key, [])]
    return RecordData(**payload), items


# --- ISO 2709 --------------------------------------------------------------------------------


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


def _fast_parse(raw: bytes) -> _Record | None:
    """Read the mapped fields straight from the directory when the text is UTF-8 (or plain
    ASCII). Anything unexpected returns None and the record goes through pymarc instead."""
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
        found = _fast_parse(raw)
        if found is not None:
            return found
    return marc_parse(raw)


def _marc_check(raw: bytes) -> None:
    if len(raw) < 25 or not raw[:5].isdigit():
        raise RecordRejected("Not a MARC record: its leader does not start with a length.")
    if len(raw) > MAX_MARC_RECORD or not raw.endswith(RECORD_TERMINATOR):
        raise RecordRejected("The record has no end: its record terminator (0x1D) is missing.")


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
            f"The record's text is not valid {error.encoding} (byte {error.start}); "
            "re-save it as UTF-8 MARC."
        ) from None
    except (pymarc.exceptions.PymarcException, ValueError, IndexError) as error:
        raise RecordRejected(f"The record's structure is damaged: {error}.") from None


def marc_records(
    stream: IO[bytes], start_after: int = 0, start_offset: int = 0
) -> Iterator[tuple[SourceRecord, int]]:
    """Records from ISO 2709; with `start_offset` (a record boundary), reading starts there."""
    if start_offset:
        stream.seek(start_offset)
    for position, (raw, read) in enumerate(marc_split(stream), start=start_after + 1):
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


def _raw_control_number(raw: bytes) -> str:
    # Best effort for damaged records: the 001 is often still readable.
    match = re.search(rb"\x1e([A-Za-z0-9 .-]{1,40})\x1e", raw[:2000])
    return f"001 {match.group(1).decode('ascii').strip()}?" if match else ""


# --- MARCXML ---------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml_to_marc(element: Element) -> pymarc.Record:
    record = pymarc.Record(force_utf8=True)
    for child in element:
        name = _local(child.tag)
        text = child.text or ""
        if name == "leader":
            if len(text) != 24:
                raise RecordRejected(f"The leader must be 24 characters, not {len(text)}.")
            record.leader = pymarc.Leader(text[:9] + "a" + text[10:])
        elif name == "controlfield":
            record.add_field(pymarc.Field(tag=child.get("tag", ""), data=text))
        elif name == "datafield":
            tag = child.get("tag", "")
            if not re.fullmatch(r"[0-9A-Za-z]{3}", tag):
                raise RecordRejected(f"Invalid field tag {tag!r}.")
            subfields = [
                pymarc.Subfield(code=sub.get("code", " "), value=sub.text or "")
                for sub in child
                if _local(sub.tag) == "subfield"
            ]
            indicators = pymarc.Indicators(child.get("ind1", " "), child.get("ind2", " "))
            record.add_field(pymarc.Field(tag=tag, indicators=indicators, subfields=subfields))
    return record


def marcxml_records(
    stream: IO[bytes], start_after: int = 0, start_offset: int = 0
) -> Iterator[tuple[SourceRecord, int]]:
    """Stream <record> elements; DTDs, entities and external references are refused."""
    position = 0
    root: Element | None = None
    try:
        for event, element in iterparse(
            stream, events=("start", "end"), forbid_dtd=True, forbid_entities=True
        ):
            if root is None:
                root = element
            if event != "end" or _local(element.tag) != "record":
                continue
            position += 1
            if position > start_after:
                yield _xml_source(position, element), stream.tell()
            # Drop what was read so memory holds one record at a time.
            element.clear()
            if root is not element:
                root.clear()
    except DefusedXmlException as error:
        raise FileUnreadable(
            f"The XML file was refused: {error.__class__.__name__} (DTDs, entities and "
            "external references are not allowed in MARCXML)."
        ) from None
    except SyntaxError as error:
        raise FileUnreadable(
            f"The XML file is not well-formed after record {position}: {error}."
        ) from None


def _xml_source(position: int, element: Element) -> SourceRecord:
    source = SourceRecord(position=position, raw=b"")
    try:
        record = _xml_to_marc(element)
        if record.leader is None or str(record.leader).strip() == "":
            raise RecordRejected("The record has no leader.")
        source.data, source.items = marc_map(record)
        source.raw = record.as_marc()
        source.data.source_marc = source.raw
        source.identifiers = identifiers_label(source.data)
    except RecordRejected as error:
        source.error = str(error)
        source.raw = _element_marc_bytes(element)
    except (ValueError, TypeError, pymarc.exceptions.PymarcException) as error:
        source.error = f"The record cannot be read: {error}."
        source.raw = _element_marc_bytes(element)
    return source


def _element_marc_bytes(element: Element) -> bytes:
    from defusedxml.ElementTree import tostring

    return tostring(element, encoding="utf-8")


# --- CSV -------------------------------------------------------------------------------------


def csv_records(
    stream: IO[bytes], start_after: int = 0, start_offset: int = 0
) -> Iterator[tuple[SourceRecord, int]]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    try:
        header = next(reader, None)
        if header is None:
            return
        columns = [name.strip().lower() for name in header]
        if "title" not in columns:
            raise FileUnreadable(
                "The CSV file needs a header row with at least a 'title' column; "
                "download the template for the full list."
            )
        for position, values in enumerate(reader, start=1):
            if position <= start_after or not any(v.strip() for v in values):
                continue
            row = dict(zip(columns, values, strict=False))
            source = SourceRecord(position=position, raw=_csv_line(values))
            try:
                source.data, source.items = csv_map(row)
                source.identifiers = identifiers_label(source.data)
            except RecordRejected as error:
                source.error = str(error)
                source.identifiers = row.get("isbn", "") or row.get("control_number", "")
            yield source, stream.tell()
    except UnicodeDecodeError:
        raise FileUnreadable(
            f"The CSV file is not UTF-8 after line {reader.line_num}: save it as CSV UTF-8."
        ) from None
    except csv.Error as error:
        raise FileUnreadable(
            f"The CSV file is malformed at line {reader.line_num}: {error}."
        ) from None
    finally:
        text.detach()


def _csv_line(values: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerow(values)
    return out.getvalue().encode()


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(LIST_SEPARATOR) if part.strip()]


def csv_map(row: dict[str, str]) -> tuple[RecordData, list[ItemData]]:
    title = (row.get("title") or "").strip()
    if not title:
        raise RecordRejected("No title: the 'title' column is empty.")
    year = _year(row.get("year", ""))
    identifiers = []
    for kind in ("isbn", "issn", "lccn"):
        for value in _split(row.get(kind)):
            try:
                identifiers.append((kind, identifier_normalize(kind, value)))
            except InvalidIdentifier as error:
                raise RecordRejected(f"Column {kind}: {error.message}") from None
    data = RecordData(
        title=title[:1000],
        subtitle=(row.get("subtitle") or "").strip()[:1000],
        publisher=(row.get("publisher") or "").strip()[:500],
        publication_year=year,
        edition=(row.get("edition") or "").strip()[:200],
        language=_language(row.get("language", "")),
        series=(row.get("series") or "").strip()[:500],
        summary=(row.get("summary") or "").strip(),
        control_number=(row.get("control_number") or "").strip()[:64],
        control_number_source=(row.get("control_number_source") or "").strip()[:64],
        contributors=[(name, "author") for name in _split(row.get("authors"))],
        subjects=[(heading, "local") for heading in _split(row.get("subjects"))],
        identifiers=identifiers,
    )
    items = [
        ItemData(
            barcode=barcode[:64],
            call_number=(row.get("call_number") or "").strip()[:200],
            location=(row.get("location") or "").strip()[:32],
        )
        for barcode in _split(row.get("barcode"))
    ]
    return data, items


def csv_template() -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerow(
        [
            "The left hand of darkness",
            "a novel",
            "Le Guin, Ursula K.; Jameson, Fredric",
            "9780441478125",
            "",
            "",
            "",
            "",
            "Ace Books",
            "1969",
            "1st ed.",
            "eng",
            "Hainish cycle",
            "A human envoy visits a planet whose people have no fixed sex.",
            "Science fiction; Gender identity",
            "31234000012345",
            "PS3562.E42 L4",
            "MAIN",
        ]
    )
    return out.getvalue()


# --- MARC 21 mapping -------------------------------------------------------------------------

_TRAILING = " /:;,=."
_YEAR = re.compile(r"(1[0-9]{3}|20[0-9]{2})")
_SUBJECT_TAGS = ("600", "610", "611", "630", "648", "650", "651", "655")
_SUBJECT_SCHEMES = {"0": "lcsh", "1": "lcac", "2": "mesh", "3": "nal", "5": "cash", "6": "rvm"}
_RELATORS = (
    ("edit", "editor"),
    ("ill", "illustrator"),
    ("trans", "translator"),
    ("trl", "translator"),
    ("edt", "editor"),
)


def _clean(value: str | None, limit: int) -> str:
    return (value or "").strip().rstrip(_TRAILING).strip()[:limit]


def _year(text: str | None) -> int | None:
    match = _YEAR.search(text or "")
    if not match:
        return None
    year = int(match.group(1))
    return year if 0 <= year <= MAX_YEAR else None


def _language(code: str | None) -> str:
    code = (code or "").strip().lower()
    return code if re.fullmatch(r"[a-z]{3}", code) else ""


def _sub(field: pymarc.Field, *codes: str) -> list[str]:
    return [value for code, value in field.subfields if code in codes]


def _first(record: pymarc.Record, tags: tuple[str, ...], *codes: str) -> str:
    for tag in tags:
        for found in record.get_fields(tag):
            values = _sub(found, *codes)
            if values:
                return values[0]
    return ""


def _role(found: pymarc.Field) -> str:
    if found.tag in ("110", "111", "710", "711"):
        return "corporate"
    if found.tag in ("100",):
        return "author"
    relator = " ".join(_sub(found, "e", "4")).lower()
    for needle, role in _RELATORS:
        if needle in relator:
            return role
    return "contributor"


def marc_map(record: pymarc.Record) -> tuple[RecordData, list[ItemData]]:
    """The catalog's reading of a MARC 21 bibliographic record; RecordRejected if unusable."""
    title_field = record.get("245")
    title = _clean(" ".join(_sub(title_field, "a", "n", "p")), 1000) if title_field else ""
    if not title:
        raise RecordRejected("No title: field 245 $a is missing or empty.")
    nonfiling = 0
    if title_field is not None and title_field.indicator2 and title_field.indicator2.isdigit():
        nonfiling = int(title_field.indicator2)
    subtitle = _clean(" ".join(_sub(title_field, "b")), 1000) if title_field else ""

    contributors = []
    for found in record.get_fields("100", "110", "111", "700", "710", "711"):
        name = " ".join(_sub(found, "a", "b", "c", "q", "d")).strip().rstrip(",").strip()
        if name:
            contributors.append((name[:500], _role(found)))

    identifiers: list[tuple[str, str]] = []
    for tag, kind, codes in (
        ("020", "isbn", ("a",)),
        ("022", "issn", ("a",)),
        ("010", "lccn", ("a",)),
    ):
        for found in record.get_fields(tag):
            for value in _sub(found, *codes):
                try:
                    identifiers.append((kind, identifier_normalize(kind, value)))
                except InvalidIdentifier:
                    continue  # kept in the source MARC; only valid numbers are matched on
    for found in record.get_fields("035"):
        for value in _sub(found, "a"):
            if "ocolc" in value.lower():
                try:
                    identifiers.append(("oclc", identifier_normalize("oclc", value)))
                except InvalidIdentifier:
                    continue

    control = record.get("001")
    source = record.get("003")
    fixed = record.get("008")
    fixed_data = (fixed.data or "") if fixed is not None else ""
    publication = record.get_fields("264") or record.get_fields("260")
    publisher = _clean(_first(record, ("264", "260"), "b"), 500)
    year = _year(" ".join(v for f in publication for v in _sub(f, "c"))) or _year(fixed_data[7:11])

    subjects = []
    for found in record.get_fields(*_SUBJECT_TAGS):
        parts = [p.strip().rstrip(".").strip() for p in _sub(found, "a", "b", "c", "d", "t")]
        divisions = [p.strip().rstrip(".").strip() for p in _sub(found, "v", "x", "y", "z")]
        heading = " -- ".join([" ".join(p for p in parts if p), *divisions]).strip(" -")
        if not heading:
            continue
        scheme = _SUBJECT_SCHEMES.get(found.indicator2 or "", "local")
        if found.indicator2 == "7":
            scheme = (_sub(found, "2") or ["local"])[0][:32]
        subjects.append((heading[:500], scheme))

    series_fields = record.get_fields("490") or record.get_fields("830")
    series = _clean(" ".join(_sub(series_fields[0], "a", "v")), 500) if series_fields else ""

    data = RecordData(
        title=title,
        subtitle=subtitle,
        publisher=publisher,
        publication_year=year,
        edition=_clean(_first(record, ("250",), "a"), 200),
        language=_language(fixed_data[35:38]) or _language(_first(record, ("041",), "a")),
        series=series,
        summary=" ".join(v.strip() for f in record.get_fields("520") for v in _sub(f, "a")),
        control_number=((control.data or "").strip()[:64] if control is not None else ""),
        control_number_source=((source.data or "").strip()[:64] if source is not None else ""),
        contributors=contributors,
        subjects=subjects,
        identifiers=list(dict.fromkeys(identifiers)),
        nonfiling=nonfiling,
    )
    return data, marc_items(record)


def marc_items(record: pymarc.Record) -> list[ItemData]:
    """Copies from holdings: MARC 852 ($p barcode) and Koha's 952 ($p barcode)."""
    items = []
    for found in record.get_fields("852"):
        barcode = (_sub(found, "p") or [""])[0].strip()
        if barcode:
            call_number = " ".join(_sub(found, "h", "i")).strip()
            location = (_sub(found, "b") or [""])[0].strip()
            items.append(ItemData(barcode[:64], call_number[:200], location[:32]))
    for found in record.get_fields("952"):
        barcode = (_sub(found, "p") or [""])[0].strip()
        if barcode:
            call_number = (_sub(found, "o") or [""])[0].strip()
            location = (_sub(found, "a") or _sub(found, "b") or [""])[0].strip()
            items.append(ItemData(barcode[:64], call_number[:200], location[:32]))
    return items


def identifiers_label(data: RecordData) -> str:
    parts = [f"{kind} {value}" for kind, value in data.identifiers[:4]]
    if data.control_number:
        parts.insert(0, f"001 {data.control_number}")
    return "; ".join(parts)[:500]


# Only ISO 2709 can seek to a checkpoint; the others re-read and skip what was staged.
SEEKABLE = {"marc"}
READERS = {"marc": marc_records, "marcxml": marcxml_records, "csv": csv_records}
