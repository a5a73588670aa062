"""OAI-PMH 2.0 at /oai: the protocol layer is the `oaipmh` package's server; the catalog's
records, tombstones and keyset pages are this module's."""

import re
import sys
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import Any
from urllib.parse import unquote

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from lxml import etree
from oaipmh import common, error
from oaipmh.metadata import MetadataRegistry
from oaipmh.server import (
    NS_DC,
    NS_OAIDC,
    NS_OAIPMH,
    NS_XSI,
    ServerBase,
    decodeResumptionToken,
    encodeResumptionToken,
)

from catalog.marc import MARC_NS, MARC_SCHEMA, marc_element
from catalog.protocols.access import protocol_open
from catalog.protocols.records import (
    Entry,
    earliest_datestamp,
    entry_get,
    harvest_page,
    location_exists,
    locations_all,
    record_dc,
    record_locations,
    records_marc,
    records_with_links,
)

# Records a ListRecords page carries, and headers a ListIdentifiers page carries.
RECORDS_PER_PAGE = 200
HEADERS_PER_PAGE = 1000
VERBS = (
    "Identify", "ListMetadataFormats", "ListSets", "ListIdentifiers", "ListRecords", "GetRecord",
)  # fmt: skip
FORMATS = {
    "oai_dc": (
        "http://www.openarchives.org/OAI/2.0/oai_dc.xsd", "http://www.openarchives.org/OAI/2.0/oai_dc/",
    ),
    "marc21": (MARC_SCHEMA, MARC_NS),
}  # fmt: skip
SET_PREFIX = "location:"
# What a setSpec may hold unescaped (OAI-PMH's setSpecType); anything else is written ~XX.
_SET_SAFE = re.compile(r"[A-Za-z0-9\-_.!*'()]")


def set_spec(code: str) -> str:
    """A location's setSpec: `location:` and its code, other characters than the schema allows
    (and ~ itself) written as ~ and two hex digits of each UTF-8 byte."""
    out = []
    for char in code:
        if _SET_SAFE.fullmatch(char):
            out.append(char)
        else:
            out.extend(f"~{byte:02X}" for byte in char.encode())
    return SET_PREFIX + "".join(out)


def set_code(spec: str) -> str | None:
    """The location code a setSpec names; None if it names no location set."""
    if not spec.startswith(SET_PREFIX):
        return None
    raw = spec[len(SET_PREFIX) :]
    if "%" in raw or re.search(r"~(?![0-9A-Fa-f]{2})", raw):
        return None
    try:
        decoded = unquote(raw.replace("~", "%"), errors="strict")
    except UnicodeDecodeError:
        return None
    return decoded or None


def _naive_utc(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None)


def _aware(at: datetime | None) -> datetime | None:
    return None if at is None else at.replace(tzinfo=UTC)


def _after_second(until: datetime) -> datetime | None:
    """The first instant after `until`'s second (datestamps are whole seconds: until takes
    every record of its last second); None when that is past the last date Python can hold,
    as in until=9999-12-31, which bounds nothing."""
    try:
        return until + timedelta(seconds=1)
    except OverflowError:
        return None


def oai_dc_write(element: Any, elements: list[tuple[str, str]]) -> None:
    """Dublin Core elements (catalog.protocols.records.record_dc) as oai_dc, under `element`."""
    dc = etree.SubElement(
        element, f"{{{NS_OAIDC}}}dc", nsmap={"oai_dc": NS_OAIDC, "dc": NS_DC, "xsi": NS_XSI}
    )
    dc.set(f"{{{NS_XSI}}}schemaLocation", f"{NS_OAIDC} {FORMATS['oai_dc'][0]}")
    for name, value in elements:
        etree.SubElement(dc, f"{{{NS_DC}}}{name}").text = value


def _marc21_write(element: Any, marc: Any) -> None:
    element.append(marc_element(marc))


REGISTRY = MetadataRegistry()
REGISTRY.registerWriter("oai_dc", oai_dc_write)
REGISTRY.registerWriter("marc21", _marc21_write)


def oai_namespace(request: HttpRequest) -> str:
    """The repository part of this library's OAI identifiers (oai:<namespace>:<record id>):
    its platform host name (the schema's underscores are its hyphens), a domain name as the
    oai-identifier syntax wants, which stays when the library adds or changes its own domains."""
    schema_name = request.tenant.schema_name  # type: ignore[attr-defined]
    return f"{schema_name.replace('_', '-')}.{settings.STACKS_BASE_DOMAIN}"


def oai_local_part(request: HttpRequest, identifier: str) -> str | None:
    """What follows the namespace in one of this library's OAI identifiers, or None for another
    repository's. The namespace identifiers had before they were domain names (the schema
    name, underscores and all) is still taken: harvesters that stored them get their records."""
    former = f"{request.tenant.schema_name}.{settings.STACKS_BASE_DOMAIN}"  # type: ignore[attr-defined]
    for namespace in (oai_namespace(request), former):
        if identifier.startswith(prefix := f"oai:{namespace}:"):
            return identifier[len(prefix) :]
    return None


class _Identification(common.Identify):
    """Identify's answer; the earliest datestamp is looked up only when Identify is asked
    (the server reads the base URL from here for every response)."""

    def earliestDatestamp(self) -> datetime:
        earliest = earliest_datestamp() or self._earliestDatestamp or datetime.now(UTC)
        return _naive_utc(earliest)


class CatalogRepository(common.ResumptionOAIPMH):
    """The current library's catalog as an OAI-PMH repository, for oaipmh's server: it answers
    each verb with headers and metadata, and lists with a page and the next page's token."""

    def __init__(self, request: HttpRequest) -> None:
        self.base_url = request.build_absolute_uri("/oai")
        self.record_url = request.build_absolute_uri("/records/")
        tenant = request.tenant  # type: ignore[attr-defined]
        self.name = tenant.name
        self.created_at = getattr(tenant, "created_at", None)
        # Whom a harvester writes to: the library's contact address once it has set one.
        self.admin_email = (
            getattr(tenant, "contact_email", "") or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
        )
        self.namespace = oai_namespace(request)
        self.request = request
        self._identify: common.Identify | None = None
        # How many items of a list came before this response's (its token's cursor).
        self.cursor = 0

    def handleVerb(self, verb: str, kw: dict[str, Any]) -> Any:
        return getattr(self, f"_{verb}")(**kw)

    # --- identifiers ---

    def identifier(self, record_id: int) -> str:
        return f"oai:{self.namespace}:{record_id}"

    def _record_id(self, identifier: str) -> int:
        local = oai_local_part(self.request, identifier) or ""
        if not local.isascii() or not local.isdigit() or len(local) > 18:
            raise error.IdDoesNotExistError(f"This repository has no item {identifier!r}.")
        return int(local)

    def _header(self, entry: Entry, sets: list[str]) -> common.Header:
        specs = [set_spec(code) for code in sets]
        return common.Header(
            None, self.identifier(entry.id), _naive_utc(entry.datestamp), specs, entry.deleted
        )

    # --- verbs ---

    def _Identify(self) -> common.Identify:
        if self._identify is None:
            self._identify = _Identification(
                repositoryName=self.name,
                baseURL=self.base_url,
                protocolVersion="2.0",
                adminEmails=[self.admin_email],
                earliestDatestamp=self.created_at,
                deletedRecord="persistent",
                granularity="YYYY-MM-DDThh:mm:ssZ",
                compression=["identity"],
                toolkit_description=False,
            )
        return self._identify

    def _ListMetadataFormats(self, identifier: str | None = None) -> list[tuple[str, str, str]]:
        if identifier is not None and entry_get(self._record_id(identifier)) is None:
            raise error.IdDoesNotExistError(f"This repository has no item {identifier!r}.")
        return [(prefix, schema, namespace) for prefix, (schema, namespace) in FORMATS.items()]

    def _ListSets(self, resumptionToken: str | None = None) -> tuple[list[Any], None]:
        if resumptionToken is not None:
            raise error.BadResumptionTokenError("ListSets is answered in one response.")
        sets = [(set_spec(code), name or code, None) for code, name in locations_all()]
        if not sets:
            raise error.NoSetHierarchyError("This catalog has no locations to harvest by.")
        return sets, None

    def _GetRecord(self, identifier: str, metadataPrefix: str) -> tuple[Any, Any, None]:
        self._format_check(metadataPrefix)
        entry = entry_get(self._record_id(identifier))
        if entry is None:
            raise error.IdDoesNotExistError(f"This repository has no item {identifier!r}.")
        headers, metadata = self._page([entry], metadataPrefix)
        return headers[0], metadata[0], None

    def _ListIdentifiers(self, **kw: Any) -> tuple[list[common.Header], str | None]:
        entries, token, _ = self._list(kw, HEADERS_PER_PAGE)
        return self._page(entries, None)[0], token

    def _ListRecords(self, **kw: Any) -> tuple[list[tuple[Any, Any, None]], str | None]:
        entries, token, prefix = self._list(kw, RECORDS_PER_PAGE)
        headers, metadata = self._page(entries, prefix)
        return [(h, m, None) for h, m in zip(headers, metadata, strict=True)], token

    # --- lists ---

    def _format_check(self, prefix: str) -> None:
        if prefix not in FORMATS:
            raise error.CannotDisseminateFormatError(
                f"No metadata format {prefix!r} here: use {' or '.join(FORMATS)}."
            )

    def _list(self, kw: dict[str, Any], per_page: int) -> tuple[list[Entry], str | None, str]:
        """One page of a list request, its resumption token ("" on the last page of a list
        that took several, None when it took one) and its metadata prefix."""
        token = kw.pop("resumptionToken", None)
        after = 0
        if token is not None:
            damaged = error.BadResumptionTokenError("This resumption token is damaged.")
            try:
                kw, after = decodeResumptionToken(token)
            except error.DatestampError as failed:
                raise damaged from failed
            sent = kw.pop("sent", "0")
            if after < 0 or set(kw) - {"metadataPrefix", "set", "from_", "until"}:
                raise damaged
            if kw.get("metadataPrefix") not in FORMATS or not sent.isdigit():
                raise damaged
            self.cursor = int(sent)
        prefix = kw["metadataPrefix"]
        self._format_check(prefix)
        since, until = _aware(kw.get("from_")), _aware(kw.get("until"))
        if since is not None and until is not None and since > until:
            raise error.BadArgumentError("from must not be later than until.")
        location = None
        if kw.get("set") is not None:
            location = set_code(kw["set"])
            if location is None or not location_exists(location):
                raise error.NoRecordsMatchError(f"No set {kw['set']!r} in this repository.")
        before = _after_second(until) if until is not None else None
        entries = harvest_page(
            after=after, limit=per_page + 1, since=since, before=before, location=location
        )
        if not entries and token is None:
            raise error.NoRecordsMatchError("No records match this request.")
        if not entries:
            # A token is issued only when a record follows it (the page looks one ahead), so
            # those records have left the list since (edited past `until`, say): OAI-PMH 3.5.1
            # has the harvester start the list again, and a list may not be empty.
            raise error.BadResumptionTokenError(
                "The records this resumption token led to have changed since: start the list again."
            )
        next_token: str | None = "" if token is not None else None
        if len(entries) > per_page:
            entries = entries[:per_page]
            sent = str(self.cursor + len(entries))
            next_token = encodeResumptionToken({**kw, "sent": sent}, entries[-1].id)
        return entries, next_token, prefix

    def _page(
        self, entries: list[Entry], prefix: str | None
    ) -> tuple[list[common.Header], list[Any]]:
        """The headers of these entries, and their metadata in `prefix` (None: headers only)."""
        live = [entry.id for entry in entries if not entry.deleted]
        sets = record_locations(live)
        headers = [self._header(entry, sets.get(entry.id, [])) for entry in entries]
        metadata: dict[int, Any] = {}
        if prefix == "marc21":
            metadata = records_marc(live)
        elif prefix == "oai_dc":
            metadata = {
                record.pk: record_dc(record, f"{self.record_url}{record.pk}/")
                for record in records_with_links(live)
            }
        return headers, [metadata.get(entry.id) for entry in entries]


class _Server(ServerBase):
    """oaipmh's server, answering only OAI-PMH 2.0's six verbs, each argument at most once;
    a resumption token says where in its list the response starts (its cursor)."""

    def __init__(self, repository: CatalogRepository) -> None:
        super().__init__(repository, REGISTRY)
        self.repository = repository

    def handleVerb(self, verb: str, kw: dict[str, Any]) -> bytes:
        tree = common.getMethodForVerb(self._tree_server, verb)(**kw).getroot()
        token = tree.find(f".//{{{NS_OAIPMH}}}resumptionToken")
        if token is not None:
            token.set("cursor", str(self.repository.cursor))
        return etree.tostring(tree, encoding="UTF-8", xml_declaration=True)

    def request_answer(self, params: Any) -> bytes:
        """The response to a request's arguments (a Django QueryDict)."""
        try:
            repeated = [name for name, values in params.lists() if len(values) > 1]
            if "verb" in repeated:
                raise error.BadVerbError("The verb is given more than once.")
            if repeated:
                raise error.BadArgumentError(f"Argument {repeated[0]} is given more than once.")
            verb = params.get("verb")
            if verb is not None and verb not in VERBS:
                raise error.BadVerbError(f"Illegal verb: {verb}")
        except error.ErrorBase:
            return self.handleException({}, sys.exc_info())
        return self.handleRequest({name: params[name] for name in params})


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
@protocol_open
def oai(request: HttpRequest) -> HttpResponse:
    """OAI-PMH 2.0 requests, by GET or by a form POST, as the protocol allows."""
    params = request.POST if request.method == "POST" else request.GET
    body = _Server(CatalogRepository(request)).request_answer(params)
    return HttpResponse(body, content_type="text/xml; charset=utf-8")
