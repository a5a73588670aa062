"""`manage.py bootstrap_platform`: the public tenant and the template schema, idempotently."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.urls import reverse

from tenants.domains import site_url
from tenants.services import public_tenant_ensure
from tenants.template import library_template_ensure, spare_pool_fill


class Command(BaseCommand):
    help = "Ensure the platform (public) tenant and its host names, and a current template."

    def handle(self, *args: object, **options: object) -> None:
        public_tenant_ensure(hostnames=settings.STACKS_PLATFORM_HOSTS)
        library_template_ensure()
        spare_pool_fill(size=settings.STACKS_SPARE_SCHEMAS)
        # The address a new library signs up at, to open in a browser, not just a host name.
        path = reverse("signup", urlconf=settings.PUBLIC_SCHEMA_URLCONF)
        signup = site_url(settings.STACKS_PLATFORM_HOSTS[0], path)
        self.stdout.write(f"Platform ready: sign a library up at {signup}")
