"""Settings for the test suite: the project's settings, isolated per run in a shared Redis."""

import os
import uuid

# One id per test run (inherited by the worker processes the tests start), so that runs
# sharing a Redis server never read each other's cache entries or tasks.
RUN_ID = os.environ.setdefault("STACKS_TEST_RUN", uuid.uuid4().hex[:10])
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production-use")
os.environ.setdefault("CACHE_KEY_PREFIX", f"test-{RUN_ID}")
os.environ.setdefault("CELERY_DEFAULT_QUEUE", f"test-{RUN_ID}")
# Test clients speak plain HTTP; production's HTTPS-only defaults are tested in tests/deploy/.
os.environ.setdefault("STACKS_HTTPS", "0")
# Nothing in the suite leaves the machine: tests that look books up name their own sources.
os.environ.setdefault("STACKS_LOOKUP_SOURCES", "[]")
os.environ.setdefault("MEDIA_ROOT", f"/tmp/stacks-test-media-{RUN_ID}")  # noqa: S108

from config.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tests clone each library (tests/tenants/test_provisioning.py covers spare schemas itself).
STACKS_SPARE_SCHEMAS = 0

# Processes the browser tests start write their mail as files there (EMAIL_BACKEND filebased).
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", f"/tmp/stacks-test-mail-{RUN_ID}")  # noqa: S108
