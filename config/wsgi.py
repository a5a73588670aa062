"""WSGI entry point: `gunicorn config.wsgi`."""

import gc
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

# A page of records is thousands of short-lived objects, freed by reference counting when the
# answer is sent: with the default threshold (700) the collector's youngest generation ran
# inside most requests over objects about to go anyway. deploy/gunicorn.conf.py freezes what
# lives as long as the worker, so the rarer, larger passes stay short.
gc.set_threshold(50_000, 20, 100)
