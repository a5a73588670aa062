"""Work on a second connection: a thread in one library's schema that keeps what it got."""

import threading
import time
from collections.abc import Callable

from django.db import connection, transaction
from django_tenants.utils import schema_context


class SchemaThread(threading.Thread):
    """Runs `work()` inside `schema` on a connection of its own, closed when it ends; `result`
    holds what it returned, `error` what it raised, for the test to check after `join`."""

    def __init__(self, schema: str, work: Callable[[], object]) -> None:
        super().__init__()
        self.schema = schema
        self.work = work
        self.result: object = None
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            with schema_context(self.schema):
                self.result = self.work()
        except Exception as error:  # handed to the test through `error`
            self.error = error
        finally:
            connection.close()


def waiting_on_locks(count: int) -> None:
    """Until `count` sessions of this database wait on a lock (or fail after 20 s)."""
    for _ in range(400):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= count:
                return
        time.sleep(0.05)
    raise AssertionError(f"{count} sessions never waited on a lock")


def while_first_is_open(
    schema: str, first: Callable[[], object], second: Callable[[], object]
) -> tuple[SchemaThread, SchemaThread]:
    """Runs `first` in a transaction kept open until `second`, started once `first` has
    written, waits on a lock; then lets `first` commit and both end. Returns the two threads,
    joined."""
    written, release = threading.Event(), threading.Event()

    def first_and_wait() -> object:
        with transaction.atomic():
            made = first()
            written.set()
            release.wait(30)
        return made

    one = SchemaThread(schema, first_and_wait)
    one.start()
    assert written.wait(30), one.error
    two = SchemaThread(schema, second)
    two.start()
    waiting_on_locks(1)
    release.set()
    for thread in (one, two):
        thread.join(60)
    return one, two
