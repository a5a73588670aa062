"""A library's files live under its schema's name in storage and leave with it."""

import io
import os

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_tenants.utils import schema_context
from PIL import Image

from catalog.imports.exports import export_job_create, export_job_write
from catalog.imports.jobs import import_job_create
from catalog.imports.models import ImportJob
from catalog.services import RecordData, record_cover_set, record_create
from tenants.platform import library_delete
from tenants.services import library_create
from tests.conftest import PASSWORD

CSV = b"title,isbn\nDune,0441172717\n"


def _storage_files() -> set[str]:
    """Every file in storage, by its storage name."""
    root = settings.MEDIA_ROOT
    found = set()
    for folder, _, files in os.walk(root):
        for name in files:
            found.add(os.path.relpath(os.path.join(folder, name), root))
    return found


def test_files_are_kept_under_the_schema_and_removed_with_the_library(
    library, django_capture_on_commit_callbacks
):
    made = library_create(
        schema_name="storage_lib", name="Storage", domain="storage-lib.localhost",
        admin_email="a@storage.example", admin_password=PASSWORD,
    )  # fmt: skip
    with schema_context("alpha"):
        kept = import_job_create(file=io.BytesIO(CSV), file_name="alpha.csv")
    with schema_context("storage_lib"):
        upload = import_job_create(file=io.BytesIO(CSV), file_name="books.csv")
        export = export_job_write(
            job_id=export_job_create(format="csv", filters={}, queue=False).pk
        )
        # A file written before files were kept under the schema, named by a job.
        legacy = default_storage.save("imports/2025/01/legacy.csv", ContentFile(CSV))
        older = import_job_create(file=io.BytesIO(CSV), file_name="older.csv")
        default_storage.delete(older.file.name)
        ImportJob.objects.filter(pk=older.pk).update(file=legacy)
        picture = io.BytesIO()
        Image.new("RGB", (300, 450)).save(picture, "PNG")
        book = record_create(data=RecordData(title="Dune"))
        cover = record_cover_set(record_id=book.pk, image=picture.getvalue()).cover
        covers = {f"{cover}-thumb.webp", f"{cover}-large.webp"}

    assert upload.file.name.startswith("storage_lib/imports/")
    assert export.file.name.startswith("storage_lib/exports/")
    assert kept.file.name.startswith("alpha/imports/")
    assert cover.startswith(f"storage_lib/covers/{book.pk}/")
    before = _storage_files()
    assert {upload.file.name, export.file.name, legacy, kept.file.name} | covers <= before

    with django_capture_on_commit_callbacks(execute=True):
        bundle = library_delete(library=made.library)

    after = _storage_files()
    assert [name for name in after if name.startswith("storage_lib/")] == []
    assert not os.path.exists(os.path.join(settings.MEDIA_ROOT, "storage_lib"))
    assert legacy not in after
    # The final export bundle stays, and nothing of another library was touched.
    assert bundle in after
    assert kept.file.name in after
    assert after == before - {upload.file.name, export.file.name, legacy} - covers | {bundle}
