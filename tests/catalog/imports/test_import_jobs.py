"""Import jobs in the library's schema: preview, matching and its actions, commit, revert."""

import csv
import io
import re
import time
from datetime import UTC, datetime
from itertools import pairwise

import pymarc
import pytest
from django.db import connection
from django.utils import translation
from django_tenants.utils import schema_context, tenant_context

from catalog.imports import formats
from catalog.imports.accounting import statistics_refresh
from catalog.imports.ahead import chunk_size, read_ahead
from catalog.imports.exports import export_job_create, export_job_write
from catalog.imports.jobs import (
    import_job_commit,
    import_job_create,
    import_job_revert,
    import_job_work,
)
from catalog.imports.leasing import lease_token
from catalog.imports.models import ImportJob, ImportRow
from catalog.imports.rejects import import_rejects_file
from catalog.imports.snapshots import record_snapshots, snapshot_data
from catalog.models import Change, Identifier, Item, Location, Record, RecordSearch
from catalog.services import (
    ItemData,
    RecordData,
    item_create,
    location_create,
    record_create,
    record_search_refresh,
    record_update,
)
from common.errors import Conflict
from tests.catalog.imports.helpers import (
    MARC_DIR,
    contributor_names,
    generated_import,
    generated_job,
    job_import,
    job_run,
)

_sleep = time.sleep  # the real one, while a test stands in for it

COUNTS = {"create": "created", "update": "updated", "unchanged": "unchanged"}
CSV_HEADER = "title,authors,isbn,control_number,year,barcode,location\n"


def _csv_with(header: str, text: str, **options: object):  # type: ignore[no-untyped-def]
    job = import_job_create(
        file=io.BytesIO((header + text).encode()), file_name="books.csv", **options
    )
    return job_run(job)


def _csv(text: str, **options: object):  # type: ignore[no-untyped-def]
    return _csv_with(CSV_HEADER, text, **options)


def test_staging_previews_without_writing_then_commit_writes(in_library):
    job = job_import(MARC_DIR / "test.dat")

    assert job.status == "staged"
    assert (job.total, job.created) == (10, 10)
    assert Record.objects.count() == 0
    rows = list(ImportRow.objects.filter(job=job).order_by("position"))
    assert [r.action for r in rows] == ["create"] * 10
    assert all("a new record is created" in r.reason for r in rows)
    # Keys read as words, not as the matcher writes them ("cn::123", "isbn:978...").
    assert not any("cn:" in r.reason or "isbn:" in r.reason for r in rows)
    assert any(re.search(r"No record matches .*control number \S+", r.reason) for r in rows)
    assert rows[0].title
    assert rows[0].identifiers

    import_job_commit(job_id=job.pk)
    job = job_run(job)

    assert job.status == "committed"
    assert Record.objects.count() == 10
    assert Change.objects.filter(entity="record", action="created").count() == 10
    record = Record.objects.get(pk=rows[0].__class__.objects.get(job=job, position=1).record_id)
    assert RecordSearch.objects.get(record=record).vector
    assert bytes(record.source_marc) == (MARC_DIR / "test.dat").read_bytes().split(b"\x1d")[0] + (
        b"\x1d"
    )


def test_importing_the_same_file_again_leaves_everything_unchanged(in_library):
    first = job_import(MARC_DIR / "marc.dat", one_shot=True)
    again = job_import(MARC_DIR / "marc.dat", one_shot=True)

    assert (first.created, again.unchanged, again.created, again.updated) == (20, 20, 0, 0)
    assert Record.objects.count() == 20
    reasons = ImportRow.objects.filter(job=again).values_list("reason", flat=True)
    assert all(r.startswith("Identical to record") for r in reasons)


@pytest.mark.parametrize(
    ("on_match", "records", "action", "title"),
    [
        ("update", 1, "update", "Dune Messiah"),
        ("skip", 1, "unchanged", "Dune"),
        ("create", 2, "create", "Dune"),
    ],
)
def test_each_action_on_an_isbn_match(in_library, on_match, records, action, title):
    _csv('Dune,"Herbert, Frank",0441172717,,1965,,\n', one_shot=True)
    job = _csv(
        'Dune Messiah,"Herbert, Frank",978-0-441-17271-9,,1969,,\n',
        one_shot=True,
        on_match=on_match,
    )

    assert job.total == 1
    assert getattr(job, COUNTS[action]) == 1
    assert Record.objects.count() == records
    assert Record.objects.order_by("id").first().title == title
    row = ImportRow.objects.get(job=job)
    assert row.action == action
    assert "ISBN 9780441172719" in row.reason


def test_matching_on_control_number_only(in_library):
    _csv("Dune,,0441172717,cn-1,1965,,\n", one_shot=True)
    by_isbn = _csv("Other,,0441172717,cn-2,1965,,\n", one_shot=True, match_on="control_number")
    by_number = _csv("Dune 2,,,cn-1,1965,,\n", one_shot=True, match_on="control_number")

    assert by_isbn.created == 1
    assert by_number.updated == 1
    assert Record.objects.filter(control_number="cn-1").get().title == "Dune 2"


def test_no_match_skip_creates_nothing(in_library):
    job = _csv("Dune,,0441172717,,1965,,\n", one_shot=True, on_no_match="skip")
    assert (job.total, job.unchanged, Record.objects.count()) == (1, 1, 0)


def test_a_record_repeated_in_one_file_is_created_once_then_updated(in_library):
    text = "Dune,,0441172717,,1965,,\nDune (revised),,0441172717,,1966,,\n"
    staged = _csv(text)
    rows = list(ImportRow.objects.filter(job=staged).order_by("position"))
    assert [r.action for r in rows] == ["create", "update"]
    assert rows[1].match_position == 1

    import_job_commit(job_id=staged.pk)
    job_run(staged)
    assert list(Record.objects.values_list("title", flat=True)) == ["Dune (revised)"]

    Record.objects.all().delete()
    one_shot = _csv(text, one_shot=True)
    assert (one_shot.created, one_shot.updated) == (1, 1)
    assert list(Record.objects.values_list("title", flat=True)) == ["Dune (revised)"]


def test_items_come_in_with_their_records_and_barcodes_are_not_doubled(in_library):
    job = _csv(
        "Dune,,0441172717,,1965,B-1,MAIN\nEmma,,,,1815,B-1,MAIN\n",
        one_shot=True,
        create_locations=True,
    )

    assert (job.created, job.rejected) == (1, 1)
    assert Item.objects.get(barcode="B-1").location.code == "MAIN"
    row = ImportRow.objects.get(job=job, action="reject")
    assert "Barcode B-1 already belongs to record" in row.reason


def test_revert_removes_created_and_restores_updated_records(in_library):
    _csv("Dune,Frank Herbert,0441172717,,1965,B-1,\n", one_shot=True)
    original = Record.objects.get()
    job = _csv(
        "Dune Messiah,Brian Herbert,0441172717,,1969,B-2,\nEmma,Jane Austen,,,1815,B-3,\n",
        one_shot=True,
    )
    assert (job.updated, job.created) == (1, 1)
    assert Item.objects.count() == 3

    import_job_revert(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == "reverted"
    restored = Record.objects.get()
    assert restored.pk == original.pk
    assert (restored.title, restored.publication_year) == ("Dune", 1965)
    assert list(restored.contributors.values_list("name", flat=True)) == ["Frank Herbert"]
    assert list(Item.objects.values_list("barcode", flat=True)) == ["B-1"]
    assert Change.objects.filter(entity="record", action="deleted").count() == 1


def test_a_revert_moves_the_oai_datestamp_of_a_record_it_takes_copies_from(in_library, web):
    # Harvesters had the import's copy in the record's 852s: they must fetch it again.
    _csv("Dune,Frank Herbert,0441172717,,1965,B-1,\n", one_shot=True)
    job = _csv("Dune,Frank Herbert,0441172717,,1965,B-2,\n", one_shot=True)
    record = Record.objects.get()
    assert sorted(record.items.values_list("barcode", flat=True)) == ["B-1", "B-2"]
    _sleep(1.1)  # datestamps are whole seconds
    since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    import_job_revert(job_id=job.pk)

    harvest = web.get("/oai", {"verb": "ListRecords", "metadataPrefix": "marc21", "from": since})
    text = harvest.content.decode()
    assert f":{record.pk}</identifier>" in text
    assert "B-1" in text
    assert "B-2" not in text


def test_revert_is_refused_once_a_record_changed_after_the_import(in_library):
    job = _csv("Dune,,0441172717,,1965,,\n", one_shot=True)
    record = Record.objects.get()
    record_update(record_id=record.pk, data=RecordData(title="Dune, edited by hand"))

    with pytest.raises(Conflict, match="can no longer be reverted") as refused:
        import_job_revert(job_id=job.pk)
    assert refused.value.message == (
        "This import can no longer be reverted: 1 record of this import changed after it "
        f"(“Dune, edited by hand” (record {record.pk}))."
    )
    with translation.override("fr"), pytest.raises(Conflict) as refused:
        import_job_revert(job_id=job.pk)
    assert refused.value.message.endswith(
        "1 notice de cet import a été modifiée depuis («\xa0Dune, edited by hand\xa0», "
        f"notice {record.pk})."
    )
    assert Record.objects.get().title == "Dune, edited by hand"


def test_revert_is_refused_once_a_copy_of_the_import_was_lent(in_library):
    """Reverting deleted the import's copies with their loans: a book lent since went off
    its patron's account while still out. A copy changed since the import (lent, here)
    refuses the revert, as a record changed since does."""
    from circulation.models import Loan
    from circulation.services import PatronData, loan_checkout, patron_create

    job = _csv("Dune,,0441172717,,1965,B-1,\n", one_shot=True)
    patron = patron_create(data=PatronData(name="Paul", barcode="P-1"))
    loan_checkout(item_barcode="B-1", patron_barcode="P-1")

    with pytest.raises(Conflict, match="can no longer be reverted"):
        import_job_revert(job_id=job.pk)
    assert Loan.objects.filter(patron=patron, returned_at__isnull=True).count() == 1
    assert Item.objects.get().barcode == "B-1"


def test_a_dry_run_cannot_be_committed(in_library):
    job = _csv("Dune,,0441172717,,1965,,\n", one_shot=True, dry_run=True)
    assert job.status == "staged"
    assert job.created == 1
    with pytest.raises(Conflict, match="dry run"):
        import_job_commit(job_id=job.pk)
    assert Record.objects.count() == 0


def test_two_previews_of_one_file_do_not_both_create_its_records(in_library):
    """Two previews of the same file each decided to create its records: once one is
    committed, committing the other is refused (it would add them all a second time)."""
    first = job_import(MARC_DIR / "marc.dat")
    second = job_import(MARC_DIR / "marc.dat")
    assert first.created == second.created == first.total > 0
    import_job_commit(job_id=first.pk)
    job_run(first)
    with pytest.raises(Conflict, match="changed after this import was previewed") as refused:
        import_job_commit(job_id=second.pk)
    assert refused.value.code == "catalog_changed_since_preview"
    made = sorted(Record.objects.values_list("pk", flat=True))
    assert len(made) == first.total > 10
    named = f"Records {', '.join(map(str, made[:10]))} and {len(made) - 10} more changed"
    assert named in refused.value.message
    second.refresh_from_db()
    assert second.status == "staged"
    assert Record.objects.count() == first.total


def test_a_commit_queued_behind_another_import_stops_before_writing(in_library):
    """Both commits asked for before either ran: the later one's worker looks again."""
    first = job_import(MARC_DIR / "marc.dat")
    second = job_import(MARC_DIR / "marc.dat")
    import_job_commit(job_id=first.pk)
    import_job_commit(job_id=second.pk)
    job_run(first)
    second = job_run(second)
    assert second.status == "failed"
    assert "Nothing was imported: make the preview again" in second.error
    assert Record.objects.count() == first.total
    assert not ImportRow.objects.filter(job=second, committed=True).exists()


def test_a_preview_commits_when_the_catalog_was_only_edited_meanwhile(in_library):
    """Edits to records that were there, and a preview that creates nothing, still commit."""
    local = record_create(data=RecordData(title="Kept by hand"))
    job = job_import(MARC_DIR / "test.dat")
    record_update(record_id=local.pk, data=RecordData(title="Kept by hand, edited"))
    import_job_commit(job_id=job.pk)
    assert job_run(job).status == "committed"
    again = job_import(MARC_DIR / "test.dat")
    assert (again.created, again.updated) == (0, 0)
    record_create(data=RecordData(title="Added by hand after the preview"))
    import_job_commit(job_id=again.pk)
    assert job_run(again).status == "committed"


def test_marc_rejects_download_as_marc_to_fix_and_resubmit(in_library):
    job = job_import(MARC_DIR / "bad_records.mrc", one_shot=True)
    content, name, content_type = import_rejects_file(job=job)
    data = b"".join(content)

    assert name == "bad_records-rejects.mrc"
    assert content_type == "application/marc"
    assert data.count(b"\x1d") == job.rejected == 6
    original = (MARC_DIR / "bad_records.mrc").read_bytes()
    for piece in data.split(b"\x1d")[:-1]:
        assert piece in original


def test_csv_rejects_carry_a_reason_column(in_library):
    job = _csv(",,,,,,\nDune,,12345,,,,\nEmma,,,,1815,,\n", one_shot=True)
    content, name, _ = import_rejects_file(job=job)
    lines = b"".join(content).decode("utf-8-sig").splitlines()

    assert name == "books-rejects.csv"
    assert lines[0] == CSV_HEADER.strip() + ",reason,line"
    assert lines[1].startswith("Dune,,12345,")
    assert lines[1].endswith(",3")  # the header is line 1, the blank row line 2
    assert "ISBN" in lines[1]
    assert len(lines) == 2  # the blank row is not a record; Emma was imported


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_a_csv_saved_with_semicolons_or_tabs_between_columns_is_read(in_library, delimiter):
    # As Excel saves CSV in French, German or Spanish: a cell holding a list is quoted.
    lines = [
        ["title", "authors", "isbn", "year", "barcode", "location"],
        ["Dune", "Herbert, Frank;Anderson, Kevin", "9780441172719", "1965", "S1;S2", "MAIN"],
        ["", "", "12345", "", "", ""],
    ]
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(lines)
    assert ('"Herbert, Frank;Anderson, Kevin"' in out.getvalue()) == (delimiter == ";")
    job = _csv_with("", out.getvalue(), one_shot=True, create_locations=True)

    assert (job.status, job.created, job.rejected) == ("committed", 1, 1)
    record = Record.objects.get()
    assert (record.title, record.publication_year) == ("Dune", 1965)
    assert contributor_names(record) == ["Herbert, Frank", "Anderson, Kevin"]
    assert sorted(record.items.values_list("barcode", "location__code")) == [
        ("S1", "MAIN"), ("S2", "MAIN")
    ]  # fmt: skip
    content, _, _ = import_rejects_file(job=job)
    rejects = list(
        csv.reader(io.StringIO(b"".join(content).decode("utf-8-sig")), delimiter=delimiter)
    )
    assert rejects[0] == [*lines[0], "reason", "line"]
    assert rejects[1][:6] == lines[2]
    assert "No title" in rejects[1][6]


def test_marc_export_keeps_every_field_stacks_does_not_map(in_library):
    job_import(MARC_DIR / "marc.dat", one_shot=True)
    export = export_job_write(job_id=export_job_create(format="marc", filters={}).pk)

    def unmapped(data: bytes) -> list[list[str]]:
        return [
            [str(f) for f in record.get_fields() if f.tag in ("005", "040", "300", "500", "504")]
            for record in pymarc.MARCReader(io.BytesIO(data), to_unicode=True)
        ]

    with export.file.open("rb") as stream:
        written = unmapped(stream.read())
    assert written == unmapped((MARC_DIR / "marc.dat").read_bytes())
    assert sum(map(len, written)) > 20
    assert export.records == 20


def test_exports_in_every_format_follow_the_filters(in_library):
    _csv(
        "=HYPERLINK(1),,0441172717,,1965,B-1,MAIN\nEmma,,,,1815,,\n",
        one_shot=True,
        create_locations=True,
    )
    outputs = {}
    for fmt in ("csv", "marcxml", "jsonl", "marc"):
        job = export_job_write(job_id=export_job_create(format=fmt, filters={"year_from": 1900}).pk)
        assert job.records == 1
        with job.file.open("rb") as stream:
            outputs[fmt] = stream.read()
    assert b"'=HYPERLINK(1)" in outputs["csv"]
    assert b"Emma" not in outputs["csv"]
    assert b"<collection" in outputs["marcxml"]
    assert b"9780441172719" in outputs["marcxml"]
    assert outputs["jsonl"].count(b"\n") == 1
    assert b'"barcode":"B-1"' in outputs["jsonl"]
    marc = pymarc.Record(data=outputs["marc"], to_unicode=True, force_utf8=True)
    assert marc["245"]["a"] == "=HYPERLINK(1)"
    assert marc["852"]["p"] == "B-1"
    assert Identifier.objects.count() == 1


def test_imported_records_carry_the_search_vector_a_refresh_gives(in_library):
    job = job_import(MARC_DIR / "marc.dat", one_shot=True)
    ids = list(Record.objects.order_by("pk").values_list("pk", flat=True))
    imported = dict(RecordSearch.objects.values_list("record_id", "vector"))

    record_search_refresh(ids)
    refreshed = dict(RecordSearch.objects.values_list("record_id", "vector"))

    assert job.created == len(ids) == 20
    assert all(imported[pk] for pk in ids)
    assert imported == refreshed
    assert Record.objects.filter(pk__in=ids, contributors__isnull=False).exists()
    assert Record.objects.filter(pk__in=ids, subjects__isnull=False).exists()


def test_an_import_writes_its_feed_entries_in_the_feed_writers_turn(in_library):
    job = _csv(
        "Dune,Frank Herbert,9780441172719,,1965,B-1,MAIN\nEmma,Jane Austen,,,1815,,\n",
        one_shot=True,
        create_locations=True,
    )

    with connection.cursor() as cursor:
        # The chunk took the feed writers' lock (held here until the test's transaction ends),
        # so no feed reader can pass over its entries while it commits.
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
            " AND classid::bigint = hashtext('catalog_change')::bigint & 4294967295"
        )
        assert cursor.fetchone()[0] == 1
    feed = list(Change.objects.order_by("pk").values_list("pk", "entity", "entity_id", "action"))
    records = sorted(Record.objects.values_list("pk", flat=True))
    item = Item.objects.get(barcode="B-1")
    assert [(e, i, a) for _, e, i, a in feed] == [
        *(("record", pk, "created") for pk in records),
        ("item", item.pk, "created"),
    ]
    assert job.last_change_id == feed[-1][0]


def test_a_slice_that_stops_reading_does_not_wait_for_the_reader():
    # The reader has read everything and waits to hand over its end: stopping must not block.
    chunks = read_ahead(iter(["first", "second"]), depth=1)
    assert next(chunks) == "first"
    time.sleep(0.3)  # the reader fills the queue and is left holding its end marker
    started = time.monotonic()
    chunks.close()
    assert time.monotonic() - started < 1


@pytest.mark.parametrize("others_waiting", [True, False])
def test_a_job_gives_the_worker_back_only_when_other_work_waits(
    in_library, settings, others_waiting
):
    settings.STACKS_IMPORT_CHUNK_SIZE = 5
    settings.STACKS_IMPORT_SLICE_SECONDS = 0
    with (MARC_DIR / "marc.dat").open("rb") as stream:  # 20 records: several chunks
        job = import_job_create(
            file=stream, file_name="marc.dat", one_shot=True, create_locations=True
        )
    owner = lease_token()

    more = import_job_work(job_id=job.pk, owner=owner, others_waiting=lambda: others_waiting)

    job.refresh_from_db()
    # Others waiting: one chunk, then the worker goes to them. Nothing waiting: the job runs
    # on to its end.
    first = chunk_size(done=0, records_left=None)
    assert more is others_waiting
    assert job.committed_through == (first if others_waiting else 20)
    assert job.status == ("committing" if others_waiting else "committed")
    assert job.worker_peak_rss_kb  # saved with the chunks: there once the job shows finished


def test_a_job_over_many_turns_reads_each_record_once(live_library, settings, monkeypatch):
    # The chunks read ahead when a turn ends are written before it ends, not read again on
    # the next turn; every record is still written once. Each turn goes on past its deadline
    # once, then ends (other work waits every other time the writer asks).
    settings.STACKS_IMPORT_CHUNK_SIZE = 40
    settings.STACKS_IMPORT_SLICE_SECONDS = 0
    reads = []
    marc_records = formats.READERS["marc"]

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        for read in marc_records(*args, **kwargs):
            reads.append(read[0].position)
            yield read

    monkeypatch.setitem(formats.READERS, "marc", counted)
    asked = []
    with schema_context(live_library.library.schema_name):
        job = generated_job(300)
        owner = lease_token()
        turns = 1
        while import_job_work(
            job_id=job.pk,
            owner=owner,
            others_waiting=lambda: asked.append(1) or len(asked) % 2 == 0,
        ):
            turns += 1
        job.refresh_from_db()
        records = Record.objects.count()

    assert (job.status, job.created, records) == ("committed", 300, 300)
    assert turns > 3
    # At most one record a turn is read twice: the one that showed its last chunk was full.
    assert len(reads) - 300 <= turns - 1, (len(reads), turns)
    assert sorted(set(reads)) == list(range(1, 301))


def test_an_import_starts_and_ends_with_small_chunks(in_library, settings):
    # The writer starts as soon as a small first chunk is read, and the last chunk, which
    # the reader no longer overlaps, is small too; in between, chunks of the set size.
    settings.STACKS_IMPORT_CHUNK_SIZE = 40
    settings.STACKS_IMPORT_SLICE_SECONDS = 0
    job = generated_job(200)
    checkpoints = [0]

    def chunk_written() -> bool:
        checkpoints.append(ImportJob.objects.get(pk=job.pk).committed_through)
        return False

    more = import_job_work(job_id=job.pk, owner=lease_token(), others_waiting=chunk_written)

    job.refresh_from_db()
    sizes = [after - before for before, after in pairwise(checkpoints)]
    assert more is False
    assert (job.status, job.created, job.total) == ("committed", 200, 200)
    assert sum(sizes) == 200
    assert sizes[0] < 40
    assert max(sizes) == 40
    assert sizes[-1] < 40


class Pauses:
    """The import's pauses (catalog.imports.running's sleeps), taken for real."""

    def __init__(self) -> None:
        self.taken: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.taken.append(seconds)
        _sleep(seconds)


@pytest.mark.parametrize("reading", [True, False])
def test_a_job_pauses_between_chunks_only_while_people_read(
    in_library, settings, monkeypatch, reading
):
    settings.STACKS_IMPORT_CHUNK_SIZE = 5
    settings.STACKS_IMPORT_SLICE_SECONDS = 60  # one slice, however slow the machine
    settings.STACKS_IMPORT_GIVE_WAY = 2
    pauses = Pauses()
    monkeypatch.setattr("catalog.imports.running.time.sleep", pauses)
    asked = []

    def readers_active() -> bool:
        asked.append(True)
        return reading

    with (MARC_DIR / "marc.dat").open("rb") as stream:  # 20 records: four chunks
        job = import_job_create(
            file=stream, file_name="marc.dat", one_shot=True, create_locations=True
        )
    more = import_job_work(job_id=job.pk, owner=lease_token(), readers_active=readers_active)

    job.refresh_from_db()
    assert more is False
    assert (job.status, job.created, Record.objects.count()) == ("committed", 20, 20)
    assert len(asked) >= 4  # after every chunk
    # Readers: a pause after every chunk. Nobody: the import never waits.
    assert (len(pauses.taken) >= 4) if reading else pauses.taken == []


def test_a_pause_ends_when_the_readers_leave(in_library, settings, monkeypatch):
    settings.STACKS_IMPORT_CHUNK_SIZE = 5
    settings.STACKS_IMPORT_SLICE_SECONDS = 60
    settings.STACKS_IMPORT_GIVE_WAY = 1000  # a budget no chunk would use up
    pauses = Pauses()
    monkeypatch.setattr("catalog.imports.running.time.sleep", pauses)
    answers = iter([True, True, False])  # they leave during the first chunk's pause

    with (MARC_DIR / "marc.dat").open("rb") as stream:
        job = import_job_create(
            file=stream, file_name="marc.dat", one_shot=True, create_locations=True
        )
    import_job_work(job_id=job.pk, owner=lease_token(), readers_active=lambda: next(answers, False))

    job.refresh_from_db()
    assert (job.status, job.created) == ("committed", 20)
    assert len(pauses.taken) == 2


def test_a_job_planning_ahead_waits_out_its_pauses_and_writes_every_record(live_library, settings):
    # Outside a transaction the chunks are planned on a second thread, which holds still
    # while the writer gives way: every record still arrives, once.
    settings.STACKS_IMPORT_CHUNK_SIZE = 100
    settings.STACKS_IMPORT_GIVE_WAY = 1
    with schema_context(live_library.library.schema_name):
        job = generated_job(500)
        owner = lease_token()
        while import_job_work(job_id=job.pk, owner=owner, readers_active=lambda: True):
            pass
        job.refresh_from_db()
        records = Record.objects.count()

    assert (job.status, job.created, records) == ("committed", 500, 500)


def test_a_large_import_leaves_fresh_statistics_for_every_catalog_table(in_library):
    job = generated_import(1000)

    assert job.created == 1000
    with connection.cursor() as cursor:
        for table in ("catalog_recordcontributor", "catalog_recordsubject", "catalog_contributor"):
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
            planned = cursor.fetchone()[0]
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - names above
            assert planned == cursor.fetchone()[0] > 0, table


def test_statistics_refreshed_during_an_import_cover_the_lookups_columns_only(in_library):
    # Each chunk's lookups need statistics as the catalog grows; the records' wide text and
    # MARC, most of a whole-table ANALYZE's work, wait for the import's end.
    _csv("Dune,Frank Herbert,9780441172719,,1965,B-1,MAIN\n", one_shot=True, create_locations=True)

    statistics_refresh(created=1000, step=1000)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, attname FROM pg_stats WHERE schemaname = current_schema() "
            "AND tablename = ANY(%s)",
            [["catalog_record", "catalog_identifier", "catalog_item"]],
        )
        analysed = set(cursor.fetchall())
    assert {
        ("catalog_record", "control_number"),
        ("catalog_identifier", "value"),
        ("catalog_item", "barcode"),
    } <= analysed
    assert ("catalog_record", "title") not in analysed
    assert ("catalog_record", "source_marc") not in analysed


def test_a_large_import_outside_a_transaction_leaves_records_and_vectors_vacuumed(live_library):
    # Searches scan the vectors table: vacuumed, its pages are all-visible and the scan skips
    # checking each row. (The test above runs inside a transaction, where only ANALYZE can.)

    with schema_context(live_library.library.schema_name):
        job = generated_import(1000)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname, relpages, relallvisible FROM pg_class "
                "WHERE oid = ANY(%s::regclass[])",
                [["catalog_record", "catalog_recordsearch"]],
            )
            pages = {name: (total, visible) for name, total, visible in cursor.fetchall()}

    assert job.created == 1000
    assert pages["catalog_recordsearch"][0] == pages["catalog_recordsearch"][1] > 0
    assert pages["catalog_record"][0] == pages["catalog_record"][1] > 0


def test_a_second_run_of_a_slice_stops_when_another_moved_the_checkpoint(in_library, settings):
    # A redelivered task runs the same slice twice: whichever writes second finds the
    # checkpoint moved under it and stops without writing.

    settings.STACKS_IMPORT_CHUNK_SIZE = 5
    settings.STACKS_IMPORT_SLICE_SECONDS = 0
    with (MARC_DIR / "marc.dat").open("rb") as stream:  # 20 records: several chunks
        job = import_job_create(
            file=stream, file_name="marc.dat", one_shot=True, create_locations=True
        )

    def the_other_run_wrote_a_chunk() -> bool:
        ImportJob.objects.filter(pk=job.pk).update(staged_through=10)
        return False  # nothing else waits: this run would go on

    more = import_job_work(
        job_id=job.pk, owner=lease_token(), others_waiting=the_other_run_wrote_a_chunk
    )

    job.refresh_from_db()
    assert more is False
    first = chunk_size(done=0, records_left=None)
    assert job.staged_through == 10  # left as the other run set it
    assert job.rows.count() == first  # this run's first chunk only
    assert Record.objects.count() == first


# Seven rows as a librarian's file gives them: row 7 repeats row 1's barcode and writes its
# year in words, row 3 keeps a copy in the ATTIC the library does not have, row 5 has an ISBN
# that is not one, and row 6 gives a barcode twice.
LOSSES = (
    "Dune,Frank Herbert,0441172717,,1965,B-1,MAIN\n"
    "Emma,Jane Austen,,,1815,B-2,MAIN\n"
    "Ulysses,James Joyce,,cn-3,1922,B-3,ATTIC\n"
    "Middlemarch,George Eliot,,,nineteen ninety-eight,B-4,\n"
    "Persuasion,Jane Austen,12345,,1817,B-5,\n"
    "Walden,Henry David Thoreau,,cn-6,1854,B-6;B-6,\n"
    "The Hours,Michael Cunningham,0312243022,,nineteen ninety-eight,B-1,MAIN\n"
)


@pytest.mark.parametrize("one_shot", [False, True])
def test_the_preview_shows_every_loss_before_it_happens(in_library, one_shot):
    location_create(code="MAIN", name="Main library")
    job = _csv(LOSSES, one_shot=one_shot)
    rows = {r.position: r for r in ImportRow.objects.filter(job=job)}
    assert {p: r.action for p, r in rows.items()} == {
        1: "create",
        2: "create",
        3: "reject",
        4: "create",
        5: "reject",
        6: "reject",
        7: "reject",
    }
    assert "Location code ATTIC (copy B-3) is not one of the library's locations" in rows[3].reason
    assert "Warning: The year \u201cnineteen ninety-eight\u201d cannot be read" in rows[4].reason
    assert rows[5].reason.startswith("Column isbn:")
    assert "Barcode B-6 is given twice in this record" in rows[6].reason
    if one_shot:
        assert "Barcode B-1 already belongs to record" in rows[7].reason
    else:
        assert "Barcode B-1 is already given to the copy on line 2 of this file" in rows[7].reason
    # Rejected and warned rows say which record they are, and never in Python's words.
    assert (rows[3].title, rows[3].identifiers) == ("Ulysses", "001 cn-3")
    assert (rows[5].title, rows[5].identifiers) == ("Persuasion", "ISBN 12345")
    assert (rows[7].title, rows[7].identifiers) == ("The Hours", "ISBN 9780312243029")
    assert rows[4].title == "Middlemarch"
    for row in rows.values():
        assert "invalid literal" not in row.reason
        assert "Error" not in row.reason

    if not one_shot:
        import_job_commit(job_id=job.pk)
        job = job_run(job)
    assert job.status == "committed"

    # Every copy of the file is either created or on a row that says why not.
    def copies(line: str) -> int:
        return len(next(csv.reader([line]))[5].split(";"))

    in_file = sum(copies(line) for line in LOSSES.splitlines())
    flagged = sum(copies(bytes(r.raw).decode()) for r in rows.values() if r.action == "reject")
    assert (in_file, flagged) == (8, 5)
    assert Item.objects.count() + flagged == in_file
    assert sorted(Item.objects.values_list("barcode", flat=True)) == ["B-1", "B-2", "B-4"]
    assert not Location.objects.filter(code="ATTIC").exists()
    assert Record.objects.get(title="Middlemarch").publication_year is None


def test_missing_locations_are_created_only_when_asked_and_reverted_with_the_import(
    in_library,
):
    location_create(code="MAIN", name="Main library")
    job = _csv("Dune,,,,1965,B-1,ATTIC\nEmma,,,,1815,B-2,MAIN\n", one_shot=True,
               create_locations=True)  # fmt: skip
    assert (job.created, job.rejected) == (2, 0)
    attic = Location.objects.get(code="ATTIC")
    assert list(job.locations_made.values_list("location_id", flat=True)) == [attic.pk]
    assert Item.objects.get(barcode="B-1").location == attic

    import_job_revert(job_id=job.pk)
    assert list(Location.objects.values_list("code", flat=True)) == ["MAIN"]
    assert Item.objects.count() == 0


def test_an_update_lists_what_it_changes_and_fill_empty_keeps_edits_made_in_stacks(in_library):
    header = "title,authors,isbn,year,publisher,summary\n"
    _csv_with(header, "Dune,Frank Herbert,0441172717,1965,,A desert planet\n", one_shot=True)
    record = Record.objects.get()
    record_update(
        record_id=record.pk,
        data=RecordData(
            title="Dune (edited here)", summary="Written in Stacks", publication_year=1965,
            contributors=[("Frank Herbert", "author")], identifiers=[("isbn", "0441172717")],
        ),
    )  # fmt: skip

    staged = _csv_with(header, "Dune Messiah,Brian Herbert,0441172717,,Ace,\n")
    row = ImportRow.objects.get(job=staged)
    assert row.action == "update"
    for change in (
        "title: \u201cDune (edited here)\u201d \u2192 \u201cDune Messiah\u201d",
        "year: removed",
        "publisher: added \u201cAce\u201d",
        "summary: removed",
        "contributors: \u201cFrank Herbert (author)\u201d"
        " \u2192 \u201cBrian Herbert (author)\u201d",
    ):
        assert change in row.reason

    filled = _csv_with(
        header, "Dune Messiah,Brian Herbert,0441172717,1969,Ace,Another\n",
        one_shot=True, overlay="fill_empty",
    )  # fmt: skip
    row = ImportRow.objects.get(job=filled)
    assert row.action == "update"
    assert row.reason.endswith("it is updated: publisher: added \u201cAce\u201d.")
    record.refresh_from_db()
    assert (record.title, record.summary, record.publication_year, record.publisher) == (
        "Dune (edited here)", "Written in Stacks", 1965, "Ace",
    )  # fmt: skip
    assert list(record.contributors.values_list("name", flat=True)) == ["Frank Herbert"]

    again = _csv_with(header, "Dune Messiah,,0441172717,,Ace,\n", one_shot=True,
                      overlay="fill_empty")  # fmt: skip
    assert (again.updated, again.unchanged) == (0, 1)


def test_keep_local_keeps_the_fields_edited_in_stacks_and_takes_the_others(in_library):
    job_import(MARC_DIR / "test.dat", one_shot=True)
    record = Record.objects.order_by("pk").first()
    edited = snapshot_data(record_snapshots([record.pk])[record.pk])
    edited.title, edited.source_marc = "Edited in Stacks", None
    record_update(record_id=record.pk, data=edited)

    with (MARC_DIR / "test.dat").open("rb") as stream:
        marc = next(iter(pymarc.MARCReader(stream, to_unicode=True, force_utf8=True)))
    marc.leader = pymarc.Leader(str(marc.leader)[:9] + "a" + str(marc.leader)[10:])
    marc.remove_fields("245", "250")
    for tag, code, value in (("245", "a", "A title changed in the file"), ("250", "a", "3rd ed")):
        marc.add_ordered_field(
            pymarc.Field(
                tag=tag,
                indicators=pymarc.Indicators("0", "0"),
                subfields=[pymarc.Subfield(code, value)],
            )
        )
    job = job_run(
        import_job_create(
            file=io.BytesIO(marc.as_marc()),
            file_name="again.mrc",
            one_shot=True,
            overlay="keep_local",
        )
    )
    row = ImportRow.objects.get(job=job)
    assert row.action == "update"
    assert "edition: added \u201c3rd ed\u201d" in row.reason
    assert "title" not in row.reason.split("it is updated:")[1]
    record.refresh_from_db()
    assert (record.title, record.edition) == ("Edited in Stacks", "3rd ed")


def test_reasons_are_stored_in_the_library_s_language(library):
    """The worker writes each row's reason once, for every later reader: in the library's
    language, whatever language the file was uploaded in."""
    library.language = "fr"
    library.save(update_fields=["language"])
    with tenant_context(library):
        location_create(code="MAIN", name="Main")
        job = _csv(
            '"Dune",,9780441013593,,1965,B1,MAIN\n'
            '"Emma",,,,1815,B1,MAIN\n'
            '"Middlemarch",,,,18x5,B3,MAIN\n'
        )
        rows = {r.position: (r.action, r.reason) for r in ImportRow.objects.filter(job=job)}
    assert rows[1] == (
        "create",
        "Aucune notice ne correspond à ISBN 9780441013593\u202f; une nouvelle notice est créée.",
    )
    assert rows[2] == (
        "reject",
        "Le code-barres B1 est déjà attribué à l\u2019exemplaire de la ligne 2 de ce fichier\xa0: "
        "donnez un autre code-barres à l\u2019un des deux.",
    )
    assert rows[3][1].startswith(
        "Rien pour rapprocher (ni ISBN ni numéro de contrôle)\u202f; une nouvelle notice est "
        "créée. Attention\xa0: l\u2019année «\xa018x5\xa0» ne peut pas être lue comme une année"
    )


def test_a_commit_says_so_when_another_record_s_copy_took_a_barcode_after_the_preview(
    in_library,
):
    # The preview promised the copy; a librarian gave its barcode to another book meanwhile.
    # The commit keeps that book's copy, leaves the file's out, and says so on the row.
    other = record_create(data=RecordData(title="The Lathe of Heaven"))
    job = _csv("Always Coming Home,,,,1985,B-1,\nThe Dispossessed,,,,1974,B-2,\n")
    assert job.status == "staged"
    assert all("left out" not in row.reason for row in ImportRow.objects.filter(job=job))
    item_create(record_id=other.pk, data=ItemData(barcode="B-1"))

    job = job_run(import_job_commit(job_id=job.pk))

    assert job.status == "committed", job.error
    home, dispossessed = ImportRow.objects.filter(job=job).order_by("position")
    assert (home.committed, home.action) == (True, "create")
    assert (
        "Copy B-1 was left out: another record's copy has had that barcode since the file was "
        "checked." in home.reason
    )
    assert "left out" not in dispossessed.reason
    assert sorted(Item.objects.values_list("barcode", "record__title")) == [
        ("B-1", "The Lathe of Heaven"),
        ("B-2", "The Dispossessed"),
    ]
    assert Record.objects.filter(title="Always Coming Home").exists()
