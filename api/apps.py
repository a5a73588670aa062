"""App configuration for the REST API."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"

    def ready(self) -> None:
        from corsheaders.signals import check_request_enabled

        from api.cors import cors_read_allowed

        check_request_enabled.connect(cors_read_allowed, dispatch_uid="api.cors_read_allowed")
