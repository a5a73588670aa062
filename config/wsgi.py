"""WSGI entry point: `gunicorn config.wsgi`."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# Both hosts' URLconfs, and every view module they import, loaded as the worker starts: else
# the first request to a library host after each worker (re)start waits for those imports.
for urlconf in (settings.PUBLIC_SCHEMA_URLCONF, settings.ROOT_URLCONF):
    get_resolver(urlconf).reverse_dict  # noqa: B018 - builds the resolver's lookup tables
