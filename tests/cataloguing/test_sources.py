"""The outside sources' adapters against recorded answers, slow answers and broken ones."""

import time

import pytest

from cataloguing.sources import OpenLibrarySource, SourceFailed, SruSource
from tests.conftest import free_port

SICP = "9780262510875"
AUSTEN = "9780141439518"


def test_sru_reads_a_marcxml_record(recorded_server):
    recorded_server.answer("/sru", "sru_hit.xml")
    found = SruSource(name="national", url=f"{recorded_server.url}/sru").lookup(SICP)
    assert len(found) == 1
    record = found[0].record
    assert record["title"] == "Structure and interpretation of computer programs"
    assert record["publisher"] == "MIT Press"
    assert record["publication_year"] == 1996
    assert record["edition"] == "2nd ed"
    assert [c["name"] for c in record["contributors"]] == [
        "Abelson, Harold",
        "Sussman, Gerald Jay",
    ]
    assert {"kind": "isbn", "value": SICP} in record["identifiers"]
    assert record["language"] == "eng"
    query = recorded_server.requests[-1]
    assert "operation=searchRetrieve" in query
    assert f"query=bath.isbn%3D{SICP}" in query
    assert "recordSchema=marcxml" in query


def test_sru_without_a_record_finds_nothing(recorded_server):
    recorded_server.answer("/sru", "sru_none.xml")
    assert SruSource(name="national", url=f"{recorded_server.url}/sru").lookup(SICP) == []


def test_open_library_reads_its_json(recorded_server):
    recorded_server.answer("/api/books", "openlibrary_hit.json")
    found = OpenLibrarySource(name="openlibrary", url=recorded_server.url).lookup(AUSTEN)
    assert len(found) == 1
    record = found[0].record
    assert record["title"] == "Pride and Prejudice"
    assert record["subtitle"] == "a novel"
    assert record["contributors"] == [{"name": "Jane Austen", "role": "author"}]
    assert record["publisher"] == "Penguin Books"
    assert record["publication_year"] == 2003
    assert [s["heading"] for s in record["subjects"]] == ["Courtship", "Sisters"]
    assert record["identifiers"] == [{"kind": "isbn", "value": AUSTEN}]
    assert found[0].cover_url.endswith("8091016-L.jpg")
    assert f"bibkeys=ISBN%3A{AUSTEN}" in recorded_server.requests[-1]


def test_open_library_without_the_book_finds_nothing(recorded_server):
    recorded_server.answer("/api/books", "openlibrary_none.json")
    assert OpenLibrarySource(name="ol", url=recorded_server.url).lookup(AUSTEN) == []


@pytest.mark.parametrize(
    ("make", "path", "recorded"),
    [
        (lambda url: SruSource(name="s", url=f"{url}/sru", timeout=0.5), "/sru", "sru_hit.xml"),
        (lambda url: OpenLibrarySource(name="o", url=url, timeout=0.5), "/api/books",
         "openlibrary_hit.json"),
    ],
)  # fmt: skip
def test_a_slow_source_fails_within_its_timeout(recorded_server, make, path, recorded):
    recorded_server.answer(path, recorded, delay=3)
    started = time.monotonic()
    with pytest.raises(SourceFailed, match=r"no answer within 0\.5 s"):
        make(recorded_server.url).lookup(SICP)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    ("make", "path", "recorded", "status", "why"),
    [
        (lambda url: SruSource(name="s", url=f"{url}/sru"), "/sru", "sru_malformed.xml", 200,
         "unreadable answer"),
        (lambda url: OpenLibrarySource(name="o", url=url), "/api/books",
         "openlibrary_malformed.json", 200, "not JSON"),
        (lambda url: SruSource(name="s", url=f"{url}/sru"), "/sru", "sru_hit.xml", 503,
         "Service Unavailable"),
        (lambda url: OpenLibrarySource(name="o", url=url), "/api/books",
         "openlibrary_hit.json", 500, "Internal Server Error"),
    ],
)  # fmt: skip
def test_a_broken_answer_is_a_failure(recorded_server, make, path, recorded, status, why):
    recorded_server.answer(path, recorded, status=status)
    with pytest.raises(SourceFailed, match=why):
        make(recorded_server.url).lookup(SICP if path == "/sru" else AUSTEN)


def test_a_source_that_is_down_is_a_failure():
    source = SruSource(name="down", url=f"http://127.0.0.1:{free_port()}/sru", timeout=1)
    with pytest.raises(SourceFailed, match="refused"):
        source.lookup(SICP)
