"""Imports outside a caller's transaction (as on a worker) decide each chunk on a second
connection while the chunk before is written: the outcome is the one of writing them in turn."""

import io
import threading
import time

from django.db import connection
from django_tenants.utils import schema_context

from catalog.imports.ahead import plan_ahead
from catalog.imports.deciding import Action, Decision, copies_found
from catalog.imports.formats.source import ItemData, SourceRecord
from catalog.imports.jobs import import_job_create
from catalog.imports.plans import creates_plan, items_plan
from catalog.imports.writing import Feed, records_create
from catalog.models import Contributor, Item, Record
from catalog.services import ItemData as ItemInput
from catalog.services import RecordData, item_create, record_create
from circulation.services import PatronData, patron_create
from tests.catalog.imports.helpers import job_run

CSV = """title,authors,isbn,control_number,year,barcode,location
Dune,Frank Herbert,9780441172719,,1965,B-1,MAIN
Emma,Jane Austen,,,1815,B-2,
Ulysses,James Joyce,,,1922,,
Dune (revised),Frank Herbert,9780441172719,,1966,B-3,MAIN
Persuasion,Jane Austen,,,1817,B-2,
Middlemarch,George Eliot,9780141439549,,1871,B-4,
"""


def test_a_chunk_sees_what_the_chunks_before_it_wrote(live_library, settings):
    # Two records a chunk: row 4 matches the record row 1 made, and row 5 repeats a barcode
    # of row 2, each in the chunk before theirs.
    settings.STACKS_IMPORT_CHUNK_SIZE = 2
    with schema_context(live_library.library.schema_name):
        job = import_job_create(file=io.BytesIO(CSV.encode()), file_name="books.csv", one_shot=True,
                                 create_locations=True)  # fmt: skip
        job = job_run(job)

        assert job.status == "committed", job.error
        assert (job.created, job.updated, job.unchanged, job.rejected) == (4, 1, 0, 1)
        dune = Record.objects.get(identifiers__value="9780441172719")
        assert dune.title == "Dune (revised)"
        assert sorted(dune.items.values_list("barcode", flat=True)) == ["B-1", "B-3"]
        assert Record.objects.count() == 4
        assert Item.objects.get(barcode="B-2").record.title == "Emma"
        reject = job.rows.get(position=5)
        assert "Barcode B-2 already belongs to record" in reject.reason


def test_a_barcode_taken_after_the_chunk_was_planned_is_left_out(in_library):
    source = SourceRecord(
        position=1, raw=b"", data=RecordData(title="Dune"), items=[ItemData("B-9")]
    )
    decisions = [Decision(source, Action.CREATE)]
    plan = creates_plan(decisions)
    plan.items = items_plan(decisions)
    # Meanwhile a librarian gives the barcode to another record's copy.
    other = record_create(data=RecordData(title="Emma"))
    item_create(record_id=other.pk, data=ItemInput(barcode="B-9"))

    records_create(decisions, Feed(), plan)

    assert Record.objects.filter(title="Dune").exists()
    assert Item.objects.get(barcode="B-9").record_id == other.pk
    assert decisions[0].created_item_ids == []


def test_a_barcode_a_card_took_after_the_chunk_was_planned_is_left_out(in_library):
    source = SourceRecord(
        position=1,
        raw=b"",
        data=RecordData(title="Dune"),
        items=[ItemData("C-9"), ItemData("C-10")],
    )
    decisions = [Decision(source, Action.CREATE)]
    plan = creates_plan(decisions)
    plan.items = items_plan(decisions)
    # Meanwhile the desk gives a new reader the card c-9 (the desk ignores case).
    patron_create(data=PatronData(name="Odo", barcode="c-9"))

    records_create(decisions, Feed(), plan)

    assert Record.objects.filter(title="Dune").exists()
    assert list(
        Item.objects.filter(barcode__istartswith="C-").values_list("barcode", flat=True)
    ) == ["C-10"]
    assert decisions[0].created_item_ids == [Item.objects.get(barcode="C-10").pk]
    assert "Copy C-9 was left out: its barcode is now a patron's card" in decisions[0].reason


def test_copies_planned_right_after_deciding_are_not_looked_up_again(
    in_library, django_assert_num_queries
):
    # Planned ahead, a chunk's copies are planned from what deciding found of their barcodes
    # a moment before: only their ids are asked of the database.
    emma = record_create(data=RecordData(title="Emma"))
    item_create(record_id=emma.pk, data=ItemInput(barcode="B-7"))
    sources = [
        SourceRecord(position=1, raw=b"", data=RecordData(title="Dune"), items=[ItemData("B-8")]),
        SourceRecord(position=2, raw=b"", data=RecordData(title="Emma"), items=[ItemData("B-7")]),
    ]
    decisions = [Decision(source, Action.CREATE) for source in sources]
    creates_plan(decisions)
    copies = copies_found({"B-7", "B-8"})

    with django_assert_num_queries(1):
        planned = items_plan(decisions, copies)

    assert planned.barcodes == ["B-8"]
    assert "Copy B-7 was left out" in decisions[1].reason


def test_planning_steps_back_from_a_lock_cycle_with_the_writer(live_library):
    # The writer's open chunk holds a contributor the plan needs and is about to insert one
    # the plan holds: the plan gives up its wait, lets the writer through, and starts again.
    schema = live_library.library.schema_name
    writer_done: list[str] = []
    writer_holds_x = threading.Event()

    def writer() -> None:
        other = connection.get_new_connection(connection.get_connection_params())
        try:
            with other.cursor() as cursor:
                cursor.execute(f'SET search_path TO "{schema}"')
                cursor.execute("INSERT INTO catalog_contributor (name, name_key) VALUES ('X', 'x')")
                writer_holds_x.set()
                time.sleep(0.1)  # the plan inserts Y, then waits for X
                cursor.execute(
                    "INSERT INTO catalog_contributor (name, name_key) VALUES ('Y', 'y') "
                    "ON CONFLICT DO NOTHING"
                )
            other.commit()
            writer_done.append("committed")
        except Exception as error:
            writer_done.append(repr(error))
        finally:
            other.close()

    thread = threading.Thread(target=writer)
    thread.start()
    assert writer_holds_x.wait(5)
    with schema_context(schema):
        creates = [
            Decision(
                SourceRecord(
                    position=i, raw=b"", data=RecordData(title=t, contributors=[(n, "author")])
                ),
                Action.CREATE,
            )
            for i, (t, n) in enumerate([("First", "Y"), ("Second", "X")], start=1)
        ]
        plan = plan_ahead(creates, threading.Event())
        thread.join(10)

        assert writer_done == ["committed"]
        assert len(plan.credits) == 2
        assert Contributor.objects.filter(name_key__in=["x", "y"]).count() == 2
