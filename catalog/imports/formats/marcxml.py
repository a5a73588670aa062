"""Reading MARCXML files record by record, with DTDs, entities and external references refused."""

import re
from collections.abc import Iterator
from typing import IO
from xml.etree.ElementTree import Element

import pymarc
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse, tostring

from catalog.imports.formats.marc21 import marc_map
from catalog.imports.formats.source import (
    FileUnreadable,
    RecordRejected,
    SourceRecord,
    identifiers_label,
)


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
    except (ValueError, TypeError, pymarc.exceptions.PymarcException):
        source.error = (
            "The record cannot be read: a field or subfield is malformed; "
            "export it again from the system it came from."
        )
        source.raw = _element_marc_bytes(element)
    return source


def _element_marc_bytes(element: Element) -> bytes:
    return tostring(element, encoding="utf-8")
