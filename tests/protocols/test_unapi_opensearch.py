"""unAPI at /unapi and the OpenSearch description: formats, records, and the page links."""

import io
import re

import pymarc
from django_tenants.utils import schema_context
from lxml import etree

from catalog.models import Record
from tenants.administration import library_settings_update
from tests.conftest import LIBRARY_HOST
from tests.protocols.xsd import MARC_NS, marc_valid, oai_dc_valid

OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"


def test_unapi_lists_formats_and_serves_records(web, shelf):
    listing = web.get("/unapi")
    assert listing.status_code == 200
    names = etree.fromstring(listing.content).xpath("/formats/format/@name")
    assert names == ["marcxml", "marc", "oai_dc"]
    moon = shelf["moon"].pk
    one = web.get("/unapi", {"id": str(moon)})
    assert one.status_code == 300
    assert etree.fromstring(one.content).get("id") == str(moon)
    marcxml = web.get("/unapi", {"id": str(moon), "format": "marcxml"})
    assert marcxml.status_code == 200
    assert marcxml["Content-Type"].startswith("application/marc+xml")
    marc_valid(marcxml.content)
    title = etree.fromstring(marcxml.content).xpath(
        "//m:datafield[@tag='245']/m:subfield[@code='a']/text()", namespaces={"m": MARC_NS}
    )
    assert title == ["Gardens of the moon"]
    binary = web.get("/unapi", {"id": f"oai:alpha.localhost:{moon}", "format": "marc"})
    assert binary.status_code == 200
    marc = next(pymarc.MARCReader(io.BytesIO(binary.content), to_unicode=True, force_utf8=True))
    assert marc["245"]["a"] == "Gardens of the moon"
    assert marc["852"]["p"] == "B-100"
    dc = web.get("/unapi", {"id": str(moon), "format": "oai_dc"})
    assert dc.status_code == 200
    oai_dc_valid(dc.content)
    assert b"Erikson, Steven" in dc.content
    assert web.get("/unapi", {"id": str(moon), "format": "mods"}).status_code == 406
    assert web.get("/unapi", {"id": "999999", "format": "marcxml"}).status_code == 404
    assert web.get("/unapi", {"id": "nothing"}).status_code == 404


def test_record_pages_advertise_unapi_and_opensearch(web, shelf):
    page = web.get(f"/records/{shelf['moon'].pk}/").text
    assert '<link rel="unapi-server" type="application/xml" title="unAPI" href="/unapi">' in page
    assert re.search(rf'<abbr class="unapi-id" title="{shelf["moon"].pk}"></abbr>', page)
    assert 'rel="search" type="application/opensearchdescription+xml" href="/opensearch.xml"' in (
        web.get("/").text
    )


def test_opensearch_description_searches_the_catalog(web, shelf):
    response = web.get("/opensearch.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/opensearchdescription+xml")
    tree = etree.fromstring(response.content)
    assert tree.findtext(f"{{{OPENSEARCH}}}ShortName") == "Alpha Library"
    templates = {url.get("type"): url.get("template") for url in tree.iter(f"{{{OPENSEARCH}}}Url")}
    html = templates["text/html"].replace("{searchTerms}", "moon").replace("&page={startPage?}", "")
    assert html == f"http://{LIBRARY_HOST}/search/?q=moon"
    assert "Gardens of the moon" in web.get(html.replace(f"http://{LIBRARY_HOST}", "")).text
    sru = templates["application/sru+xml"]
    assert sru.startswith(f"http://{LIBRARY_HOST}/sru?operation=searchRetrieve")
    filled = (
        sru.replace("{searchTerms}", "moon").replace("{startIndex?}", "1").replace("{count?}", "5")
    )
    found = web.get(filled.replace(f"http://{LIBRARY_HOST}", ""))
    assert b"<zs:numberOfRecords>2</zs:numberOfRecords>" in found.content


def test_closed_catalog_and_other_libraries(
    web, other_web, shelf, library, django_capture_on_commit_callbacks
):
    moon = str(shelf["moon"].pk)
    # Library B's host has no such record, whatever the id.
    assert other_web.get("/unapi", {"id": moon, "format": "marcxml"}).status_code == 404
    assert other_web.get("/unapi", {"id": f"oai:alpha.localhost:{moon}"}).status_code == 404
    assert b"Beta Library" in other_web.get("/opensearch.xml").content
    with schema_context("alpha"), django_capture_on_commit_callbacks(execute=True):
        count = Record.objects.count()
        library_settings_update(library=library, actor="test", public_catalog=False)
    for path in ("/unapi", f"/unapi?id={moon}&format=marcxml", "/opensearch.xml"):
        closed = web.get(path)
        assert closed.status_code == 403, path
        assert b"moon" not in closed.content
    with schema_context("alpha"):
        assert Record.objects.count() == count


def test_unapi_takes_only_this_repository_s_oai_identifiers(web, shelf):
    """Record numbers are each library's own: beta's record 1 is not alpha's, so beta's OAI
    identifier must not fetch alpha's record of the same number."""
    moon = shelf["moon"].pk
    assert web.get("/unapi", {"id": f"oai:alpha.localhost:{moon}"}).status_code == 300
    for foreign in (f"oai:beta.localhost:{moon}", f"oai:beta.localhost:alpha.localhost:{moon}"):
        assert web.get("/unapi", {"id": foreign}).status_code == 404
        assert web.get("/unapi", {"id": foreign, "format": "oai_dc"}).status_code == 404
