"""Work on a second connection: a thread in one library's schema that keeps what it got."""

import threading
from collections.abc import Callable

from django.db import connection
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
