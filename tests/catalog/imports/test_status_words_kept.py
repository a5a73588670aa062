"""An import's or an export's status in a refusal is said as its label is written: German keeps
the capitals of its nouns ("In der Warteschlange"), which a label put into lower case loses."""

import pytest
from django.utils import translation
from django_tenants.utils import schema_context

from catalog.imports.exports import export_file_open
from catalog.imports.jobs import import_job_cancel, import_job_commit
from catalog.imports.models import ExportJob, ImportJob
from common.errors import ApplicationError


def test_an_unfinished_export_names_its_german_status_as_written(library) -> None:
    with schema_context(library.schema_name):
        job = ExportJob.objects.create(format="csv")
        with translation.override("de"), pytest.raises(ApplicationError) as refused:
            export_file_open(job)
    assert refused.value.message == (
        "Der Export ist nicht fertig (Status: In der Warteschlange); laden Sie ihn herunter, "
        "sobald er fertig ist."
    )


def test_a_refused_import_names_its_german_status_as_written(library) -> None:
    with schema_context(library.schema_name):
        job = ImportJob.objects.create(file_name="buecher.mrc", format="marc")
        with translation.override("de"), pytest.raises(ApplicationError) as commit:
            import_job_commit(job_id=job.pk)
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.COMMITTED)
        with translation.override("de"), pytest.raises(ApplicationError) as cancel:
            import_job_cancel(job_id=job.pk)
    assert commit.value.message == (
        "Nur ein vorbereiteter Import kann übernommen werden (dieser: In der Warteschlange)."
    )
    assert cancel.value.message == (
        "Dieser Import kann nicht mehr abgebrochen werden (Status: Übernommen)."
    )
