"""Tasks of the product. Each loads ids, calls one service, and is safe to run twice."""

from celery import shared_task
from django.core.cache import cache
from django.db import connection

from catalog.selectors import catalog_statistics
from common.tasks import LibraryTask

STATISTICS_CACHE_KEY = "catalog:statistics"


@shared_task(base=LibraryTask, name="worker.library_statistics_refresh")
def library_statistics_refresh() -> dict[str, object]:
    """Count the library's catalog and cache the counts (keyed by schema) for its dashboards."""
    stats: dict[str, object] = {"schema": connection.schema_name, **catalog_statistics()}  # type: ignore[attr-defined]
    cache.set(STATISTICS_CACHE_KEY, stats, timeout=None)
    return stats


# Import and export tasks live in their own module; importing it registers them.
from worker import circulation as _circulation  # noqa: E402, F401
from worker import imports as _imports  # noqa: E402, F401
from worker.onboarding import signup_provision_task  # noqa: E402, F401 - registers the task
from worker.pool import pool_sync_task  # noqa: E402, F401 - registers the pool's tasks
