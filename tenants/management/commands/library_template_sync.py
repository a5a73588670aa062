"""`manage.py library_template_sync`: create or migrate the schema new libraries clone."""

from django.core.management.base import BaseCommand

from tenants.template import library_template_ensure, template_schema_name


class Command(BaseCommand):
    help = "Create or migrate the template schema that new libraries are cloned from."

    def handle(self, *args: object, **options: int) -> None:
        library_template_ensure(verbosity=options["verbosity"])
        self.stdout.write(f"Template schema {template_schema_name()!r} is current.")
