"""GET /api/v1/records/lookup/: the catalog, then the pool, then outside sources, best first."""

import time

import pytest
from django_tenants.utils import schema_context

from catalog.models import Identifier, Record
from catalog.services import ItemData, RecordData, item_create, record_create
from tenants.administration import library_settings_update
from tenants.pool import pool_sync
from tests.api.conftest import callers_of, client_for
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST, free_port

LEFT_HAND = "9780441478125"
AUSTEN = "9780141439518"


@pytest.fixture
def callers(library):  # type: ignore[no-untyped-def]
    return callers_of("alpha", LIBRARY_HOST)


def _lookup(client, isbn):  # type: ignore[no-untyped-def]
    return client.get("/api/v1/records/lookup/", {"isbn": isbn})


def test_a_record_of_the_library_comes_first_in_any_form_of_its_isbn(library, callers):
    with schema_context("alpha"):
        record = record_create(
            data=RecordData(title="The Left Hand of Darkness", identifiers=[("isbn", LEFT_HAND)])
        )
        item_create(record_id=record.pk, data=ItemData(barcode="000120"))
    for form in ("978-0-441-47812-5", "0-441-47812-3", "0441478123", LEFT_HAND):
        answer = _lookup(callers["read_key"], form)
        assert answer.status_code == 200, form
        body = answer.json()
        assert [r["source"] for r in body["results"]] == ["catalog"]
        assert body["results"][0]["record_id"] == record.pk
        assert body["results"][0]["items"] == 1
        assert body["results"][0]["record"]["title"] == "The Left Hand of Darkness"
        assert body["next_barcode"] == "000121"


def test_the_pool_answers_what_the_catalog_lacks(library, other_library, callers, settings):
    settings.STACKS_LOOKUP_SOURCES = [
        {"name": "never-asked", "kind": "openlibrary", "url": f"http://127.0.0.1:{free_port()}"}
    ]
    with schema_context("beta"):
        record_create(
            data=RecordData(
                title="The Left Hand of Darkness",
                contributors=[("Le Guin, Ursula K.", "author")],
                identifiers=[("isbn", LEFT_HAND)],
            )
        )
    library_settings_update(library=other_library, actor="test", share_records=True)
    pool_sync(library_id=other_library.pk)
    body = _lookup(callers["librarian"], "0-441-47812-3").json()
    assert [(r["source"], r["library"]) for r in body["results"]] == [("pool", "Beta Library")]
    assert body["results"][0]["record"]["contributors"] == [
        {"name": "Le Guin, Ursula K.", "role": "author"}
    ]
    assert body["failures"] == []  # outside sources are not asked when the pool has it


def test_outside_sources_answer_beside_a_failing_one(library, callers, settings, recorded_server):
    recorded_server.answer("/api/books", "openlibrary_hit.json")
    recorded_server.answer("/slow/sru", "sru_hit.xml", delay=3)
    settings.STACKS_LOOKUP_SOURCES = [
        {"name": "national", "kind": "sru", "url": f"{recorded_server.url}/slow/sru",
         "timeout": 0.5},
        {"name": "down", "kind": "sru", "url": f"http://127.0.0.1:{free_port()}/sru"},
        {"name": "openlibrary", "kind": "openlibrary", "url": recorded_server.url},
    ]  # fmt: skip
    started = time.monotonic()
    answer = _lookup(callers["librarian"], "0141439513")
    assert time.monotonic() - started < 2.5
    assert answer.status_code == 200
    body = answer.json()
    assert [r["source"] for r in body["results"]] == ["openlibrary"]
    assert body["results"][0]["record"]["title"] == "Pride and Prejudice"
    assert {f["source"] for f in body["failures"]} == {"national", "down"}


def test_every_source_failing_answers_nothing_found_not_an_error(library, callers, settings,
                                                                  recorded_server):  # fmt: skip
    recorded_server.answer("/sru", "sru_malformed.xml")
    recorded_server.answer("/api/books", "openlibrary_malformed.json")
    settings.STACKS_LOOKUP_SOURCES = [
        {"name": "national", "kind": "sru", "url": f"{recorded_server.url}/sru"},
        {"name": "openlibrary", "kind": "openlibrary", "url": recorded_server.url},
    ]
    answer = _lookup(callers["librarian"], AUSTEN)
    assert answer.status_code == 200
    assert answer.json()["results"] == []
    assert len(answer.json()["failures"]) == 2


@pytest.mark.parametrize("isbn", ["", "12345", "978-0-441-47812-0", "not an isbn"])
def test_a_bad_isbn_is_a_clear_400(library, callers, isbn):
    answer = _lookup(callers["librarian"], isbn)
    assert answer.status_code == 400
    assert "ISBN" in str(answer.json())


def test_readers_and_other_libraries_may_not_look_up(library, other_library, callers):
    with schema_context("alpha"):
        record_create(data=RecordData(title="Alpha's own", identifiers=[("isbn", LEFT_HAND)]))
        before = (Record.objects.count(), Identifier.objects.count())
    assert _lookup(callers["anonymous"], LEFT_HAND).status_code in (401, 403)
    beta = callers_of("beta", OTHER_LIBRARY_HOST)
    # Beta's key on alpha's host is unknown there.
    key = beta["read_key"]._credentials["HTTP_AUTHORIZATION"]
    assert _lookup(client_for(LIBRARY_HOST, key), LEFT_HAND).status_code == 401
    # On its own host beta does not see alpha's record (alpha does not share).
    assert _lookup(beta["read_key"], LEFT_HAND).json()["results"] == []
    with schema_context("alpha"):
        assert (Record.objects.count(), Identifier.objects.count()) == before
