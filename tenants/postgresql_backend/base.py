"""django-tenants' PostgreSQL backend, whose connection health check first looks at the socket.

With CONN_HEALTH_CHECKS on, Django sends `SELECT 1` before the first query of every request
that reuses a connection. An idle connection has nothing to read unless the server has closed
it or sent something on its own (a restart, an administrator's termination, a pooler's idle
timeout all end with the socket readable), so a readiness poll on the socket, which costs no
round trip, decides whether the real `SELECT 1` check is needed.
"""

import select

from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper


def _idle_and_quiet(connection: object) -> bool:
    """Nothing to read, no error, no hang-up on the connection's socket (poll, not select:
    a busy process's descriptors may be past select's limit)."""
    try:
        fd = connection.fileno()  # type: ignore[attr-defined]
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
        return not poller.poll(0)
    except (OSError, ValueError, AttributeError):
        return False


class DatabaseWrapper(TenantDatabaseWrapper):
    health_check_done: bool

    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and _idle_and_quiet(self.connection)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
