"""`manage.py migrate_libraries`: migrate the platform, the template and the libraries behind.

`migrate_schemas` loads the migration graph and runs `migrate` for every schema even when
nothing is to be applied (minutes for a thousand libraries). This checks every library's
migration record against the code first, a few queries in all, and migrates only those behind.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from tenants.models import Library
from tenants.template import library_template_ensure, schemas_behind


class Command(BaseCommand):
    help = "Migrate the platform, the template, and every library whose migrations are behind."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--executor",
            default="standard",
            help="django-tenants migration executor for the libraries behind (standard, "
            "multiprocessing)",
        )

    def handle(self, *args: object, **options: object) -> None:
        verbosity = int(options["verbosity"])  # type: ignore[call-overload]
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        library_template_ensure(verbosity=verbosity)
        connection.set_schema_to_public()  # type: ignore[attr-defined]
        names = list(
            Library.objects.exclude(schema_name="public").values_list("schema_name", flat=True)
        )
        behind = schemas_behind(names)
        for name in behind:
            call_command(
                "migrate_schemas",
                tenant=True,
                schema_name=name,
                interactive=False,
                verbosity=verbosity,
                executor=options["executor"],
            )
            connection.set_schema_to_public()  # type: ignore[attr-defined]
        self.stdout.write(f"{len(names)} libraries: {len(behind)} migrated, the rest current.")
