"""The import and export pages in the librarian's language: an update's changes name roles and
identifier kinds in words, list with the language's separator and say a removed value without
a gender to agree with; one rejected record is not counted; an export says what it holds in
a sentence."""

import re
from datetime import UTC, datetime

import pytest
from django.utils import translation
from django_tenants.utils import schema_context

from catalog.imports.exports import export_job_create
from catalog.imports.merging import changes_listed
from catalog.imports.models import ExportJob, ImportJob, key_label
from catalog.services import RecordData
from tenants.administration import library_settings_update
from tests.circulation.conftest import staff_client
from tests.conftest import LIBRARY_HOST, language_set

BEFORE = RecordData(
    title="L\u2019\u00c9tranger", series="Folio",
    contributors=[("Camus, Albert", "author"), ("Wall, Larry", "translator")],
    identifiers=[("isbn", "9782070360024")],
)  # fmt: skip
AFTER = RecordData(
    title="L\u2019\u00c9tranger",
    contributors=[("Camus, Albert", "author")],
    identifiers=[("isbn", "9782253096344")],
)

# (language, the series removed, the contributors before, the identifiers after)
SAID = [
    ("en", "series: removed", "Camus, Albert (author); Wall, Larry (translator)",
     "ISBN 9782253096344"),
    ("fr", "collection\u00a0: valeur supprimée",
     "Camus, Albert (auteur)\u202f; Wall, Larry (traducteur)", "ISBN 9782253096344"),
    ("de", "Reihe: entfernt", "Camus, Albert (Verfasser); Wall, Larry (Übersetzer)",
     "ISBN 9782253096344"),
    ("es", "serie: valor eliminado", "Camus, Albert (autor); Wall, Larry (traductor)",
     "ISBN 9782253096344"),
]  # fmt: skip


@pytest.mark.parametrize(("language", "removed", "contributors", "identifiers"), SAID)
def test_an_update_names_roles_and_kinds_in_the_language(
    language, removed, contributors, identifiers
) -> None:
    with translation.override(language):
        said = changes_listed(BEFORE, AFTER, [])
    assert removed in said
    assert contributors in said
    assert identifiers in said
    assert "(author)" not in said or language == "en"
    assert "isbn " not in said


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_match_key_names_its_identifier_as_it_is_printed(language) -> None:
    with translation.override(language):
        assert key_label("isbn:9782253096344") == "ISBN 9782253096344"
        assert key_label("issn:0028-0836") == "ISSN 0028-0836"
        number = "control number" if language == "en" else "num\u00e9ro de contr\u00f4le"
        assert key_label("cn:OCoLC:123") == f"{number} OCoLC 123"


@pytest.mark.parametrize(
    ("language", "one", "two"),
    [
        ("en", "Download the rejected record</a>", "Download the 2 rejected records</a>"),
        ("fr", "Télécharger la notice rejetée</a>", "Télécharger les 2 notices rejetées</a>"),
        ("de", "Laden Sie den abgelehnten Datensatz herunter</a>",
         "Laden Sie die 2 abgelehnten Datensätze herunter</a>"),
        ("es", "Descargue el registro rechazado</a>", "Descargue los 2 registros rechazados</a>"),
    ],
)  # fmt: skip
def test_one_rejected_record_is_not_counted(library, language, one, two) -> None:
    language_set(library, language)
    staff = staff_client(library.schema_name, LIBRARY_HOST, "librarian")
    for rejected, said in ((1, one), (2, two)):
        with schema_context(library.schema_name):
            job = ImportJob.objects.create(
                file_name="books.mrc", format="marc", status=ImportJob.Status.STAGED,
                total=3, rejected=rejected,
            )  # fmt: skip
        assert said in staff.get(f"/staff/imports/{job.pk}/").text


STARTED = datetime(2026, 12, 4, 18, 26, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "filtered", "everything"),
    [
        ("en", "CSV (;) export of the records changed since 12/04/2026 6:26 p.m., started on ",
         "MARCXML export of all records, started on "),
        ("fr", "Export CSV (;) des notices modifiées depuis le 04/12/2026 18:26, lancé le ",
         "Export MARCXML de toutes les notices, lancé le "),
        ("de", "CSV (;)-Export der Datensätze geändert seit 04.12.2026 18:26, gestartet am ",
         "MARCXML-Export aller Datensätze, gestartet am "),
        ("es", "Exportación CSV (;) de los registros modificados desde el 04/12/2026 18:26, "
         "iniciada el ", "Exportación MARCXML de todos los registros, iniciada el "),
    ],
)  # fmt: skip
def test_an_export_says_what_it_holds_in_a_sentence(library, language, filtered, everything):
    language_set(library, language)
    with schema_context(library.schema_name):
        library_settings_update(library=library, actor="test", time_zone="UTC")
        since = export_job_create(
            format="csv", separator=";", filters={"updated_since": STARTED.isoformat()},
            started_by_label="admin@alpha.example", queue=False,
        )  # fmt: skip
        whole = export_job_create(format="marcxml", filters={}, queue=False)
        assert ExportJob.objects.count() == 2
    staff = staff_client(library.schema_name, LIBRARY_HOST, "librarian")
    for job, said in ((since, filtered), (whole, everything)):
        page = staff.get(f"/staff/exports/{job.pk}/").text
        sentence = re.search(r'<p id="export-described">(.*?)</p>', page, re.S)
        assert sentence is not None
        assert sentence[1].startswith(said), sentence[1]
        assert sentence[1].endswith(".")


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "\u201cdune\u201d"), ("fr", "\u00ab\u00a0dune\u00a0\u00bb"),
     ("de", "\u201edune\u201c"), ("es", "\u00abdune\u00bb")],
)  # fmt: skip
def test_an_export_quotes_its_search_words_in_its_sentence(library, language, words):
    language_set(library, language)
    with schema_context(library.schema_name):
        job = export_job_create(format="csv", filters={"q": "dune"}, queue=False)
    staff = staff_client(library.schema_name, LIBRARY_HOST, "librarian")
    page = staff.get(f"/staff/exports/{job.pk}/").text
    sentence = re.search(r'<p id="export-described">(.*?)</p>', page, re.S)
    assert sentence is not None
    assert f" {words}, " in sentence[1], sentence[1]
