"""unAPI at /unapi (record pages name their record; this lists and serves its formats) and
the OpenSearch description at /opensearch.xml (browsers and tools search the catalog)."""

from xml.sax.saxutils import escape, quoteattr

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from lxml import etree

from catalog.marc import marc_element
from catalog.protocols.access import protocol_open
from catalog.protocols.oai import oai_dc_write, oai_local_part
from catalog.protocols.records import (
    record_dc,
    records_marc,
    records_with_links,
)
from common.numbers import whole_number

# name: (media type, documentation)
FORMATS = {
    "marcxml": ("application/marc+xml", "http://www.loc.gov/standards/marcxml/"),
    "marc": ("application/marc", "http://www.loc.gov/marc/bibliographic/"),
    "oai_dc": ("application/xml", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"),
}


def _record_id(request: HttpRequest, raw: str) -> int | None:
    """A record's id from an unAPI id: its number (as record pages give it), or its OAI-PMH
    identifier (oai:<repository>:<number>) as harvesters know it. Another repository's
    identifier names none of this catalog's records, whatever its number."""
    if raw.startswith("oai:"):
        local = oai_local_part(request, raw)
        if local is None:
            return None
        raw = local
    return whole_number(raw)


def _formats(record_id: str | None, status: int) -> HttpResponse:
    attribute = f" id={quoteattr(record_id)}" if record_id is not None else ""
    lines = [f'<?xml version="1.0" encoding="UTF-8"?>\n<formats{attribute}>']
    for name, (media, docs) in FORMATS.items():
        lines.append(f'  <format name="{name}" type="{media}" docs="{docs}"/>')
    lines.append("</formats>\n")
    return HttpResponse("\n".join(lines), status=status, content_type="application/xml")


@require_safe
@protocol_open
def unapi(request: HttpRequest) -> HttpResponse:
    """unAPI 1: the formats (200), a record's formats (300), or the record in one (200);
    404 for a record this catalog does not have, 406 for a format it does not serve."""
    raw_id, name = request.GET.get("id"), request.GET.get("format")
    if raw_id is None:
        return _formats(None, 200)
    record_id = _record_id(request, raw_id)
    found = records_with_links([record_id]) if record_id is not None else []
    if not found:
        return HttpResponse("No such record.\n", status=404, content_type="text/plain")
    if name is None:
        return _formats(raw_id, 300)
    if name not in FORMATS:
        return HttpResponse("No such format.\n", status=406, content_type="text/plain")
    record = found[0]
    media = FORMATS[name][0]
    if name == "marc":
        return HttpResponse(records_marc([record.pk])[record.pk].as_marc(), content_type=media)
    if name == "marcxml":
        element = marc_element(records_marc([record.pk])[record.pk])
    else:
        holder = etree.Element("holder")
        url = request.build_absolute_uri(f"/records/{record.pk}/")
        oai_dc_write(holder, record_dc(record, url))
        element = holder[0]
    body = etree.tostring(element, encoding="UTF-8", xml_declaration=True)
    return HttpResponse(body, content_type=f"{media}; charset=utf-8")


@require_safe
@protocol_open
def opensearch(request: HttpRequest) -> HttpResponse:
    """The OpenSearch 1.1 description: the website's search, and SRU's, by search terms."""
    name = request.tenant.name  # type: ignore[attr-defined]
    base = request.build_absolute_uri("/").rstrip("/")
    html = f"{base}/search/?q={{searchTerms}}&amp;page={{startPage?}}"
    sru = (
        f"{base}/sru?operation=searchRetrieve&amp;version=1.2&amp;query={{searchTerms}}"
        "&amp;startRecord={startIndex?}&amp;maximumRecords={count?}"
    )
    body = f"""<?xml version="1.0" encoding="UTF-8"?>
<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/">
  <ShortName>{escape(name[:16])}</ShortName>
  <LongName>{escape(name[:48])}</LongName>
  <Description>{escape(f"Search the catalog of {name}"[:1024])}</Description>
  <Url type="text/html" template="{html}" pageOffset="1"/>
  <Url type="application/sru+xml" template="{sru}" indexOffset="1"/>
  <Url type="application/opensearchdescription+xml" rel="self" template="{base}/opensearch.xml"/>
  <InputEncoding>UTF-8</InputEncoding>
  <OutputEncoding>UTF-8</OutputEncoding>
  <SyndicationRight>open</SyndicationRight>
</OpenSearchDescription>
"""
    return HttpResponse(body, content_type="application/opensearchdescription+xml; charset=utf-8")
