"""Reading MARCXML files record by record, with DTDs, entities and external references refused."""

import re
from collections.abc import Iterator
from typing import IO
from xml.etree.ElementTree import Element

import pymarc
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse, tostring
from django.utils.translation import gettext

from catalog.imports.formats.marc import MAX_MARC_RECORD
from catalog.imports.formats.marc21 import marc_map
from catalog.imports.formats.source import (
    FileUnreadable,
    RecordRejected,
    SourceRecord,
    identifiers_label,
)
from common.language import quoted

# Whatever a file's shape, a reader holds about one record. A MARCXML <record> whose XML passes
# this many bytes is rejected and dropped as it is read (a 99,999-byte MARC record, escaped and
# marked up, is far below it); more than this between two tags (one text, comment or tag) makes
# the file unreadable, since the XML parser would have to hold it whole.
MAX_MARCXML_RECORD_BYTES = 4_000_000
MAX_XML_TOKEN_BYTES = 4_000_000
# A MARC record, in MARC21slim's namespace or none; a wrapper of that name (an SRU answer's
# <record>) is read through to the MARC record inside it.
MARC_RECORD_TAGS = frozenset({"{http://www.loc.gov/MARC21/slim}record", "record"})


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml_to_marc(element: Element) -> pymarc.Record:
    record = pymarc.Record(force_utf8=True)
    for child in element:
        name = _local(child.tag)
        text = child.text or ""
        if name == "leader":
            if len(text) != 24:
                raise RecordRejected(
                    gettext("The leader must be 24 characters, not %(length)s.")
                    % {"length": len(text)}
                )
            record.leader = pymarc.Leader(text[:9] + "a" + text[10:])
        elif name == "controlfield":
            record.add_field(pymarc.Field(tag=child.get("tag", ""), data=text))
        elif name == "datafield":
            tag = child.get("tag", "")
            if not re.fullmatch(r"[0-9A-Za-z]{3}", tag):
                raise RecordRejected(gettext("Invalid field tag %(tag)s.") % {"tag": quoted(tag)})
            subfields = [
                pymarc.Subfield(code=sub.get("code", " "), value=sub.text or "")
                for sub in child
                if _local(sub.tag) == "subfield"
            ]
            indicators = pymarc.Indicators(child.get("ind1", " "), child.get("ind2", " "))
            record.add_field(pymarc.Field(tag=tag, indicators=indicators, subfields=subfields))
    return record


class _MeteredStream:
    """The file as the XML parser reads it, refusing a stretch without a tag past the limit."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.read_bytes = 0
        self.at_last_tag = 0

    def read(self, size: int = -1) -> bytes:
        if self.read_bytes - self.at_last_tag > MAX_XML_TOKEN_BYTES:
            raise FileUnreadable(
                gettext(
                    "The XML file has over %(limit)s bytes without a tag after byte %(byte)s "
                    "(one text, comment or tag that long): no MARCXML record holds one."
                )
                % {"limit": f"{MAX_XML_TOKEN_BYTES:,}", "byte": f"{self.at_last_tag:,}"}
            )
        data = self.stream.read(size)
        self.read_bytes += len(data)
        return data


def marcxml_records(
    stream: IO[bytes], start_after: int = 0, start_offset: int = 0
) -> Iterator[tuple[SourceRecord, int]]:
    """Stream <record> elements; DTDs, entities and external references are refused.

    Every element is released once read (records once turned into a SourceRecord), wherever
    it stands, so memory holds about one record whatever else the file holds.
    """
    position = 0
    metered = _MeteredStream(stream)
    open_elements: list[Element] = []
    record_depth = 0  # how deep the open <record> is; 0 outside one
    record_start = 0
    oversized = False
    try:
        for event, element in iterparse(
            metered, events=("start", "end"), forbid_dtd=True, forbid_entities=True
        ):
            metered.at_last_tag = metered.read_bytes
            if event == "start":
                open_elements.append(element)
                if not record_depth and element.tag in MARC_RECORD_TAGS:
                    record_depth, record_start, oversized = (
                        len(open_elements),
                        metered.read_bytes,
                        False,
                    )
                elif record_depth and metered.read_bytes - record_start > MAX_MARCXML_RECORD_BYTES:
                    oversized = True
                continue
            depth = len(open_elements)
            open_elements.pop()
            parent = open_elements[-1] if open_elements else None
            if record_depth and depth > record_depth:
                if oversized and parent is not None:
                    parent.remove(element)  # a record too large to keep is dropped as it goes
                continue
            if record_depth and depth == record_depth:
                record_depth = 0
                position += 1
                if position > start_after:
                    source = (
                        _oversized_source(position) if oversized else _xml_source(position, element)
                    )
                    yield source, stream.tell()
            # Drop what was read, in a record or not, so memory holds one record at a time.
            element.clear()
            if parent is not None:
                parent.remove(element)
    except DefusedXmlException as error:
        raise FileUnreadable(
            gettext(
                "The XML file was refused: %(why)s (DTDs, entities and external references are "
                "not allowed in MARCXML)."
            )
            % {"why": error.__class__.__name__}
        ) from None
    except SyntaxError as error:
        raise FileUnreadable(
            gettext("The XML file is not well-formed after record %(position)s: %(error)s.")
            % {"position": position, "error": error}
        ) from None


def _oversized_source(position: int) -> SourceRecord:
    return SourceRecord(
        position=position,
        raw=b"",
        error=(
            gettext(
                "The record's XML is over %(limit)s bytes; a MARC record holds at most "
                "%(marc_limit)s bytes. Split it into several records."
            )
            % {"limit": f"{MAX_MARCXML_RECORD_BYTES:,}", "marc_limit": f"{MAX_MARC_RECORD:,}"}
        ),
    )


def _xml_source(position: int, element: Element) -> SourceRecord:
    source = SourceRecord(position=position, raw=b"")
    try:
        record = _xml_to_marc(element)
        if record.leader is None or str(record.leader).strip() == "":
            raise RecordRejected(gettext("The record has no leader."))
        source.data, source.items = marc_map(record, source.warnings)
        source.raw = record.as_marc()
        if len(source.raw) > MAX_MARC_RECORD:
            raise RecordRejected(
                gettext(
                    "The record is %(size)s bytes as MARC, over MARC's %(limit)s-byte limit: "
                    "split it or shorten its fields."
                )
                % {"size": f"{len(source.raw):,}", "limit": f"{MAX_MARC_RECORD:,}"}
            )
        source.data.source_marc = source.raw
        source.identifiers = identifiers_label(source.data)
    except RecordRejected as error:
        source.error = str(error)
        source.raw = _element_marc_bytes(element)
    except (ValueError, TypeError, pymarc.exceptions.PymarcException):
        source.error = gettext(
            "The record cannot be read: a field or subfield is malformed; "
            "export it again from the system it came from."
        )
        source.raw = _element_marc_bytes(element)
    return source


def _element_marc_bytes(element: Element) -> bytes:
    return tostring(element, encoding="utf-8")
