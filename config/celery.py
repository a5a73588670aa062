"""The Celery app: tasks carry the schema of the library that queued them."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = CeleryApp("stacks")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
