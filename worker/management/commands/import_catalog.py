"""`manage.py import_catalog --library SCHEMA FILE`: import a file through the worker."""

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import InterfaceError, OperationalError, close_old_connections
from django_tenants.utils import schema_context

from catalog.imports.jobs import import_job_create
from catalog.imports.models import ImportJob
from tenants.models import Library
from tenants.platform import library_for_command

FINAL = {"staged", "committed", "failed", "cancelled", "reverted"}
WAIT_SECONDS = 2


class Command(BaseCommand):
    help = "Import a MARC 21, UNIMARC, MARCXML or CSV file into a library's catalog, on a worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--library",
            required=True,
            help="the library: its schema name, its name as signed up or a host name",
        )
        parser.add_argument("--format", choices=["marc", "marcxml", "csv"], default="")
        parser.add_argument("--match-on", choices=ImportJob.MatchOn.values, default="either")
        parser.add_argument("--on-match", choices=ImportJob.OnMatch.values, default="update")
        parser.add_argument("--on-no-match", choices=ImportJob.OnNoMatch.values, default="create")
        parser.add_argument("--dry-run", action="store_true", help="stage and preview only")
        parser.add_argument(
            "--overlay",
            choices=ImportJob.Overlay.values,
            default="replace",
            help="on an update: replace the record, fill_empty (only fill empty fields) or "
            "keep_local (keep fields edited in Stacks since the last import)",
        )
        parser.add_argument(
            "--create-locations",
            action="store_true",
            help="create the location codes the file gives that the library does not have",
        )
        parser.add_argument("--timeout", type=float, default=0, help="give up after N seconds")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        self.verbose = options["verbosity"] > 1
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if path.stat().st_size == 0:
            raise CommandError(f"{path} is empty: there is nothing to import.")
        library = library_for_command(options["library"])
        if library.status != Library.Status.ACTIVE:
            # The worker refuses a suspended library's tasks: the job would wait forever.
            raise CommandError(
                f"Library {library.schema_name!r} is suspended: reactivate it to import."
            )
        with schema_context(options["library"]), path.open("rb") as stream:
            job = import_job_create(
                file=stream,
                file_name=path.name,
                format=options["format"],
                match_on=options["match_on"],
                on_match=options["on_match"],
                on_no_match=options["on_no_match"],
                dry_run=options["dry_run"],
                create_locations=options["create_locations"],
                overlay=options["overlay"],
                one_shot=True,
                started_by_label="import_catalog command",
            )
            self.stdout.write(f"Import {job.pk} queued; waiting for a worker.")
            job = self._follow(job, options["timeout"])
        self.stdout.write(
            f"\nimport {job.pk}: {job.status}\n"
            f"total {job.total}, created {job.created}, updated {job.updated}, "
            f"unchanged {job.unchanged}, rejected {job.rejected}"
        )
        if job.rejected:
            self.stdout.write(f"Rejects: GET /api/v1/imports/{job.pk}/rejects/")
        if job.status in ("failed", "cancelled"):
            raise CommandError(job.error or f"The import was {job.status}.")

    def _follow(self, job: ImportJob, timeout: float) -> ImportJob:
        deadline = time.monotonic() + timeout if timeout else None
        started = time.monotonic()
        while True:
            try:
                job.refresh_from_db()
            except (OperationalError, InterfaceError):
                # The database is away for the moment; the job resumes once it is back.
                close_old_connections()
                self.stderr.write("The database is not answering; waiting for it.")
                time.sleep(WAIT_SECONDS)
                continue
            if job.status in FINAL:
                return job
            if deadline is not None and time.monotonic() > deadline:
                raise CommandError(f"Import {job.pk} still {job.status} after {timeout}s.")
            done = min(job.bytes_read / job.file_size, 1.0) if job.file_size else 0.0
            bar = "#" * int(done * 30)
            rate = job.total / max(time.monotonic() - started, 0.001)
            left = f", {(1 - done) / done * (time.monotonic() - started):.0f}s left" if done else ""
            if sys.stdout.isatty() or self.verbose:
                self.stdout.write(
                    f"\r[{bar:<30}] {done:6.1%} {job.total} records ({rate:.0f}/s){left}",
                    ending="",
                )
                self.stdout.flush()
            time.sleep(0.5)
