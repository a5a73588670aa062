"""A record a file gives twice (two rows or MARC records sharing an ISBN or a control number)
becomes one record, and the preview says so before anything is written: which rows, on which
key, which fields differ and whose values are kept."""

import io

import pytest
from django.utils import translation
from django_tenants.utils import schema_context, tenant_context

from catalog.imports.jobs import import_job_commit, import_job_create
from catalog.imports.models import ImportJob, ImportRow
from catalog.imports.selectors import import_job_warnings
from catalog.models import Record
from catalog.services import RecordData, record_create
from tenants.administration import library_settings_update
from tests.api.conftest import client_for
from tests.api.test_imports_api import _key
from tests.catalog.imports.helpers import api_upload_run, job_run, marc_titled
from tests.circulation.conftest import staff_client
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST

# Two editions typed with one ISBN, then a book given once.
TWICE = (
    b"title,authors,isbn,year,summary,barcode\n"
    b"Dune,Frank Herbert,0441172717,1965,A desert planet.,B-1\n"
    b"Dune Messiah,Frank Herbert,0441172717,1969,,B-2\n"
    b"Emma,Jane Austen,,1815,,B-3\n"
)


def _run(content: bytes, name: str = "books.csv", **options: object) -> ImportJob:
    job = import_job_create(file=io.BytesIO(content), file_name=name, **options)  # type: ignore[arg-type]
    return job_run(job)


def _rows(job: ImportJob) -> dict[int, ImportRow]:
    return {row.position: row for row in ImportRow.objects.filter(job=job)}


def test_the_preview_says_which_rows_become_one_record_and_what_is_kept(in_library):
    job = _run(TWICE)
    rows = _rows(job)

    assert [rows[p].action for p in (1, 2, 3)] == ["create", "update", "create"]
    reason = rows[2].reason
    assert "same record as line 2 of this file (same ISBN 9780441172719)" in reason
    assert "the values of line 3 are kept" in reason
    assert "title: \u201cDune\u201d \u2192 \u201cDune Messiah\u201d" in reason
    assert "year: \u201c1965\u201d \u2192 \u201c1969\u201d" in reason
    assert "summary: removed" in reason
    assert "copies added: B-2" in reason
    assert "on match: create" in reason
    [warning] = _warnings(job)
    assert "line 3 with line 2 (ISBN 9780441172719)" in warning

    import_job_commit(job_id=job.pk)
    job_run(job)
    # What the preview said is what happened: one record, the later row's values, both copies.
    record = Record.objects.get(identifiers__value="9780441172719")
    assert (record.title, record.publication_year, record.summary) == ("Dune Messiah", 1969, "")
    assert sorted(record.items.values_list("barcode", flat=True)) == ["B-1", "B-2"]


def _warnings(job: ImportJob) -> list[str]:
    job.refresh_from_db()
    return import_job_warnings(job)


def test_identical_repeated_rows_are_said_to_be_one_record(in_library):
    row = b"Dune,Frank Herbert,0441172717,1965,A desert planet.,B-1\n"
    rows = _rows(_run(TWICE.splitlines(keepends=True)[0] + row + row))

    assert rows[2].action == "update"
    assert "same record as line 2 of this file (same ISBN 9780441172719), with the same" in (
        rows[2].reason
    )


def test_a_one_shot_import_says_which_rows_became_one_record(in_library):
    job = _run(TWICE, one_shot=True)
    rows = _rows(job)

    assert (job.created, job.updated) == (2, 1)
    assert "title: \u201cDune\u201d \u2192 \u201cDune Messiah\u201d" in rows[2].reason
    assert "same record as line 2 of this file (same ISBN 9780441172719)" in rows[2].reason
    assert any("line 3 with line 2" in warning for warning in _warnings(job))


def test_two_rows_matching_one_catalog_record_say_both_what_changes_and_what_is_lost(
    in_library,
):
    record_create(data=RecordData(title="Dune", identifiers=[("isbn", "9780441172719")]))
    rows = _rows(_run(TWICE))

    assert [rows[1].action, rows[2].action] == ["update", "update"]
    assert rows[2].reason.startswith("Matches record")
    assert "same record as line 2 of this file" in rows[2].reason
    assert "summary: removed" in rows[2].reason


def test_on_match_create_keeps_them_apart_without_a_merge_warning(in_library):
    job = _run(TWICE, on_match="create")

    assert (job.created, job.updated) == (3, 0)
    assert _warnings(job) == []


def test_two_marc_records_with_one_control_number_are_named_by_position(in_library):
    content = marc_titled("cn-1", "Dune") + marc_titled("cn-1", "Dune Messiah")
    job = _run(content, name="books.mrc")
    rows = _rows(job)

    assert rows[2].action == "update"
    assert "same record as record 1 of this file (same control number cn-1)" in rows[2].reason
    assert "the values of record 2 are kept" in rows[2].reason
    assert "title: \u201cDune\u201d \u2192 \u201cDune Messiah\u201d" in rows[2].reason


@pytest.fixture
def api(library):  # type: ignore[no-untyped-def]
    return client_for(LIBRARY_HOST, f"Api-Key {_key('alpha')}")


def _uploaded(api) -> int:  # type: ignore[no-untyped-def]
    return api_upload_run(api, "books.csv", TWICE)


def test_the_api_and_the_staff_page_show_the_merge_before_commit(api):
    job_id = _uploaded(api)
    job = api.get(f"/api/v1/imports/{job_id}/").json()
    rows = api.get(f"/api/v1/imports/{job_id}/rows/?action=update").json()["results"]
    page = staff_client("alpha", LIBRARY_HOST, "librarian").get(f"/staff/imports/{job_id}/")

    assert job["status"] == "staged"
    assert any("line 3 with line 2 (ISBN 9780441172719)" in w for w in job["warnings"])
    assert "\u201cDune\u201d \u2192 \u201cDune Messiah\u201d" in rows[0]["reason"]
    assert "line 3 with line 2 (ISBN 9780441172719)" in page.text
    assert "the values of line 3 are kept" in page.text


def test_another_library_cannot_read_the_merge_warning(api, other_library):
    job_id = _uploaded(api)
    other = client_for(OTHER_LIBRARY_HOST, f"Api-Key {_key('beta')}")

    assert other.get(f"/api/v1/imports/{job_id}/").status_code == 404
    assert other.get(f"/api/v1/imports/{job_id}/rows/").status_code == 404
    with schema_context("alpha"):
        assert ImportJob.objects.get(pk=job_id).status == "staged"


# An Excel file whose lines 2 and 5 give one ISBN with a different subtitle, publisher, year.
MISERABLES = (
    "title,subtitle,authors,publisher,isbn,year\n"
    "Les Misérables,Tome I : Fantine,Victor Hugo,Gallimard,9782070408504,1995\n"
    "Emma,,Jane Austen,,,1815\n"
    "Dune,,Frank Herbert,,0441172717,1965\n"
    "Les Misérables,Tome I (édition de poche),Victor Hugo,Folio,9782070408504,1999\n"
).encode("cp1252")


def _miserables() -> tuple[str, str, int | None]:
    record = Record.objects.get(identifiers__value="9782070408504")
    return (record.subtitle, record.publisher, record.publication_year)


def _imported_with_warnings(**options: object) -> tuple[ImportJob, dict[int, ImportRow]]:
    job = _run(MISERABLES, **options)
    if not job.one_shot:
        import_job_commit(job_id=job.pk)
        job = job_run(job)
    return job, _rows(job)


@pytest.mark.parametrize("one_shot", [False, True])
def test_the_same_file_imported_twice_gives_the_same_record_and_says_so_both_times(
    in_library, one_shot
):
    last_row = ("Tome I (\u00e9dition de poche)", "Folio", 1999)
    for _ in range(2):
        job, rows = _imported_with_warnings(one_shot=one_shot)

        assert _miserables() == last_row
        assert Record.objects.filter(identifiers__value="9782070408504").count() == 1
        assert rows[4].action == "update"
        assert "same record as line 2 of this file (same ISBN 9782070408504)" in rows[4].reason
        assert "the values of line 5 are kept" in rows[4].reason
        assert "\u201cTome I : Fantine\u201d \u2192 \u201cTome I (\u00e9dition de poche)\u201d" in (
            rows[4].reason
        )
        assert "publisher: \u201cGallimard\u201d \u2192 \u201cFolio\u201d" in rows[4].reason
        assert any("line 5 with line 2 (ISBN 9782070408504)" in w for w in _warnings(job))


def test_two_rows_matching_a_record_of_the_catalog_leave_the_last_ones_values(in_library):
    record_create(
        data=RecordData(
            title="Les Mis\u00e9rables",
            subtitle="Tome I (\u00e9dition de poche)",
            publisher="Folio",
            publication_year=1999,
            contributors=[("Victor Hugo", "author")],
            identifiers=[("isbn", "9782070408504")],
        )
    )
    job = _run(MISERABLES)
    rows = _rows(job)

    # Line 5 gives what the catalog holds, but line 2 changes it first: line 5 changes it back.
    assert "Identical" not in rows[4].reason
    assert [rows[1].action, rows[4].action] == ["update", "update"]
    assert "\u201cTome I : Fantine\u201d \u2192 \u201cTome I (\u00e9dition de poche)\u201d" in (
        rows[4].reason
    )
    assert "same record as line 2 of this file" in rows[4].reason
    assert any("line 5 with line 2 (ISBN 9782070408504)" in w for w in _warnings(job))
    import_job_commit(job_id=job.pk)
    job_run(job)
    assert _miserables() == ("Tome I (\u00e9dition de poche)", "Folio", 1999)


@pytest.mark.parametrize("one_shot", [False, True])
def test_a_repeat_changing_nothing_of_what_the_earlier_row_made_is_still_said(in_library, one_shot):
    record_create(data=RecordData(title="Dune", identifiers=[("isbn", "9780441172719")]))
    row = b"Dune,Frank Herbert,0441172717,1965,A desert planet.,\n"
    job = _run(TWICE.splitlines(keepends=True)[0] + row + row, one_shot=one_shot)
    rows = _rows(job)

    assert [rows[1].action, rows[2].action] == ["update", "unchanged"]
    assert "same record as line 2 of this file (same ISBN 9780441172719), with the same" in (
        rows[2].reason
    )
    assert any("line 3 with line 2 (ISBN 9780441172719)" in w for w in _warnings(job))


def test_two_marc_records_matching_a_record_of_the_catalog_leave_the_last_ones_values(
    in_library,
):
    content = marc_titled("cn-1", "Dune") + marc_titled("cn-1", "Dune Messiah")
    _run(content, name="books.mrc", one_shot=True)
    for _ in range(2):
        job = _run(content, name="books.mrc")
        rows = _rows(job)
        import_job_commit(job_id=job.pk)
        job_run(job)

        assert rows[2].action == "update"
        assert "title: \u201cDune\u201d \u2192 \u201cDune Messiah\u201d" in rows[2].reason
        assert any("record 2 with record 1 (control number cn-1)" in w for w in _warnings(job))
        assert list(Record.objects.values_list("title", flat=True)) == ["Dune Messiah"]


def test_the_french_reason_quotes_and_spaces_as_french_writes(in_library):
    _run(MISERABLES, one_shot=True)
    library_settings_update(library=in_library, actor="test", language="fr")
    in_library.refresh_from_db()
    # The worker writes reasons in the library's language.
    with tenant_context(in_library), translation.override("fr"):
        job = _run(MISERABLES)
        reason = _rows(job)[4].reason
        warnings = _warnings(job)

    nb, quoted = "\u00a0", "\u00ab\u00a0Tome I : Fantine\u00a0\u00bb"
    assert "m\u00eame notice que la ligne 2 de ce fichier" in reason
    assert "les valeurs de la ligne 5 sont gard\u00e9es" in reason
    assert (
        f"sous-titre{nb}: {quoted} \u2192 \u00ab{nb}Tome I (\u00e9dition de poche){nb}\u00bb"
        in (reason)
    )
    assert f"\u00bb\u202f; \u00e9diteur{nb}: " in reason
    assert "\u201c" not in reason
    assert any("ligne 5 avec la ligne 2" in w for w in warnings)


@pytest.mark.parametrize(
    ("language", "repeats", "more"),
    [("en", 11, "and 1 more"), ("fr", 11, "et 1 autre"), ("fr", 12, "et 2 autres")],
)
def test_the_repeats_left_unnamed_are_counted_in_their_number(
    in_library, language: str, repeats: int, more: str
) -> None:
    """The warning names ten repeats and counts the rest: one left over reads in the singular."""
    header = TWICE.splitlines(keepends=True)[0]
    rows = b"".join(
        b"Dune,Frank Herbert,0441172717,%d,,B-%d\n" % (1965 + n, n) for n in range(repeats + 1)
    )
    job = _run(header + rows)

    with translation.override(language):
        [warning] = _warnings(job)

    # Between the items, the language's own "; " (French: a narrow no-break space before it).
    between = "\u202f; " if language == "fr" else "; "
    assert f"(ISBN 9780441172719){between}{more}. " in warning
