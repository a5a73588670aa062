"""SRU at /sru: explain, searchRetrieve with the CQL subset, paging, schemas, diagnostics."""

import logging

import pytest
from django.test import Client
from django_tenants.utils import schema_context
from lxml import etree

from catalog.models import Record
from catalog.protocols import cql
from catalog.protocols.cql import cql_search
from tenants.administration import library_settings_update
from tests.conftest import LIBRARY_HOST
from tests.protocols.xsd import MARC_NS, marc_valid

SRU = "http://www.loc.gov/zing/srw/"
NS = {
    "zs": SRU, "diag": "http://www.loc.gov/zing/srw/diagnostic/", "m": MARC_NS,
    "dc": "http://purl.org/dc/elements/1.1/", "zr": "http://explain.z3950.org/dtd/2.0/",
    "rec": "info:srw/extension/2/rec-1.0",
    "s2": "http://docs.oasis-open.org/ns/search-ws/sruResponse",
}  # fmt: skip


def sru_get(client: Client, **params: str) -> etree._Element:
    response = client.get("/sru", params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    return etree.fromstring(response.content)


def found_ids(tree: etree._Element) -> list[int]:
    urls = tree.xpath("//rec:recordIdentifier/text()", namespaces=NS)
    return [int(url.rstrip("/").rsplit("/", 1)[1]) for url in urls]


def diagnostic(tree: etree._Element) -> str | None:
    uri = tree.xpath("//diag:uri/text()", namespaces=NS)
    return uri[0].rsplit("/", 1)[1] if uri else None


def api_ids(api_client, q: str) -> list[int]:
    response = api_client.get("/api/v1/records/", {"q": q, "page_size": 200})
    assert response.status_code == 200
    return [row["id"] for row in response.json()["results"]]


def test_explain_lists_indexes_and_schemas(web, shelf):
    for params in ({}, {"operation": "explain", "version": "1.2"}):
        tree = sru_get(web, **params)
        assert tree.tag == f"{{{SRU}}}explainResponse"
        names = tree.xpath("//zr:indexInfo//zr:name/text()", namespaces=NS)
        assert {"serverChoice", "title", "creator", "subject", "isbn", "identifier"} <= set(names)
        schemas = tree.xpath("//zr:schemaInfo/zr:schema/@name", namespaces=NS)
        assert schemas == ["marcxml", "dc"]
        assert tree.xpath("//zr:databaseInfo/zr:title/text()", namespaces=NS) == ["Alpha Library"]


def test_a_plain_query_is_the_apis_search_in_its_order(web, api_client, shelf):
    for q in ("perl", "moon", '"harsh mistress"', "perl -programming"):
        tree = sru_get(web, query=q, maximumRecords="100")
        assert found_ids(tree) == api_ids(api_client, q), q
        assert int(tree.findtext("zs:numberOfRecords", namespaces=NS)) == len(
            api_ids(api_client, q)
        )
    # cql.serverChoice spelled out is the same search.
    assert found_ids(sru_get(web, query="cql.serverChoice = perl", maximumRecords="100")) == (
        api_ids(api_client, "perl")
    )


@pytest.mark.parametrize(
    ("cql", "expected"),
    [
        ("title = moon", {"moon", "mistress"}),
        ('dc.title = "harsh mistress"', {"mistress"}),
        ("title all \"gardens moon\"", {"moon"}),
        ("title any \"deadhouse mistress\"", {"gates", "mistress"}),
        ("creator = erikson", {"moon", "gates"}),
        ("author = heinlein", {"mistress"}),
        ("bath.author = \"ross\"", {"moon"}),
        ("subject = sieges", {"gates"}),
        ("dc.subject any \"sieges fantasy\"", {"moon", "gates"}),
        ("isbn = 0-553-81957-7", {"moon"}),
        ("isbn = 0553819577", {"moon"}),
        ("isbn = 978-0-553-81957-1", {"moon"}),
        ("dc.identifier = 9780553819571", {"moon"}),
        ("creator = erikson and subject = sieges", {"gates"}),
        ("creator = erikson not subject = sieges", {"moon"}),
        ("(title = deadhouse or title = mistress) and creator = heinlein", {"mistress"}),
        ("title = erikson", set()),
        ("isbn = 12345", set()),
    ],
)  # fmt: skip
def test_indexes_relations_and_booleans(web, shelf, cql, expected):
    by_id = {record.pk: name for name, record in shelf.items()}
    tree = sru_get(web, query=cql, recordSchema="dc", maximumRecords="100")
    assert {by_id[pk] for pk in found_ids(tree)} == expected
    assert int(tree.findtext("zs:numberOfRecords", namespaces=NS)) == len(expected)


def test_title_matches_are_ranked_with_the_catalogs_rank(shelf):
    with schema_context("alpha"):
        ranked = list(cql_search("title = perl"))
        assert ranked
        assert all(record.rank > 0 for record in ranked)
        ranks = [record.rank for record in ranked]
        assert ranks == sorted(ranks, reverse=True)


def test_schemas_and_paging(web, api_client, shelf):
    everything = api_ids(api_client, "perl")
    assert len(everything) > 4
    seen: list[int] = []
    start = 1
    while True:
        tree = sru_get(web, query="perl", startRecord=str(start), maximumRecords="3")
        positions = tree.xpath("//zs:recordPosition/text()", namespaces=NS)
        assert positions == [str(n) for n in range(start, start + len(positions))]
        seen += found_ids(tree)
        following = tree.findtext("zs:nextRecordPosition", namespaces=NS)
        if following is None:
            break
        start = int(following)
    assert seen == everything
    marc = sru_get(web, query="isbn = 0553819577", recordSchema="info:srw/schema/1/marcxml-v1.1")
    record = marc.find(".//m:record", NS)
    marc_valid(etree.tostring(record))
    assert record.xpath("m:datafield[@tag='245']/m:subfield[@code='a']/text()", namespaces=NS) == [
        "Gardens of the moon"
    ]
    dc = sru_get(web, query="isbn = 0553819577", recordSchema="dc")
    assert dc.xpath("//dc:title/text()", namespaces=NS) == [
        "Gardens of the moon : a tale of the Malazan book of the fallen"
    ]
    packed = sru_get(web, query="isbn = 0553819577", recordPacking="string")
    text = packed.findtext(".//zs:recordData", namespaces=NS)
    assert text.startswith("<record")
    assert "Gardens of the moon" in text
    count_only = sru_get(web, query="perl", maximumRecords="0")
    assert int(count_only.findtext("zs:numberOfRecords", namespaces=NS)) == len(everything)
    assert count_only.find("zs:records", NS) is None


def test_sru_2_0_answers_in_its_namespace(web, shelf):
    tree = sru_get(web, query="title = moon", version="2.0", recordSchema="dc")
    assert tree.tag == f"{{{NS['s2']}}}searchRetrieveResponse"
    assert tree.findtext("s2:numberOfRecords", namespaces=NS) == "2"
    assert tree.xpath("//s2:recordXMLEscaping/text()", namespaces=NS) == ["xml", "xml"]


@pytest.mark.parametrize(
    ("params", "number"),
    [
        ({"query": "bib.shelfmark = x"}, "16"),
        ({"query": "publisher = bantam"}, "16"),
        ({"query": "title < moon"}, "19"),
        ({"query": "title exact moon"}, "19"),
        ({"query": "isbn all 0553819577"}, "19"),
        ({"query": "title =/stem moon"}, "20"),
        ({"query": "title = moon prox title = gardens"}, "37"),
        ({"query": "title = moon and/rel.combine=sum title = x"}, "46"),
        ({"query": "title = \"\""}, "27"),
        ({"query": "title = gard*"}, "28"),
        ({"query": "gard*"}, "28"),
        ({"query": "creator all \"erik* steven\""}, "28"),
        ({"query": "title = moon sortby dc.date"}, "80"),
        ({"query": "title = (moon"}, "10"),
        ({"query": "title ="}, "10"),
        ({"operation": "searchRetrieve"}, "7"),
        ({"query": "moon", "version": "3.0"}, "5"),
        ({"operation": "scan", "scanClause": "title"}, "4"),
        ({"operation": "scan", "scanClause": "dc.title = moon", "maximumTerms": "5"}, "4"),
        ({"operation": "scan"}, "4"),
        ({"query": "moon", "recordSchema": "mods"}, "66"),
        ({"query": "moon", "recordPacking": "json"}, "71"),
        ({"query": "moon", "startRecord": "0"}, "6"),
        ({"query": "moon", "maximumRecords": "lots"}, "6"),
        ({"query": "moon", "startRecord": "\u00b2"}, "6"),
        ({"query": "moon", "startRecord": "50"}, "61"),
        ({"query": "moon", "colour": "red"}, "8"),
        ({"query": "moon " * 201}, "6"),
    ],
)  # fmt: skip
def test_unsupported_queries_answer_diagnostics(web, shelf, params, number):
    tree = sru_get(web, **params)
    assert diagnostic(tree) == number, etree.tostring(tree)


def test_scan_is_an_unsupported_operation(web, shelf):
    tree = sru_get(web, operation="scan", scanClause="title", version="1.2")
    assert tree.tag == f"{{{SRU}}}scanResponse"
    assert tree.xpath("//diag:uri/text()", namespaces=NS) == ["info:srw/diagnostic/1/4"]
    assert tree.xpath("//diag:message/text()", namespaces=NS) == ["Unsupported operation"]
    assert tree.xpath("//diag:details/text()", namespaces=NS) == ["scan"]


@pytest.mark.parametrize(
    ("query", "details"),
    [
        ("title = (moon", 'Unexpected "(" at character 9.'),
        ("moon)", 'Unexpected ")" at character 5.'),
        ("title = moon gardens", 'Unexpected "gardens" at character 14.'),
        ('title = moon "harsh mistress"', 'Unexpected "harsh mistress" at character 14.'),
        ('title = "harsh mistress', "The quotation mark at character 9 is never closed."),
        ("title =", "The query ends at character 7 before it is complete."),
        ("moon and", "The query ends at character 8 before it is complete."),
    ],
)
def test_a_syntax_error_names_what_was_typed_and_where(web, shelf, query, details):
    response = web.get("/sru", {"query": query})
    assert b"LexToken" not in response.content
    assert b"CHAR_STRING" not in response.content
    tree = etree.fromstring(response.content)
    assert diagnostic(tree) == "10"
    assert tree.xpath("//diag:message/text()", namespaces=NS) == ["Query syntax error"]
    assert tree.xpath("//diag:details/text()", namespaces=NS) == [details]


def test_bad_queries_leave_the_log_alone(web, shelf, monkeypatch, caplog, capfd):
    # A parser built afresh, as in a new web process: building it must not write either.
    monkeypatch.setattr(cql, "_parser", None)
    caplog.set_level(logging.DEBUG)
    capfd.readouterr()
    for query in ('title = "moon', "title = (moon", "title =", "moon)", "a = b = c"):
        assert diagnostic(sru_get(web, query=query)) == "10"
    assert [r for r in caplog.records if r.name.startswith("cql")] == []
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


def test_a_closed_catalog_answers_403(web, shelf, library, django_capture_on_commit_callbacks):
    with schema_context("alpha"), django_capture_on_commit_callbacks(execute=True):
        library_settings_update(library=library, actor="test", public_catalog=False)
    response = web.get("/sru", {"query": "moon"})
    assert response.status_code == 403
    assert b"moon" not in response.content.lower()
    assert web.get("/sru").status_code == 403


def test_one_librarys_records_never_reach_anothers_sru(other_web, shelf):
    with schema_context("alpha"):
        count = Record.objects.count()
    for query in ("moon", "perl", "isbn = 0553819577", "creator = erikson"):
        tree = sru_get(other_web, query=query, maximumRecords="100")
        assert tree.findtext("zs:numberOfRecords", namespaces=NS) == "0", query
        assert found_ids(tree) == []
    explain = sru_get(other_web)
    assert explain.xpath("//zr:databaseInfo/zr:title/text()", namespaces=NS) == ["Beta Library"]
    with schema_context("alpha"):
        assert Record.objects.count() == count
    assert Client(HTTP_HOST=LIBRARY_HOST).get("/sru", {"query": "moon"}).status_code == 200
