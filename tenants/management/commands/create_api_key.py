"""`manage.py create_api_key --library SCHEMA --name NAME --scope read|write [--patrons]`."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context

from common.errors import ApplicationError
from staff.services import api_key_create
from tenants.models import Library


class Command(BaseCommand):
    help = "Issue an API key for one library. The key is printed once; only its hash is kept."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--library", required=True, help="the library's schema name")
        parser.add_argument("--name", required=True, help="who or what the key is for")
        parser.add_argument("--scope", choices=["read", "write"], default="read")
        parser.add_argument(
            "--patrons", action="store_true", help="the patron scope: patrons, loans and holds"
        )

    def handle(self, *args: object, **options: object) -> None:
        library = (
            Library.objects.exclude(schema_name="public")
            .filter(schema_name=options["library"])
            .first()
        )
        if library is None:
            raise CommandError(f"No library named {options['library']!r}.")
        try:
            with schema_context(library.schema_name):
                issued = api_key_create(
                    name=str(options["name"]),
                    scope=str(options["scope"]),
                    patrons=bool(options["patrons"]),
                )
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(issued.secret)
        self.stderr.write(
            f"API key {issued.api_key.name!r} ({issued.api_key.scope}) for "
            f"{library.schema_name}. Store it now: it is not shown again."
        )
