"""`manage.py distribute_libraries`: make every plain library schema a Citus distributed one."""

from django.core.management.base import BaseCommand, CommandError

from tenants.template import libraries_distribute


class Command(BaseCommand):
    help = (
        "On a Citus coordinator (STACKS_CITUS=1), distribute every library and spare schema "
        "that is still a plain schema on the coordinator; those already distributed are left."
    )

    def handle(self, *args: object, **options: object) -> None:
        try:
            done = libraries_distribute()
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        for name in done:
            self.stdout.write(f"distributed {name}")
        self.stdout.write(f"{len(done)} schema(s) distributed")
