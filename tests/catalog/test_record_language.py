"""A record's language is a code of the MARC code list for languages, through every write:
the services and the API refuse another with a sentence, imports keep the record without it."""

import io

import pymarc
import pytest

from catalog.imports.jobs import import_job_create
from catalog.models import Record
from catalog.services import RecordData, record_create, record_patch, record_update
from common.errors import ApplicationError
from tests.catalog.imports.helpers import job_run


@pytest.mark.parametrize(
    ("language", "says"),
    [("zzz", "not in the MARC code list"), ("english", "not in the MARC code list"),
     ("fra", "\u201cfre\u201d"), ("ENG", "\u201ceng\u201d")],
)  # fmt: skip
def test_a_language_outside_the_marc_list_is_refused_with_a_sentence(in_library, language, says):
    with pytest.raises(ApplicationError) as refused:
        record_create(data=RecordData(title="Kindred", language=language))
    assert refused.value.code == "language_invalid"
    assert says in refused.value.fields["language"][0]
    assert not Record.objects.exists()
    record = record_create(data=RecordData(title="Kindred", language="eng"))
    with pytest.raises(ApplicationError):
        record_update(record_id=record.pk, data=RecordData(title="Kindred", language=language))
    assert Record.objects.get(pk=record.pk).language == "eng"


def test_a_record_stored_with_an_old_code_still_saves_its_other_fields(in_library):
    record = record_create(data=RecordData(title="Old"))
    Record.objects.filter(pk=record.pk).update(language="scr")  # Serbo-Croatian, discontinued
    record_patch(record_id=record.pk, changes={"title": "Old, revised"})
    assert Record.objects.filter(pk=record.pk).values_list("title", "language").get() == (
        "Old, revised", "scr"
    )  # fmt: skip


def _marc(title: str, language: str) -> bytes:
    record = pymarc.Record(force_utf8=True)
    record.add_field(pymarc.Field(tag="008", data=f"{'':35}{language}  d"))
    record.add_field(
        pymarc.Field(tag="245", indicators=pymarc.Indicators("0", "0"),
                     subfields=[pymarc.Subfield("a", title)])
    )  # fmt: skip
    return record.as_marc()


@pytest.mark.parametrize("kind", ["csv", "marc"])
def test_an_import_keeps_the_record_without_a_code_outside_the_list_and_says_so(in_library, kind):
    if kind == "csv":
        name = "languages.csv"
        data = b"title,language\nUnknown,zzz\nTerminology,fra\nPlain,ger\n"
    else:
        name = "languages.mrc"
        data = _marc("Unknown", "zzz") + _marc("Terminology", "fra") + _marc("Plain", "ger")
    job = job_run(import_job_create(file=io.BytesIO(data), file_name=name))
    assert job.status == "staged", job.error
    reasons = dict(job.rows.values_list("title", "reason"))
    assert "\u201czzz\u201d is not in the MARC code list" in reasons["Unknown"]
    assert "imported without a language" in reasons["Unknown"]
    assert "read as \u201cfre\u201d" in reasons["Terminology"]
    assert "Warning" not in reasons["Plain"]
    job = job_run(import_job_create(file=io.BytesIO(data), file_name=name, one_shot=True))
    assert job.status == "committed", job.error
    assert dict(Record.objects.values_list("title", "language")) == {
        "Unknown": "", "Terminology": "fre", "Plain": "ger"
    }  # fmt: skip
