"""A staged preview and the catalog changing under it: a change that cannot turn its decisions
leaves it to be committed; one that can is named, on its page and by the commit's refusal, and
the preview is made again from the same file, on the page and through the API."""

import io

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from catalog.imports.generate import marc_generate
from catalog.imports.jobs import (
    import_job_commit,
    import_job_create,
    import_job_outdated,
    import_job_preview_again,
)
from catalog.imports.models import ImportJob, ImportRow
from catalog.models import Record
from catalog.services import RecordData, record_create, record_delete, record_update
from common.errors import Conflict
from tests.api.conftest import client_for
from tests.api.test_imports_api import _key
from tests.catalog.imports.helpers import job_run
from tests.circulation.conftest import staff_client
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST

DUNE = "title,isbn\nDune,9780441172719\n"
DUNE_HELD = RecordData(title="Dune", identifiers=[("isbn", "9780441172719")])
EMMA = "title,isbn\nEmma,9780141439587\n"
COMMIT = "Commit this import"
AGAIN = "Make the preview again"


def _staged(text: str, **options: object) -> ImportJob:
    job = import_job_create(file=io.BytesIO(text.encode()), file_name="books.csv", **options)
    job = job_run(job)
    assert job.status == "staged"
    return job


def _committed(job: ImportJob) -> ImportJob:
    import_job_commit(job_id=job.pk)
    return job_run(job)


def test_two_previews_of_unrelated_files_both_commit(in_library):
    """The tester's steps: imports 2 and 4 staged, 2 committed, then 4."""
    dune, emma = _staged(DUNE), _staged(EMMA)
    assert _committed(dune).status == "committed"
    # A volunteer scans one book meanwhile.
    record_create(data=RecordData(title="Scanned", identifiers=[("isbn", "9780140449136")]))

    assert _committed(emma).status == "committed"
    assert sorted(Record.objects.values_list("title", flat=True)) == ["Dune", "Emma", "Scanned"]


def test_a_record_given_an_isbn_of_the_file_since_is_named_and_nothing_is_written(in_library):
    job = _staged(DUNE)
    added = record_create(data=DUNE_HELD)

    with pytest.raises(Conflict, match=f"^Record {added.pk} changed after this import") as error:
        import_job_commit(job_id=job.pk)

    assert error.value.code == "catalog_changed_since_preview"
    assert "make the preview again from the same file" in error.value.message
    job.refresh_from_db()
    assert job.status == "staged"
    assert Record.objects.count() == 1


def test_an_edit_of_a_record_the_preview_matched_is_not_overwritten(in_library):
    """The preview said what its update changes in the record as it was: committing it after a
    librarian's edit would undo the edit unseen."""
    kept = record_create(data=DUNE_HELD)
    job = _staged("title,isbn,year\nDune,9780441172719,1965\n")
    assert job.updated == 1
    record_update(
        record_id=kept.pk,
        data=RecordData(title="Dune (signed copy)", identifiers=[("isbn", "9780441172719")]),
    )

    with pytest.raises(Conflict, match=f"^Record {kept.pk} changed after"):
        import_job_commit(job_id=job.pk)
    assert Record.objects.get().title == "Dune (signed copy)"


def test_the_preview_made_again_matches_what_was_added_and_commits_once(in_library):
    job = _staged(DUNE)
    added = record_create(data=DUNE_HELD)

    import_job_preview_again(job_id=job.pk)
    job = job_run(ImportJob.objects.get(pk=job.pk))

    assert job.status == "staged"
    assert (job.total, job.created, job.updated, job.unchanged) == (1, 0, 0, 1)
    row = ImportRow.objects.get(job=job)
    assert row.match_record_id == added.pk
    assert _committed(job).status == "committed"
    assert Record.objects.count() == 1


def test_a_commit_refused_on_the_worker_can_be_previewed_again(in_library):
    first, second = _staged(DUNE), _staged(DUNE)
    import_job_commit(job_id=first.pk)
    import_job_commit(job_id=second.pk)
    job_run(first)
    assert job_run(second).error_code == "catalog_changed_since_preview"

    import_job_preview_again(job_id=second.pk)
    second = job_run(ImportJob.objects.get(pk=second.pk))

    assert (second.status, second.error, second.created, second.unchanged) == ("staged", "", 0, 1)
    assert Record.objects.count() == 1


def test_a_committed_import_or_one_whose_file_is_gone_is_not_previewed_again(in_library):
    done = _committed(_staged(DUNE))
    with pytest.raises(Conflict, match="Only a staged import can be previewed again"):
        import_job_preview_again(job_id=done.pk)

    job = _staged(EMMA)
    job.file.delete(save=False)
    with pytest.raises(Conflict, match="no longer kept") as error:
        import_job_preview_again(job_id=job.pk)
    assert error.value.code == "import_file_gone"
    assert ImportRow.objects.filter(job=job).count() == 1


def test_the_page_of_an_outdated_preview_says_why_and_offers_it_again(library):
    with schema_context("alpha"):
        job = _staged(DUNE)
    librarian = staff_client("alpha", LIBRARY_HOST, "librarian")
    assert COMMIT in librarian.get(f"/staff/imports/{job.pk}/").text
    with schema_context("alpha"):
        added = record_create(data=DUNE_HELD)

    page = librarian.get(f"/staff/imports/{job.pk}/").text

    assert COMMIT not in page
    assert AGAIN in page
    notice = page[page.index('id="import-outdated"') :]
    notice = notice[: notice.index("</div>")]
    # The record by its title, linked to its staff page; nothing was tried, so nothing failed.
    assert f'<a href="/staff/records/{added.pk}/"><bdi>Dune</bdi></a> (record {added.pk})' in notice
    assert "This preview is out of date" in notice
    assert "Nothing was imported" not in notice
    assert "Nothing has been imported yet" in notice
    answer = librarian.post(f"/staff/imports/{job.pk}/preview/")
    assert answer.status_code == 302
    with schema_context("alpha"):
        job = job_run(ImportJob.objects.get(pk=job.pk))
        assert (job.status, job.unchanged) == ("staged", 1)
    page = librarian.get(f"/staff/imports/{job.pk}/").text
    assert COMMIT in page
    assert AGAIN not in page


def test_the_api_previews_again_and_never_another_librarys_job(library, other_library):
    with schema_context("alpha"):
        job = _staged(DUNE)
        record_create(data=DUNE_HELD)
    api = client_for(LIBRARY_HOST, f"Api-Key {_key('alpha')}")
    other = client_for(OTHER_LIBRARY_HOST, f"Api-Key {_key('beta')}")
    refused = api.post(f"/api/v1/imports/{job.pk}/commit/")
    assert refused.status_code == 409
    assert "make the preview again" in refused.json()["detail"]

    assert other.post(f"/api/v1/imports/{job.pk}/preview/").status_code == 404
    with schema_context("alpha"):
        assert ImportJob.objects.get(pk=job.pk).status == "staged"
        assert ImportRow.objects.filter(job=job).count() == 1

    answer = api.post(f"/api/v1/imports/{job.pk}/preview/")
    assert answer.status_code == 202
    assert answer.json()["status"] == "queued"
    assert answer["Location"].endswith(f"/api/v1/imports/{job.pk}/")
    with schema_context("alpha"):
        job_run(ImportJob.objects.get(pk=job.pk))
    assert api.post(f"/api/v1/imports/{job.pk}/commit/").status_code == 202


def test_the_notice_says_which_record_was_removed_since(library):
    with schema_context("alpha"):
        kept = record_create(data=DUNE_HELD)
        job = _staged("title,isbn,year\nDune,9780441172719,1965\n")
        record_delete(record_id=kept.pk)
    librarian = staff_client("alpha", LIBRARY_HOST, "librarian")

    page = librarian.get(f"/staff/imports/{job.pk}/").text

    assert f"Record {kept.pk}, removed since" in page
    assert COMMIT not in page


def test_the_api_detail_says_the_preview_is_outdated_and_which_records(library):
    with schema_context("alpha"):
        job = _staged(DUNE)
    api = client_for(LIBRARY_HOST, f"Api-Key {_key('alpha')}")
    assert api.get(f"/api/v1/imports/{job.pk}/").json()["preview_outdated"] == []
    with schema_context("alpha"):
        added = record_create(data=DUNE_HELD)

    detail = api.get(f"/api/v1/imports/{job.pk}/").json()

    assert detail["preview_outdated"] == [added.pk]
    assert api.post(f"/api/v1/imports/{job.pk}/commit/").status_code == 409
    # The list does not read every job's rows for it.
    listed = api.get("/api/v1/imports/").json()["results"]
    assert all("preview_outdated" not in row for row in listed)


def test_a_field_the_preview_again_does_not_take_is_refused(library):
    with schema_context("alpha"):
        job = _staged(DUNE)
        record_create(data=DUNE_HELD)
    api = client_for(LIBRARY_HOST, f"Api-Key {_key('alpha')}")

    refused = api.post(f"/api/v1/imports/{job.pk}/preview/", {"foo": 1}, format="json")

    assert refused.status_code == 400
    assert refused.json()["errors"]["foo"] == ["Unknown field; this operation takes: none."]
    with schema_context("alpha"):
        assert ImportJob.objects.get(pk=job.pk).status == "staged"
    assert api.post(f"/api/v1/imports/{job.pk}/preview/", {}, format="json").status_code == 202


def test_a_refused_commit_answers_each_record_with_its_title_and_address(library):
    """The 409 keeps its detail and code, and adds the records: an integrator can tell the
    librarian which books, and a record removed since says so with a null title."""
    with schema_context("alpha"):
        kept = record_create(data=DUNE_HELD)
        job = _staged("title,isbn\nDune,9780441172719\nEmma,9780141439587\n")
        record_delete(record_id=kept.pk)
        added = record_create(
            data=RecordData(title="Emma", identifiers=[("isbn", "9780141439587")])
        )
    api = client_for(LIBRARY_HOST, f"Api-Key {_key('alpha')}")

    refused = api.post(f"/api/v1/imports/{job.pk}/commit/")

    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "catalog_changed_since_preview"
    assert body["detail"].startswith(f"Records {kept.pk}, {added.pk} changed after")
    assert body["records"] == [
        {"id": kept.pk, "title": None, "url": None},
        {"id": added.pk, "title": "Emma",
         "url": f"http://{LIBRARY_HOST}/api/v1/records/{added.pk}/"},
    ]  # fmt: skip
    assert api.get(body["records"][1]["url"]).json()["title"] == "Emma"
    with schema_context("alpha"):
        assert ImportJob.objects.get(pk=job.pk).status == "staged"


def test_a_record_given_the_second_isbn_of_a_row_since_is_named(in_library):
    job = _staged("title,isbn\nDune,9780441172719;9780441013593\n")
    added = record_create(data=RecordData(title="Dune", identifiers=[("isbn", "9780441013593")]))

    assert import_job_outdated(job) == [added.pk]


def test_a_record_given_a_control_number_of_the_file_since_is_named_from_its_source(in_library):
    job = _staged("title,control_number,control_number_source\nDune,ocm123,OCoLC\n")
    elsewhere = RecordData(title="Other", control_number="ocm123", control_number_source="DLC")
    record_create(data=elsewhere)
    assert import_job_outdated(job) == []

    added = record_create(
        data=RecordData(title="Dune", control_number="ocm123", control_number_source="OCoLC")
    )

    assert import_job_outdated(job) == [added.pk]
    with pytest.raises(Conflict, match=f"^Record {added.pk} changed after"):
        import_job_commit(job_id=job.pk)


def test_only_the_keys_the_job_matches_on_count(in_library):
    text = "title,isbn,control_number\nDune,9780441172719,ocm123\n"
    by_isbn = _staged(text, match_on="isbn")
    by_number = _staged(text, match_on="control_number")

    numbered = record_create(data=RecordData(title="Other", control_number="ocm123"))
    assert import_job_outdated(by_isbn) == []
    assert import_job_outdated(by_number) == [numbered.pk]

    given = record_create(data=DUNE_HELD)
    assert import_job_outdated(by_isbn) == [given.pk]
    assert import_job_outdated(by_number) == [numbered.pk]


def test_an_isbn_given_as_another_kind_of_identifier_leaves_the_preview_be(in_library):
    job = _staged(DUNE)

    record_create(data=RecordData(title="Dune", identifiers=[("oclc", "9780441172719")]))

    assert import_job_outdated(job) == []


def test_asking_reads_the_rows_of_the_changed_records_keys_not_every_row(in_library):
    """The staff page and the API's detail ask on each view: with one record changed since,
    the answer reads the staged rows that give its keys, through their indexes, whatever the
    size of the file."""
    stream = io.BytesIO()
    marc_generate(stream, 400)
    stream.seek(0)
    job = job_run(import_job_create(file=stream, file_name="books.mrc", create_locations=True))
    assert (job.status, job.created) == ("staged", 400)
    record_create(data=RecordData(title="Elsewhere", identifiers=[("isbn", "9780140449136")]))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE imports_importrow")  # as autovacuum would after the staging

    before = _rows_read()
    assert import_job_outdated(job) == []

    assert _rows_read() - before < 10


def _rows_read() -> int:
    """The import rows this transaction read so far, by scans and through indexes."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) "
            "FROM pg_stat_xact_user_tables WHERE relid = 'imports_importrow'::regclass"
        )
        return int(cursor.fetchone()[0])
