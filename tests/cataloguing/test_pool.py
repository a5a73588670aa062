"""The shared pool: fed from sharing libraries' change feeds, bibliographic data only."""

import json
from decimal import Decimal

import pytest
from django.contrib.postgres.search import SearchVector
from django.test import Client
from django_tenants.utils import schema_context

from catalog.services import (
    ItemData,
    RecordData,
    item_create,
    record_create,
    record_delete,
    record_update,
)
from tenants.administration import library_settings_update
from tenants.models import PoolFeed, PoolRecord
from tenants.pool import pool_isbn_lookup, pool_libraries, pool_search, pool_sync
from tests.api.conftest import callers_of
from tests.conftest import LIBRARY_HOST

ISBN = "9780441478125"  # 0-441-47812-3


def _record(schema: str, title: str = "The Left Hand of Darkness", **extra: object) -> int:
    with schema_context(schema):
        record = record_create(
            data=RecordData(
                title=title,
                contributors=[("Le Guin, Ursula K.", "author")],
                identifiers=[("isbn", "0-441-47812-3")],
                **extra,  # type: ignore[arg-type]
            )
        )
        item_create(
            record_id=record.pk,
            data=ItemData(
                barcode=f"{schema}-{record.pk}",
                price=Decimal("12.34"),
                staff_note="STAFF-ONLY-NOTE",
                public_note="PUBLIC-NOTE-OF-A-COPY",
                call_number="CALL-NUMBER-X",
            ),
        )
        return record.pk


def _share(library, on: bool = True) -> None:  # type: ignore[no-untyped-def]
    library_settings_update(library=library, actor="test", share_records=on)


def test_a_sharing_library_joins_with_what_it_has_then_follows_its_feed(library):
    first = _record("alpha")
    _share(library)
    assert pool_libraries() == [library.pk]
    assert pool_sync(library_id=library.pk) is False
    row = PoolRecord.objects.get(library=library, record_id=first)
    assert row.isbns == [ISBN]
    assert row.contributors == [["Le Guin, Ursula K.", "author"]]

    second = _record("alpha", title="The Dispossessed")
    with schema_context("alpha"):
        record_update(record_id=first, data=RecordData(title="Left Hand, revised"))
    pool_sync(library_id=library.pk)
    titles = dict(PoolRecord.objects.filter(library=library).values_list("record_id", "title"))
    assert titles == {first: "Left Hand, revised", second: "The Dispossessed"}
    assert PoolRecord.objects.get(record_id=first).isbns == []

    with schema_context("alpha"):
        record_delete(record_id=second)
    pool_sync(library_id=library.pk)
    assert list(PoolRecord.objects.filter(library=library).values_list("record_id", flat=True)) == [
        first
    ]


def test_staff_fields_never_reach_the_pool(library):
    _record("alpha", summary="A summary readers see.")
    _share(library)
    pool_sync(library_id=library.pk)
    stored = json.dumps(list(PoolRecord.objects.values()), default=str)
    assert "A summary readers see." in stored
    for private in ("STAFF-ONLY-NOTE", "12.34", "PUBLIC-NOTE-OF-A-COPY", "CALL-NUMBER-X",
                    "alpha-"):  # fmt: skip
        assert private not in stored
    columns = {f.name for f in PoolRecord._meta.get_fields()}
    assert not columns & {"price", "staff_note", "public_note", "barcode", "items", "call_number"}


def test_a_library_that_does_not_share_never_appears(library, other_library):
    _record("alpha")
    _record("beta", title="Beta's copy of the same book")
    _share(library)
    for library_id in pool_libraries():
        pool_sync(library_id=library_id)
    pool_sync(library_id=other_library.pk)  # asked directly, it still stays out
    assert not PoolRecord.objects.filter(library=other_library).exists()
    assert [h.library_name for h in pool_isbn_lookup(isbn=ISBN)] == ["Alpha Library"]
    assert all(h.library_name == "Alpha Library" for g in pool_search(query="darkness")
               for h in g.hits)  # fmt: skip


def test_stopping_sharing_removes_the_records_in_one_cycle(library):
    _record("alpha")
    _share(library)
    pool_sync(library_id=library.pk)
    assert PoolRecord.objects.filter(library=library).exists()
    _share(library, on=False)
    assert library.pk in pool_libraries()  # visited once more, to leave
    pool_sync(library_id=library.pk)
    assert not PoolRecord.objects.filter(library=library).exists()
    assert not PoolFeed.objects.filter(library=library).exists()
    assert pool_isbn_lookup(isbn=ISBN) == []
    assert pool_libraries() == []


def test_the_settings_api_carries_share_records(library, django_capture_on_commit_callbacks):
    callers = callers_of("alpha", LIBRARY_HOST)
    admin = callers["admin"]
    assert admin.get("/api/v1/settings/").json()["share_records"] is False
    with django_capture_on_commit_callbacks() as queued:
        answer = admin.patch("/api/v1/settings/", {"share_records": True}, format="json")
    assert answer.status_code == 200
    assert answer.json()["share_records"] is True
    # The pool's worker is asked at once (beside forgetting the cached host lookup).
    assert any(c.__qualname__.startswith("task_enqueue") for c in queued)
    library.refresh_from_db()
    assert library.share_records is True
    refused = callers["librarian"].patch(
        "/api/v1/settings/", {"share_records": False}, format="json"
    )
    assert refused.status_code == 403
    library.refresh_from_db()
    assert library.share_records is True


def test_union_search_groups_by_isbn_and_links_each_library(library, other_library):
    _record("alpha")
    beta_id = _record("beta", title="The Left Hand of Darkness")
    _share(library)
    _share(other_library)
    for library_id in pool_libraries():
        pool_sync(library_id=library_id)
    page = Client(HTTP_HOST="localhost").get("/search/", {"q": "left hand darkness"})
    assert page.status_code == 200
    assert page.content.decode().count("<h2>The Left Hand of Darkness</h2>") == 1
    assert f"http://beta.localhost/records/{beta_id}/" in page.content.decode()
    assert ">Alpha Library</a>" in page.content.decode()
    assert "No sharing library" in Client(HTTP_HOST="localhost").get("/search/?q=zzzz").text


@pytest.mark.parametrize("query", ["978-0-441-47812-5", "0441478123"])
def test_union_search_finds_an_isbn_in_any_form(library, query):
    _record("alpha")
    _share(library)
    pool_sync(library_id=library.pk)
    page = Client(HTTP_HOST="localhost").get("/search/", {"q": query})
    assert "The Left Hand of Darkness" in page.content.decode()


def test_the_pool_search_reads_accents_as_the_catalog_search_does(library, other_library):
    with schema_context("alpha"):
        record = record_create(
            data=RecordData(
                title="Cien años de soledad",
                contributors=[("García Márquez, Gabriel", "author")],
            )
        )
    with schema_context("beta"):  # not sharing: never found, accents or not
        record_create(data=RecordData(title="Cien años de soledad, beta's copy"))
    _share(library)
    for library_id in pool_libraries():
        pool_sync(library_id=library_id)

    def found(query: str) -> list[tuple[str, int]]:
        return [(h.library_name, h.record.record_id) for g in pool_search(query=query)
                for h in g.hits]  # fmt: skip

    expected = [("Alpha Library", record.pk)]
    assert found("Gabriel Garcia Marquez") == expected
    assert found("García Márquez") == expected
    assert found("cien anos de soledad") == expected
    # Full-width letters, as the catalog folds them.
    assert found("\uff23\uff29\uff25\uff2e AÑOS") == expected
    assert found("Gabriel Garcia Marquez Borges") == []


def _pooled_beside_a_plain_record(library, data: RecordData) -> None:  # type: ignore[no-untyped-def]
    """A record of library A's and one with a plain title, in the pool."""
    with schema_context("alpha"):
        record_create(data=data)
        record_create(data=RecordData(title="Plain title"))
    _share(library)
    pool_sync(library_id=library.pk)


def _pool_vectors_unfolded() -> None:
    """The pool's vectors as its sync wrote them before it folded text."""
    PoolRecord.objects.update(
        vector=SearchVector("title", "subtitle", config="simple")  # type: ignore[arg-type]
    )


def test_pool_vectors_written_with_accents_are_built_anew(library):
    from tenants.pool import pool_vectors_refold

    _pooled_beside_a_plain_record(
        library, RecordData(title="Amélie", contributors=[("Zoë Ørsted", "author")])
    )
    _pool_vectors_unfolded()
    assert pool_search(query="amelie orsted") == []
    assert pool_vectors_refold() == 1
    assert [g.title for g in pool_search(query="amelie zoe orsted")] == ["Amélie"]
    assert [g.title for g in pool_search(query="plain")] == ["Plain title"]


def test_the_pool_finds_a_name_typed_without_its_apostrophe(library):
    from tenants.pool import pool_vectors_refold

    _pooled_beside_a_plain_record(
        library, RecordData(title="At Swim", contributors=[("O\u2019Brien, Flann", "author")])
    )
    for query in ("obrien flann", "O'Brien", "brien"):
        assert [g.title for g in pool_search(query=query)] == ["At Swim"], query
    _pool_vectors_unfolded()
    assert pool_search(query="at swim obrien") == []
    assert pool_vectors_refold() == 1
    assert [g.title for g in pool_search(query="at swim obrien")] == ["At Swim"]
    assert [g.title for g in pool_search(query="plain")] == ["Plain title"]
