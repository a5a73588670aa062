"""Celery beat's scheduler: each periodic task once into every active library, and an outage
of the job queue told in one line, its due tasks kept until it is back."""

import logging
import time
from typing import Any

from celery.beat import ScheduleEntry
from django.db.models import QuerySet
from django_tenants.utils import get_public_schema_name, schema_context
from kombu.exceptions import OperationalError
from tenant_schemas_celery.scheduler import TenantAwarePersistentScheduler

from common.cache import REDIS_UNAVAILABLE
from tenants.models import Library

logger = logging.getLogger(__name__)

BROKER_UNAVAILABLE = (OperationalError, *REDIS_UNAVAILABLE, OSError)
# While the job queue is away, beat looks whether it is back this often.
BROKER_LOOK_SECONDS = 2.0


def broker_unavailable(error: BaseException) -> bool:
    """Whether `error`, or what it was raised from (beat wraps it), says the broker is away."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, BROKER_UNAVAILABLE):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class LibraryScheduler(TenantAwarePersistentScheduler):
    """Celery beat sending each periodic task once into every active library's schema, or,
    for an entry with `"tenant_schemas": ["public"]`, once on the platform.

    With the job queue away, a task falling due is kept, not sent, and the outage is logged
    once rather than a traceback per task and library each time one falls due; once the
    queue answers again, that is logged too and each kept task is sent once (the periodic
    tasks are safe to run late and twice)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.broker_away = False
        self.waiting: dict[str, ScheduleEntry] = {}
        self._looked_at = 0.0
        super().__init__(*args, **kwargs)

    @classmethod
    def get_queryset(cls) -> QuerySet[Library]:
        # The platform's own row is here for platform entries; tasks for every library
        # leave it out (TenantAwareSchedulerMixin.apply_entry).
        return Library.objects.filter(status=Library.Status.ACTIVE)

    def broker_address(self) -> str:
        with self.app.connection_for_write() as conn:
            return f"{conn.hostname}:{conn.port}"

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if self.broker_away:
            now = time.monotonic()
            if now - self._looked_at >= BROKER_LOOK_SECONDS:
                self._looked_at = now
                if self._broker_answers():
                    self._broker_back()
        delay = super().tick(*args, **kwargs)
        return min(delay, BROKER_LOOK_SECONDS) if self.broker_away else delay

    def apply_entry(self, entry: ScheduleEntry, producer: Any = None) -> None:
        if self.broker_away:
            self.waiting[entry.name] = entry
            return
        headers = entry.options.setdefault("headers", {})
        libraries = self.get_queryset()
        if headers.get("_all_tenants_only"):
            libraries = libraries.exclude(schema_name=get_public_schema_name())
        else:
            libraries = libraries.filter(schema_name=headers["_schema_name"])
        logger.info("Sending due task %s (%s)", entry.name, entry.task)
        for schema in libraries.values_list("schema_name", flat=True):
            with schema_context(schema):
                try:
                    self.apply_async(entry, producer=producer, advance=False)
                except Exception as error:
                    if not broker_unavailable(error):
                        logger.exception("could not send %s to library %s", entry.task, schema)
                        continue
                    self._broker_lost(entry)
                    return

    def _broker_lost(self, entry: ScheduleEntry) -> None:
        self.broker_away = True
        self._looked_at = time.monotonic()
        self.waiting[entry.name] = entry
        logger.warning(
            "job queue (Redis at %s) unreachable; scheduled tasks wait for it",
            self.broker_address(),
        )

    def _broker_answers(self) -> bool:
        try:
            with self.app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1)
        except Exception as error:
            if broker_unavailable(error):
                return False
            raise
        return True

    def _broker_back(self) -> None:
        self.broker_away = False
        waiting, self.waiting = self.waiting, {}
        logger.warning(
            "job queue (Redis at %s) is back; sending the %d scheduled tasks that waited",
            self.broker_address(),
            len(waiting),
        )
        for entry in waiting.values():
            self.apply_entry(entry, producer=self.producer)
