"""The worker's consumer: back on the job queue within seconds of Redis, and saying so."""

from functools import partial
from typing import Any

from celery.worker.consumer import Consumer as CeleryConsumer

from worker.imports import job_queue_back

# While the job queue is away the consumer tries it again this often, rather than with kombu's
# pause growing to 30 s: the jobs stored meanwhile start at most this long after it is back.
RECONNECT = {"interval_start": 1, "interval_step": 1, "interval_max": 2}


class Consumer(CeleryConsumer):  # type: ignore[misc]
    """Celery's consumer, retrying a lost job queue every few seconds, and waking the imports
    watch each time it is connected again (the outage may have been too short to be seen)."""

    def ensure_connected(self, conn: Any) -> Any:
        # Bound to the class's method, not the connection's attribute: a consumer that
        # reconnects many times wraps it once, not once more each time.
        conn.ensure_connection = partial(type(conn).ensure_connection, conn, **RECONNECT)
        connected = super().ensure_connected(conn)
        job_queue_back()
        return connected
