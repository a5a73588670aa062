"""`manage.py export_catalog --library SCHEMA --format F OUT`: export a catalog to a file."""

import json
import shutil
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context

from catalog.imports.exports import export_job_create, export_job_write
from catalog.imports.models import ExportJob
from common.errors import ApplicationError
from tenants.platform import library_for_command


class Command(BaseCommand):
    help = "Export a library's catalog as CSV, MARC 21, MARCXML or JSON Lines."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("output", type=Path)
        parser.add_argument(
            "--library",
            required=True,
            help="the library: its schema name, its name as signed up or a host name",
        )
        parser.add_argument("--format", choices=ExportJob.ExportFormat.values, required=True)
        parser.add_argument("--filters", default="{}", help='JSON, e.g. {"language": "eng"}')
        parser.add_argument(
            "--separator",
            choices=ExportJob.Separator.values,
            default=ExportJob.Separator.COMMA,
            help="a CSV's column separator: ';' for Excel in French, German or Spanish",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        library = library_for_command(options["library"])
        output: Path = options["output"]
        # Checked before the export is recorded, so a mistyped path leaves no job behind.
        if not output.parent.is_dir():
            raise CommandError(f"No such folder for the export: {output.parent}")
        try:
            filters = json.loads(options["filters"])
        except json.JSONDecodeError as error:
            raise CommandError(f"--filters is not JSON: {error}") from None
        if not isinstance(filters, dict):
            raise CommandError('--filters must be a JSON object, e.g. {"language": "eng"}.')
        with schema_context(library.schema_name):
            try:
                job = export_job_create(
                    format=options["format"],
                    filters=filters,
                    separator=options["separator"],
                    started_by_label="export_catalog command",
                    queue=False,
                )
            except ApplicationError as exc:
                raise CommandError(exc.message) from None
            job = export_job_write(job_id=job.pk)
            with job.file.open("rb") as source, output.open("wb") as target:
                shutil.copyfileobj(source, target)
        self.stdout.write(f"Exported {job.records} records to {output}.")
