"""Tasks run in a real worker process, inside the schema of the library that queued them."""

import pytest
from django.core.cache import cache
from django.db import connection
from django_tenants.utils import schema_context

from catalog.services import RecordData, record_create
from tests.worker.helpers import wait_for
from worker.tasks import STATISTICS_CACHE_KEY, library_statistics_refresh

pytestmark = pytest.mark.worker


def test_task_runs_in_the_schema_that_queued_it(celery_worker_process, live_library):
    schema = live_library.library.schema_name
    with schema_context(schema):
        for title in ("One", "Two", "Three"):
            record_create(data=RecordData(title=title))
        library_statistics_refresh.delay()

    def stats():  # type: ignore[no-untyped-def]
        with schema_context(schema):
            return cache.get(STATISTICS_CACHE_KEY)

    result = wait_for(stats, timeout=30)
    assert result == {"schema": schema, "records": 3, "items": 0, "items_available": 0}
    # The cache entry is the library's own: the other library's key space holds nothing.
    with schema_context("alpha"):
        assert cache.get(STATISTICS_CACHE_KEY) is None


def test_task_without_a_library_schema_is_refused(celery_worker_process, live_db):
    connection.set_schema_to_public()
    result = library_statistics_refresh.delay()

    refused = wait_for(
        lambda: (
            "Task worker.library_statistics_refresh needs a library's schema"
            in celery_worker_process.log()
            and result.id in celery_worker_process.log()
        ),
        timeout=30,
    )
    assert refused, celery_worker_process.log()[-2000:]
    with schema_context("public"):
        assert cache.get(STATISTICS_CACHE_KEY) is None
