"""`manage.py setup_demo`: the demo library with a known admin login, idempotently."""

from django.core.management.base import BaseCommand, CommandParser
from django_tenants.utils import schema_context

from staff.models import User
from staff.roles import Role
from tenants.domains import site_url
from tenants.models import Library
from tenants.services import library_create


class Command(BaseCommand):
    help = "Create the demo library (or reset its admin's password) and print the login."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--schema", default="demo")
        parser.add_argument("--domain", default="demo.localhost")
        parser.add_argument("--admin-email", default="admin@demo.localhost")
        parser.add_argument("--admin-password", required=True)

    def handle(self, *args: object, **options: str) -> None:
        schema = options["schema"]
        reset = False
        if not Library.objects.filter(schema_name=schema).exists():
            library_create(
                schema_name=schema,
                name="Demo Public Library",
                domain=options["domain"],
                admin_email=options["admin_email"],
                admin_password=options["admin_password"],
            )
        else:
            with schema_context(schema):
                user = User.objects.filter(email=options["admin_email"]).first()
                if user is None:
                    user = User(email=options["admin_email"], role=Role.ADMIN, is_staff=True)
                # Saved only when something differs: a new password hash would end the
                # admin's staff tokens on every restart of the stack.
                if user.pk is None or not user.check_password(options["admin_password"]):
                    user.set_password(options["admin_password"])
                    reset = user.pk is not None
                    user.is_active = True
                    user.save()
                elif not user.is_active:
                    user.is_active = True
                    user.save(update_fields=["is_active"])
        self.stdout.write(
            f"Demo library: {site_url(options['domain'])}  (staff: /staff/login/)\n"
            f"  admin email:    {options['admin_email']}\n"
            f"  admin password: {options['admin_password']}"
            + ("  (set again: it had been changed)" if reset else "")
        )
