"""The shared pool's worker: each cycle visits every sharing library's change feed."""

from celery import shared_task

from common.tasks import PlatformTask
from tenants.pool import POOL_SYNC, pool_libraries, pool_sync


@shared_task(base=PlatformTask, name=POOL_SYNC)
def pool_sync_task(library_id: int) -> bool:
    """One library's share of the pool brought up to date; a long backlog continues at once."""
    more = pool_sync(library_id=library_id)
    if more:
        pool_sync_task.delay(library_id)
    return more


@shared_task(base=PlatformTask, name="worker.pool_sync_all")
def pool_sync_all_task() -> int:
    """The periodic cycle (CELERY_BEAT_SCHEDULE): a task per library in the pool."""
    libraries = pool_libraries()
    for library_id in libraries:
        pool_sync_task.delay(library_id)
    return len(libraries)
