"""`manage.py create_api_key --library SCHEMA --name NAME --scope read|write [--patrons]`."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context

from common.errors import ApplicationError
from staff.services import api_key_create
from tenants.platform import library_for_command


class Command(BaseCommand):
    help = "Issue an API key for one library. The key is printed once; only its hash is kept."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--library",
            required=True,
            help="the library: its schema name, its name as signed up or a host name",
        )
        parser.add_argument("--name", required=True, help="who or what the key is for")
        parser.add_argument("--scope", choices=["read", "write"], default="read")
        parser.add_argument(
            "--patrons", action="store_true", help="the patron scope: patrons, loans and holds"
        )

    def handle(self, *args: object, **options: object) -> None:
        library = library_for_command(str(options["library"]))
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
