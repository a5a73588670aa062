"""App configuration for staff accounts and API keys."""

from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "staff"
    label = "staff"
    verbose_name = "Staff and API keys"
