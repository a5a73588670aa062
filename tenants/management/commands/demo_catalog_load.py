"""`manage.py demo_catalog_load --library SCHEMA`: queue the demo catalog's import, once."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

# A command is an edge, like a task: it enters the library it is asked for.
from django_tenants.utils import schema_context

from catalog.imports.demo import demo_catalog_queue
from common.errors import ApplicationError
from tenants.platform import library_for_command


class Command(BaseCommand):
    help = (
        "Queue the import of the demo catalog (real MARC records with copies) into a library "
        "whose catalog is empty; a worker does the import. Does nothing the second time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--library",
            required=True,
            help="the library: its schema name, its name as signed up or a host name",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        schema = library_for_command(options["library"]).schema_name
        with schema_context(schema):
            try:
                done = demo_catalog_queue()
            except ApplicationError as error:
                raise CommandError(error.message) from None
        if done.job is None:
            self.stdout.write(
                f"Demo catalog: the library already has {done.skipped_because}; skipped."
            )
            return
        self.stdout.write(
            f"Demo catalog: {done.records} records queued as import {done.job.pk}; the worker "
            "picks it up as soon as it starts (follow it at GET /api/v1/imports/)."
        )
