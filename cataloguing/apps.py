"""The cataloguing workspace's app (templates and static files; it has no tables)."""

from django.apps import AppConfig


class CataloguingConfig(AppConfig):
    name = "cataloguing"
    verbose_name = "Cataloguing workspace"
