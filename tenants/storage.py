"""A library's files in Django's storage: all under its schema's name, removed with it."""

import os
from collections.abc import Iterator

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django_tenants.utils import schema_context, schema_exists

from catalog.imports.models import ExportJob, ImportJob
from tenants.models import Library


def _walk(path: str) -> Iterator[str]:
    try:
        dirs, files = default_storage.listdir(path)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        yield f"{path}/{name}"
    for name in dirs:
        yield from _walk(f"{path}/{name}")


def library_file_names(*, library: Library) -> list[str]:
    """Storage names of the library's files: everything under `<schema>/`, and the files its
    jobs name elsewhere (written before files were kept under the schema). Export bundles live
    under STACKS_BUNDLE_PREFIX and are not among them."""
    names: set[str] = set()
    if library.schema_name != settings.STACKS_BUNDLE_PREFIX.split("/")[0]:
        names.update(_walk(library.schema_name))
    if schema_exists(library.schema_name):
        with schema_context(library.schema_name):
            for model in (ImportJob, ExportJob):
                names.update(model.objects.exclude(file="").values_list("file", flat=True))
    return sorted(names)


def library_files_delete(*, schema_name: str, names: list[str]) -> None:
    """Delete these files, then (on a file system) the library's emptied folders."""
    for name in names:
        default_storage.delete(name)
    if isinstance(default_storage, FileSystemStorage):
        root = default_storage.path(schema_name)
        for folder, _, _ in sorted(os.walk(root), reverse=True):
            if not os.listdir(folder):
                os.rmdir(folder)
