"""Search terms: common words whose matches are kept ranked, in step with every writer."""

import io
import threading

import pytest
from django.db import connection
from django.db.models import F
from django_tenants.utils import schema_context

from catalog.imports.generate import marc_generate
from catalog.imports.jobs import import_job_create
from catalog.models import SearchTerm, SearchTermRank
from catalog.search import TextMatch, record_search
from catalog.search.sql import ranked_page, words_walked
from catalog.services import (
    RecordData,
    record_create,
    record_delete,
    record_update,
    search_terms_refresh,
)
from tests.catalog.imports.helpers import job_run
from tests.threads import SchemaThread

FIRST_PAGE = {"seek": None, "limit": 50}


def ranks_kept() -> set[tuple[int, str, float]]:
    return set(SearchTermRank.objects.values_list("record_id", "term", "rank"))


def ranks_due() -> set[tuple[int, str, float]]:
    """Every record's rank for every term its vector matches, computed afresh."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.record_id, t.query, ts_rank(s.vector, t.query::tsquery)::float8 "
            "FROM catalog_recordsearch s JOIN catalog_searchterm t "
            "ON s.vector @@ t.query::tsquery"
        )
        return set(cursor.fetchall())


def make(title: str, **kw):
    return record_create(data=RecordData(title=title, **kw))


@pytest.fixture
def sea(in_library):
    records = [
        make("Ocean voyage"),
        make("Ocean ocean floor"),
        make("The ocean's voyage home", contributors=[("Ocean, Ann", "author")]),
        make("Harbour lights", subjects=[("Ocean travel", "lcsh")]),
        make("Desert crossing"),
    ]
    terms = search_terms_refresh(min_records=2)
    return records, terms


def test_a_refresh_chooses_the_common_words_and_keeps_every_matchs_rank(sea):
    records, terms = sea

    assert terms == {"'ocean'": 4, "'voyag'": 2}
    assert dict(SearchTerm.objects.values_list("query", "records")) == terms
    assert ranks_kept() == ranks_due()
    assert {(pk, term) for pk, term, _ in ranks_kept()} == {
        (records[0].pk, "'ocean'"), (records[1].pk, "'ocean'"), (records[2].pk, "'ocean'"),
        (records[3].pk, "'ocean'"), (records[0].pk, "'voyag'"), (records[2].pk, "'voyag'"),
    }  # fmt: skip

    # Fewer records now have "voyage" than the bar: it is no longer a term, nor its ranks.
    assert search_terms_refresh(min_records=3) == {"'ocean'": 4}
    assert {term for _, term, _ in ranks_kept()} == {"'ocean'"}
    assert ranks_kept() == ranks_due()
    # None at all for a small catalog at the default bar.
    assert search_terms_refresh() == {}
    assert not SearchTermRank.objects.exists()


def test_every_write_of_a_records_words_keeps_its_term_ranks_in_step(sea):
    records, _ = sea

    added = make("Ocean currents", contributors=[("Voyager, Vic", "author")])
    assert {t for pk, t, _ in ranks_kept() if pk == added.pk} == {"'ocean'", "'voyag'"}
    assert ranks_kept() == ranks_due()

    record_update(record_id=records[4].pk, data=RecordData(title="Desert ocean voyage"))
    record_update(record_id=records[0].pk, data=RecordData(title="Mountain pass"))
    record_update(record_id=records[1].pk, data=RecordData(title="Ocean floor"))  # rank falls
    assert {t for pk, t, _ in ranks_kept() if pk == records[0].pk} == set()
    assert ranks_kept() == ranks_due()

    record_delete(record_id=records[2].pk)
    assert not SearchTermRank.objects.filter(record_id=records[2].pk).exists()
    assert ranks_kept() == ranks_due()


def generated(count: int, start: int, seed: int) -> io.BytesIO:
    stream = io.BytesIO()
    marc_generate(stream, count, start=start, seed=seed)
    stream.seek(0)
    return stream


def test_an_import_writes_the_term_ranks_of_its_records(in_library):
    job_run(
        import_job_create(
            file=generated(40, 1, 1), file_name="a.mrc", one_shot=True, create_locations=True
        )
    )
    assert search_terms_refresh(min_records=5)
    ranked_before = {pk for pk, _, _ in ranks_kept()}

    job = job_run(
        import_job_create(
            file=generated(40, 41, 2), file_name="b.mrc", one_shot=True, create_locations=True
        )
    )

    assert job.created == 40
    assert ranks_kept() == ranks_due()
    assert {pk for pk, _, _ in ranks_kept()} - ranked_before  # the new records' ranks


def test_a_search_for_a_term_reads_the_ranks_kept_for_it(sea):
    records, _ = sea
    by_vectors = ranked_page(TextMatch.of("ocean"), **FIRST_PAGE)
    # Kept ranks turned upside down (never so in use): the term's searches follow them.
    SearchTermRank.objects.filter(term="'ocean'").update(rank=10 - F("rank"))

    for q in ("ocean", "Ocean ocean", "ocean or OCEAN ocean", '"ocean"'):
        page = ranked_page(TextMatch.of(q), **FIRST_PAGE)
        assert [pk for pk, _ in page] == [pk for pk, _ in by_vectors][::-1], q
    # Not the same query as the word alone: ranked from the vectors.
    for q in ('"ocean ocean"', "ocean -floor", "ocean voyage"):
        page = ranked_page(TextMatch.of(q), **FIRST_PAGE)
        assert all(rank < 1 for _, rank in page), q
    assert [r.pk for r in record_search(q='"ocean ocean"')] == [records[1].pk]


def test_only_common_words_that_must_all_be_there_are_walked_by_the_rarest(sea):
    # ocean is in four records, voyage in two: both terms; floor and desert are not.
    for q in ("ocean voyage", "Voyages OCEAN ocean"):
        assert words_walked(TextMatch.of(q), more_than=0) == "'voyag'", q
    assert words_walked(TextMatch.of("ocean voyage"), more_than=1000) is None
    for q in ("ocean", "ocean floor", "ocean voyage desert", '"ocean voyage"', "ocean -voyage",
              "ocean or voyage", "978-0-441-17271-9"):  # fmt: skip
        assert words_walked(TextMatch.of(q), more_than=0) is None, q
    # A cursor's word, whatever the counts: one of the query's, or refused.
    assert words_walked(TextMatch.of("ocean voyage"), more_than=1000, term="'ocean'") == "'ocean'"
    assert words_walked(TextMatch.of("ocean floor"), more_than=0, term="'floor'") == "'floor'"
    for q, term in (("ocean voyage", "'desert'"), ("ocean -voyage", "'ocean'"),
                    ("ocean", "'ocean'"), ("978-0-441-17271-9", "'ocean'")):  # fmt: skip
        with pytest.raises(ValueError, match="is not a word of"):
            words_walked(TextMatch.of(q), more_than=0, term=term)


def test_a_rank_whose_record_is_gone_is_skipped_and_swept(sea):
    records, _ = sea
    page = ranked_page(TextMatch.of("ocean"), **FIRST_PAGE)
    # As a record deleted while a refresh wrote its ranks leaves them.
    SearchTermRank.objects.create(record_id=records[-1].pk + 100, term="'ocean'", rank=5.0)

    assert ranked_page(TextMatch.of("ocean"), **FIRST_PAGE) == page
    search_terms_refresh(min_records=2)
    assert ranks_kept() == ranks_due()


@pytest.mark.parametrize("action", ["save", "delete"])
def test_a_refresh_waits_for_a_record_being_saved_or_deleted(live_library, action):
    # A librarian saves (or deletes) a record with a word while a refresh makes that word a
    # term: the refresh counted and read the vectors before the librarian's transaction
    # committed, and must neither miss the saved record nor keep a rank for the deleted one;
    # the save must not miss the new term.
    schema = live_library.library.schema_name
    with schema_context(schema):
        records = [make(title) for title in ("Ocean one", "Ocean two", "Ocean three")]

    done = threading.Event()
    go_on = threading.Event()

    def librarian() -> None:
        from django.db import transaction

        with transaction.atomic():
            if action == "save":
                make("Ocean four")
            else:
                record_delete(record_id=records[0].pk)
            done.set()
            go_on.wait(10)

    editing = SchemaThread(schema, librarian)
    editing.start()
    assert done.wait(10)
    refreshing = SchemaThread(schema, lambda: search_terms_refresh(min_records=2))
    refreshing.start()
    with connection.cursor() as cursor:
        for _ in range(200):  # until the refresh waits for the librarian
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND mode = 'ExclusiveLock' "
                "AND relation = %s::regclass",
                [f"{schema}.catalog_searchterm"],
            )
            if cursor.fetchone()[0]:
                break
            threading.Event().wait(0.05)
        else:
            pytest.fail(f"the refresh did not wait for the record being {action}d")
    go_on.set()
    editing.join(10)
    refreshing.join(10)

    assert editing.error is None, editing.error
    assert refreshing.error is None, refreshing.error
    # Counted before the librarian's transaction committed.
    assert refreshing.result == {"'ocean'": 3}
    with schema_context(schema):
        kept = SearchTermRank.objects.filter(term="'ocean'").count()
        assert kept == (4 if action == "save" else 2)
        assert ranks_kept() == ranks_due()


def _waiting_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def test_two_writers_of_the_same_record_leave_its_ranks_whole(live_library):
    # Two librarians' changes reach the same record's vector at once (a heading renamed
    # while the record is edited): the second must wait and then replace the first's ranks,
    # not trip over them.
    from django.db import transaction

    from catalog.services import record_search_refresh

    schema = live_library.library.schema_name
    with schema_context(schema):
        records = [make(title) for title in ("Ocean one", "Ocean two", "Ocean voyage")]
        search_terms_refresh(min_records=2)
    first_wrote = threading.Event()
    go_on = threading.Event()
    second: dict = {}

    def first() -> None:
        with transaction.atomic():
            record_search_refresh([records[2].pk])
            first_wrote.set()
            go_on.wait(10)

    def again() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            second["pid"] = cursor.fetchone()[0]
        with transaction.atomic():
            record_search_refresh([records[2].pk])

    one = SchemaThread(schema, first)
    one.start()
    assert first_wrote.wait(10)
    two = SchemaThread(schema, again)
    two.start()
    for _ in range(200):
        if "pid" in second and _waiting_for_a_lock(second["pid"]):
            break
        threading.Event().wait(0.05)
    else:
        pytest.fail("the second writer did not wait for the first")
    go_on.set()
    one.join(10)
    two.join(10)

    assert one.error is None, one.error
    assert two.error is None, two.error
    with schema_context(schema):
        assert SearchTermRank.objects.filter(record_id=records[2].pk).count() == 1
        assert ranks_kept() == ranks_due()


def test_a_refresh_held_off_by_a_writer_gives_way_and_changes_nothing(live_library, monkeypatch):
    # While a refresh waits for the terms' lock, every writer's lock queues behind it: it
    # waits a little at a time, and in the end gives up rather than stall the catalog.
    from django.db import transaction

    import catalog.services.search_index

    schema = live_library.library.schema_name
    with schema_context(schema):
        for title in ("Ocean one", "Ocean two"):
            make(title)
    writing = threading.Event()
    go_on = threading.Event()

    def writer() -> None:
        with transaction.atomic():
            make("Ocean three")
            writing.set()
            go_on.wait(10)

    thread = SchemaThread(schema, writer)
    thread.start()
    assert writing.wait(10)
    try:
        monkeypatch.setattr(catalog.services.search_index, "_LOCK_ATTEMPTS", 2)
        with schema_context(schema):
            assert search_terms_refresh(min_records=2) is None
            assert not SearchTerm.objects.exists()
            # An edit meanwhile is not held up behind the refresh that gave way.
            with transaction.atomic():
                make("Ocean four")
    finally:
        go_on.set()
        thread.join(10)
    assert thread.error is None, thread.error
    monkeypatch.setattr(catalog.services.search_index, "_LOCK_ATTEMPTS", 50)
    with schema_context(schema):
        assert search_terms_refresh(min_records=2) == {"'ocean'": 4}
        assert ranks_kept() == ranks_due()


def test_the_websites_first_pages_walk_common_words_as_the_apis_do(sea, settings):
    from catalog.selectors import record_page, record_slice

    # ocean and voyage together: above a stated size of one, walked by voyage's kept ranks
    # (the planner's count of the vectors taken afresh: an earlier test's may be far larger).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_recordsearch")
    settings.STACKS_SEARCH_EXACT_UP_TO = 1
    assert words_walked(TextMatch.of("ocean voyage"), more_than=1) == "'voyag'"
    for flipped in (False, True):
        if flipped:
            SearchTermRank.objects.filter(term="'voyag'").update(rank=10 - F("rank"))
        walked = [r.pk for r in record_page(q="ocean voyage", size=1).rows]
        first = record_slice(q="ocean voyage", ordering="relevance", limit=1)
        assert [r.pk for r in first] == walked, flipped
        assert first[0].rank == record_page(q="ocean voyage", size=1).rows[0].rank
    # Past the stated size, the whole ranking as before.
    everything = [r.pk for r in record_search(q="ocean voyage", ordering="relevance")]
    assert [r.pk for r in record_slice(q="ocean voyage", offset=1, limit=1)] == everything[1:]
