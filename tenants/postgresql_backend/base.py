"""django-tenants' PostgreSQL backend, whose connection health check first looks at the socket
and which sends `SET search_path` only when the session's path is not already the one needed.

With CONN_HEALTH_CHECKS on, Django sends `SELECT 1` before the first query of every request
that reuses a connection. An idle connection has nothing to read unless the server has closed
it or sent something on its own (a restart, an administrator's termination, a pooler's idle
timeout all end with the socket readable), so a readiness poll on the socket, which costs no
round trip, decides whether the real `SELECT 1` check is needed.

django-tenants forgets that the path is set whenever a schema is chosen, and every request
chooses the public schema and then its library's: on a persistent connection serving one
library, each request would repeat the `SET` the session already holds. The path a `SET`
gave the session is kept until something may have undone it (a rollback, a failed `SET`,
a new connection), and choosing that path again needs no statement.
"""

import select

from django_tenants.postgresql_backend.base import EXTRA_SEARCH_PATHS
from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper
from django_tenants.utils import get_public_schema_name


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
    # The search_path the session holds, as a list of schemas, or None when it is not known.
    session_search_path: list[str] | None = None

    def set_tenant(self, tenant, include_public=True):  # type: ignore[no-untyped-def]
        super().set_tenant(tenant, include_public)
        held = self.session_search_path
        if held is not None and held == self._search_path_wanted():
            self.search_path_set_schemas = held

    def _search_path_wanted(self) -> list[str]:
        """The path `_get_cursor_search_paths` would give, without its checks of the names (a
        path equal to one already set has passed them)."""
        public = get_public_schema_name()
        if self.schema_name == public or not self.include_public_schema:
            return [self.schema_name, *EXTRA_SEARCH_PATHS]
        return [self.schema_name, public, *EXTRA_SEARCH_PATHS]

    def _handle_search_path(self, cursor=None):  # type: ignore[no-untyped-def]
        if self._setting_search_path:
            return
        super()._handle_search_path(cursor)
        # None after a failed SET: the session's path is then not known.
        self.session_search_path = self.search_path_set_schemas

    def close(self) -> None:
        self.session_search_path = None
        super().close()

    def rollback(self) -> None:
        # A rolled back transaction takes back a SET it issued.
        self.session_search_path = None
        super().rollback()

    def savepoint_rollback(self, sid):  # type: ignore[no-untyped-def]
        try:
            super().savepoint_rollback(sid)
        finally:
            self.session_search_path = None

    def get_new_connection(self, conn_params):  # type: ignore[no-untyped-def]
        self.session_search_path = None
        return super().get_new_connection(conn_params)

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
