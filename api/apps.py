"""App configuration for the REST API."""

from corsheaders.signals import check_request_enabled
from django.apps import AppConfig

from api.cors import cors_read_allowed


class ApiConfig(AppConfig):
    name = "api"

    def ready(self) -> None:
        check_request_enabled.connect(cors_read_allowed, dispatch_uid="api.cors_read_allowed")
