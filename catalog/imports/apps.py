"""App configuration for catalog imports and exports."""

from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "catalog.imports"
    label = "imports"
    verbose_name = "Catalog imports and exports"
