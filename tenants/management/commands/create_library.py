"""`manage.py create_library SCHEMA --name NAME --domain HOST --admin-email EMAIL`."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from staff.invitations import INVITATION_TTL
from tenants.domains import site_url
from tenants.errors import LibraryError
from tenants.onboarding import SUBDOMAIN_RE, subdomain_schema_name
from tenants.services import library_create


class Command(BaseCommand):
    help = "Create a library: its schema, its host name and its first admin account."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "schema",
            help="schema name: lowercase letters, digits, underscores or hyphens, starting with "
            "a letter (a hyphen is stored as an underscore, as sign-up stores cdi-moulin)",
        )
        parser.add_argument("--name", required=True, help="the library's display name")
        parser.add_argument("--domain", required=True, help="host name, e.g. town.localhost")
        parser.add_argument("--admin-email", required=True, help="email of the first admin")
        parser.add_argument(
            "--admin-password",
            help="admin password (default: none; a one-time link to set it is printed)",
        )

    def handle(self, *args: object, **options: str) -> None:
        password = options.get("admin_password") or None
        try:
            # Without a password given, the admin sets one through a link that works once:
            # a printed password would stay valid for as long as nobody changed it.
            made = library_create(
                schema_name=_schema_name(options["schema"]),
                name=options["name"],
                domain=options["domain"],
                admin_email=options["admin_email"],
                admin_password=password,
                admin_invite=password is None,
            )
        except LibraryError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"Created library {made.library.schema_name!r} at {site_url(made.domain.domain)}\n"
            f"Admin: {made.admin_email}"
        )
        if made.invitation_url:
            self.stdout.write(
                f"Set the admin's password here (the link works once, for "
                f"{INVITATION_TTL.days} days): {made.invitation_url}"
            )
        else:
            self.stdout.write("The admin signs in with the password given.")


def _schema_name(typed: str) -> str:
    """The schema of a name as sign-up takes it ("lycee-curie" is schema lycee_curie); any
    other name goes as it is, for the service to judge and quote as typed."""
    return subdomain_schema_name(typed) if SUBDOMAIN_RE.match(typed) else typed
