"""The connection health check: no round trip while the connection is quiet, a new
connection once the server has closed the old one."""

import select

from django.db import connection


def _request_boundary() -> None:
    # What Django does between two requests with CONN_HEALTH_CHECKS on.
    connection.close_if_unusable_or_obsolete()


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_a_quiet_connection_is_reused_without_a_select_1(live_db, monkeypatch):
    connection.close()  # a fresh one: an old one may be past its CONN_MAX_AGE, closed for that
    pid = _backend_pid()
    checks = []
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(1) or True)
    _request_boundary()
    assert _backend_pid() == pid
    assert checks == []


def test_a_connection_the_server_closed_is_replaced(live_db):
    pid = _backend_pid()
    # Another session ends ours, as a server restart or an administrator would.
    # A second session opened as Django opens its own (an embedded server listens on a
    # socket of its own, named in the connection's options).
    other = connection.get_new_connection(connection.get_connection_params())
    other.autocommit = True
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    other.close()
    # The termination is asynchronous: wait until our socket shows the server's goodbye.
    poller = select.poll()
    poller.register(connection.connection.fileno(), select.POLLIN | select.POLLHUP)
    assert poller.poll(10_000)
    _request_boundary()
    assert _backend_pid() != pid
