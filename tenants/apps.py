"""App configuration for the tenants app."""

from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Libraries"

    def ready(self) -> None:
        from catalog.services import location_code_follow_register
        from tenants.administration import default_location_follow

        # The library's default location is kept by its code, in the platform's tables: the
        # catalog tells it when that code changes or its location goes.
        location_code_follow_register(default_location_follow)
