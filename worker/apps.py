"""App configuration for the worker tasks."""

from django.apps import AppConfig


class WorkerConfig(AppConfig):
    name = "worker"
