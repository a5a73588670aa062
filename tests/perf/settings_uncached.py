"""The test settings with the website's page cache off: a benchmark of a page measures the
page being made, not a cached copy of it."""

from tests.settings import *  # noqa: F403
from tests.settings import CACHES

CACHES["pages"] = CACHES["pages"] | {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
