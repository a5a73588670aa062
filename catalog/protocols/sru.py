"""SRU at /sru: explain and searchRetrieve, in SRU 1.2 (and 2.0's namespaces when asked),
records as MARCXML or Dublin Core, queries in CQL (catalog.protocols.cql)."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from lxml import etree

from catalog.marc import MARC_SCHEMA, marc_element
from catalog.protocols.access import protocol_open
from catalog.protocols.cql import Diagnostic, cql_search
from catalog.protocols.records import (
    DC_NS,
    record_dc,
    records_marc,
)
from catalog.selectors import record_links_attach
from common.numbers import whole_number

SRU_12 = "http://www.loc.gov/zing/srw/"
DIAG_12 = "http://www.loc.gov/zing/srw/diagnostic/"
SRU_20 = "http://docs.oasis-open.org/ns/search-ws/sruResponse"
DIAG_20 = "http://docs.oasis-open.org/ns/search-ws/diagnostic"
ZEEREX = "http://explain.z3950.org/dtd/2.0/"
SRW_DC = "info:srw/schema/1/dc-schema"
REC_NS = "info:srw/extension/2/rec-1.0"
VERSIONS = ("1.1", "1.2", "2.0")
DEFAULT_RECORDS = 10
# Twice what the REST API's search takes (`q`, 500): room for indexes and booleans, not for a
# search over thousands of words.
MAX_QUERY_LENGTH = 1000
MAX_RECORDS = 100
# Record schemas by short name and by identifier.
SCHEMAS = {
    "marcxml": ("info:srw/schema/1/marcxml-v1.1", "MARCXML", MARC_SCHEMA),
    "dc": ("info:srw/schema/1/dc-v1.1", "Dublin Core", "info:srw/schema/1/dc-schema"),
}
SCHEMA_NAMES = {
    **{name: name for name in SCHEMAS},
    **{identifier: name for name, (identifier, _, _) in SCHEMAS.items()},
    "marc21": "marcxml", "info:srw/schema/1/marcxml-v1.2": "marcxml",
    "http://www.loc.gov/marc21/slim": "marcxml",
}  # fmt: skip
KNOWN_PARAMS = {
    "operation", "version", "query", "startRecord", "maximumRecords", "recordSchema",
    "recordPacking", "recordXMLEscaping", "stylesheet", "httpAccept", "queryType",
}  # fmt: skip
# The indexes explain lists, by the set they are in: (title, [(set, name), ...]).
EXPLAINED_INDEXES = [
    ("Any field", [("cql", "serverChoice"), ("cql", "anywhere")]),
    ("Title", [("dc", "title"), ("bath", "title")]),
    ("Creator", [("dc", "creator"), ("bath", "author"), ("bath", "name")]),
    ("Subject", [("dc", "subject"), ("bath", "subject")]),
    ("ISBN", [("bath", "isbn")]),
    ("Identifier (ISBN, ISSN, LCCN, OCLC number)", [("dc", "identifier")]),
]
CONTEXT_SETS = {
    "cql": "info:srw/cql-context-set/1/cql-v1.2",
    "dc": "info:srw/cql-context-set/1/dc-v1.1",
    "bath": "http://zing.z3950.org/cql/bath/2.0/",
}


class _Fatal(Exception):
    """A diagnostic that ends the request."""

    def __init__(self, number: int, message: str, details: str) -> None:
        super().__init__(message)
        self.number, self.message, self.details = number, message, details


class _Response:
    """An SRU response being written, in the namespaces of the version asked for."""

    def __init__(self, version: str, operation: str) -> None:
        self.version = version
        self.ns = SRU_20 if version == "2.0" else SRU_12
        self.diag_ns = DIAG_20 if version == "2.0" else DIAG_12
        prefix = "sruResponse" if version == "2.0" else "zs"
        self.root = etree.Element(self.tag(operation), nsmap={prefix: self.ns})
        self.add(self.root, "version", version)

    def tag(self, name: str) -> str:
        return f"{{{self.ns}}}{name}"

    def add(self, parent: Any, name: str, text: str | None = None) -> Any:
        element = etree.SubElement(parent, self.tag(name))
        if text is not None:
            element.text = text
        return element

    def diagnostic(self, number: int, message: str, details: str) -> None:
        holder = self.root.find(self.tag("diagnostics"))
        if holder is None:
            holder = self.add(self.root, "diagnostics")
        diagnostic = etree.SubElement(
            holder, f"{{{self.diag_ns}}}diagnostic", nsmap={"diag": self.diag_ns}
        )
        etree.SubElement(
            diagnostic, f"{{{self.diag_ns}}}uri"
        ).text = f"info:srw/diagnostic/1/{number}"
        etree.SubElement(diagnostic, f"{{{self.diag_ns}}}details").text = details
        etree.SubElement(diagnostic, f"{{{self.diag_ns}}}message").text = message

    def http(self) -> HttpResponse:
        body = etree.tostring(self.root, encoding="UTF-8", xml_declaration=True)
        return HttpResponse(body, content_type="application/xml; charset=utf-8")


def _whole(params: Any, name: str, default: int, low: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    number = whole_number(raw)
    if number is None or number < low:
        raise _Fatal(6, "Unsupported parameter value", f"{name}={raw}")
    return number


def _explain(request: HttpRequest, response: _Response) -> None:
    record = response.add(response.root, "record")
    response.add(record, "recordSchema", ZEEREX)
    packing = "recordXMLEscaping" if response.version == "2.0" else "recordPacking"
    response.add(record, packing, "xml")
    data = response.add(record, "recordData")
    explain = etree.SubElement(data, f"{{{ZEEREX}}}explain", nsmap={None: ZEEREX})

    def sub(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
        element = etree.SubElement(parent, f"{{{ZEEREX}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    server = sub(explain, "serverInfo", protocol="SRU", version=response.version, transport="http")
    host = request.get_host()
    sub(server, "host", host.split(":")[0])
    sub(server, "port", str(request.get_port()))
    sub(server, "database", "sru")
    name = request.tenant.name  # type: ignore[attr-defined]
    database = sub(explain, "databaseInfo")
    sub(database, "title", name, lang="en", primary="true")
    sub(database, "description", f"The catalog of {name}.", lang="en", primary="true")
    indexes = sub(explain, "indexInfo")
    for set_name, identifier in CONTEXT_SETS.items():
        sub(indexes, "set", name=set_name, identifier=identifier)
    for title, names in EXPLAINED_INDEXES:
        index = sub(indexes, "index", search="true", scan="false", sort="false")
        sub(index, "title", title, lang="en")
        for set_name, index_name in names:
            sub(sub(index, "map"), "name", index_name, set=set_name)
    schemas = sub(explain, "schemaInfo")
    for short, (identifier, title, location) in SCHEMAS.items():
        schema = sub(
            schemas, "schema", identifier=identifier, name=short, location=location,
            sort="false", retrieve="true",
        )  # fmt: skip
        sub(schema, "title", title, lang="en")
    config = sub(explain, "configInfo")
    sub(config, "default", str(DEFAULT_RECORDS), type="numberOfRecords")
    sub(config, "default", "marcxml", type="retrieveSchema")
    sub(config, "default", "cql.serverChoice", type="index")
    sub(config, "default", "=", type="relation")
    sub(config, "setting", str(MAX_RECORDS), type="maximumRecords")
    for relation in ("=", "adj", "all", "any", "=="):
        sub(config, "supports", relation, type="relation")
    for operator in ("and", "or", "not"):
        sub(config, "supports", operator, type="booleanOperator")


def _dc_element(elements: list[tuple[str, str]]) -> Any:
    dc = etree.Element(f"{{{SRW_DC}}}dc", nsmap={"srw_dc": SRW_DC, "dc": DC_NS})
    for name, value in elements:
        etree.SubElement(dc, f"{{{DC_NS}}}{name}").text = value
    return dc


def _search_retrieve(request: HttpRequest, response: _Response, params: Any) -> None:
    query = params.get("query")
    if not query or not query.strip():
        raise _Fatal(7, "Mandatory parameter not supplied", "query")
    if len(query) > MAX_QUERY_LENGTH:
        raise _Fatal(
            6, "Unsupported parameter value",
            f"query: {len(query)} characters; this server takes up to {MAX_QUERY_LENGTH}.",
        )  # fmt: skip
    start = _whole(params, "startRecord", 1, 1)
    maximum = _whole(params, "maximumRecords", DEFAULT_RECORDS, 0)
    schema_asked = params.get("recordSchema") or "marcxml"
    schema = SCHEMA_NAMES.get(schema_asked, SCHEMA_NAMES.get(schema_asked.lower()))
    if schema is None:
        raise _Fatal(66, "Unknown schema for retrieval", schema_asked)
    packing_name = "recordXMLEscaping" if response.version == "2.0" else "recordPacking"
    packing = params.get(packing_name) or "xml"
    if packing not in ("xml", "string"):
        raise _Fatal(71, "Unsupported record packing", packing)
    try:
        records = cql_search(query)
    except Diagnostic as diagnostic:
        raise _Fatal(diagnostic.number, diagnostic.message, diagnostic.details) from None
    count = records.count()
    response.add(response.root, "numberOfRecords", str(count))
    if start > count and count and maximum:
        raise _Fatal(61, "First record position out of range", str(start))
    page = list(records[start - 1 : start - 1 + min(maximum, MAX_RECORDS)])
    record_links_attach(page)
    if page:
        marcs = records_marc([r.pk for r in page]) if schema == "marcxml" else {}
        holder = response.add(response.root, "records")
        base = request.build_absolute_uri("/records/")
        for position, found in enumerate(page, start):
            record = found  # with its links attached
            if schema == "marcxml" and record.pk not in marcs:  # deleted since the page was read
                continue
            element = response.add(holder, "record")
            response.add(element, "recordSchema", SCHEMAS[schema][0])
            response.add(element, packing_name, packing)
            data = response.add(element, "recordData")
            if schema == "marcxml":
                xml = marc_element(marcs[record.pk])
            else:
                xml = _dc_element(record_dc(record, f"{base}{record.pk}/"))
            if packing == "xml":
                data.append(xml)
            else:
                data.text = etree.tostring(xml, encoding="unicode")
            response.add(element, "recordPosition", str(position))
            extra = response.add(element, "extraRecordData")
            identifier = etree.SubElement(
                extra, f"{{{REC_NS}}}recordIdentifier", nsmap={"rec": REC_NS}
            )
            identifier.text = f"{base}{record.pk}/"
    after = start + len(page)
    if page and after <= count:
        response.add(response.root, "nextRecordPosition", str(after))
    if response.version != "2.0":
        echo = response.add(response.root, "echoedSearchRetrieveRequest")
        response.add(echo, "version", response.version)
        response.add(echo, "query", query)
        response.add(echo, "startRecord", str(start))
        response.add(echo, "maximumRecords", str(maximum))
        response.add(echo, "recordPacking", packing)
        response.add(echo, "recordSchema", schema_asked)


@require_safe
@protocol_open
def sru(request: HttpRequest) -> HttpResponse:
    """An SRU request; every problem with it is answered as an SRU diagnostic."""
    params = request.GET
    version = params.get("version") or "1.2"
    operation = params.get("operation") or ("searchRetrieve" if "query" in params else "explain")
    known = version in VERSIONS
    response = _Response(version if known else "1.2", _response_name(operation))
    try:
        if not known:
            raise _Fatal(5, "Unsupported version", version)
        if operation not in ("explain", "searchRetrieve"):
            # Before the parameters: scan's own (scanClause, maximumTerms...) are not the
            # client's mistake, the operation is what this server lacks.
            raise _Fatal(4, "Unsupported operation", operation)
        unknown = [
            name for name in params if name not in KNOWN_PARAMS and not name.startswith("x-")
        ]
        if unknown:
            raise _Fatal(8, "Unsupported parameter", unknown[0])
        if operation == "explain":
            _explain(request, response)
        else:
            _search_retrieve(request, response, params)
    except _Fatal as fatal:
        if (
            operation == "searchRetrieve"
            and response.root.find(response.tag("numberOfRecords")) is None
        ):
            response.add(response.root, "numberOfRecords", "0")
        response.diagnostic(fatal.number, fatal.message, fatal.details)
    return response.http()


def _response_name(operation: str) -> str:
    return {"searchRetrieve": "searchRetrieveResponse", "scan": "scanResponse"}.get(
        operation, "explainResponse"
    )
