"""A worker given STACKS_WORKER_NICE gives way: its pool processes and local sessions run niced."""

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connections

import config.worker_priority  # noqa: F401 - connects its signals, as a worker's CELERY_IMPORTS do
from tests.conftest import RUN_ID, WorkerProcess
from tests.worker.helpers import database_sessions_of, processes_of, wait_for


def _children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


@contextmanager
def _niced_worker(concurrency: int, queue: str) -> Iterator[int]:
    """A real worker started with STACKS_WORKER_NICE=7 on a queue of its own; yields its pid."""
    worker = WorkerProcess(
        concurrency=concurrency,
        extra_env={"STACKS_WORKER_NICE": "7", "CELERY_DEFAULT_QUEUE": f"test-{RUN_ID}-{queue}"},
    )
    worker.start()
    try:
        assert worker.process is not None
        yield worker.process.pid
    finally:
        worker.stop()


def test_a_niced_worker_runs_its_pool_processes_niced():
    with _niced_worker(2, "nice") as main:
        # A pool process nices itself once it has started: wait for both to have done so.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            children = _children(main)
            nice = [os.getpriority(os.PRIO_PROCESS, child) for child in children]
            if nice == [7, 7]:
                break
            time.sleep(0.2)
        assert len(children) == 2
        # The pool processes that run the tasks, not the main process that takes them.
        assert nice == [7, 7]
        assert os.getpriority(os.PRIO_PROCESS, main) == os.nice(0)


def test_a_niced_worker_runs_its_database_sessions_niced(live_db):
    # live_db, not a transactional test: that one would empty every table when it ends,
    # the libraries the suite made for all tests included.
    with _niced_worker(1, "nice-db") as main:
        # The worker looks for interrupted imports as soon as it is ready, on a session of
        # its own that stays open.
        sessions = wait_for(lambda: database_sessions_of(processes_of(main)), 60)
        assert sessions
        assert [nice for _, nice, _ in sessions] == [7] * len(sessions)


def _fresh_session() -> tuple[object, int]:
    connection = connections.create_connection("default")
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return connection, int(cursor.fetchone()[0])


@pytest.mark.django_db
def test_a_niced_worker_nices_its_local_database_sessions(settings):
    settings.STACKS_WORKER_NICE = 6
    connection, pid = _fresh_session()  # its opening is what nices it
    try:
        assert os.getpriority(os.PRIO_PROCESS, pid) == 6
    finally:
        connection.close()


@pytest.mark.django_db
def test_a_worker_without_niceness_leaves_its_sessions_alone(settings):
    settings.STACKS_WORKER_NICE = 0
    connection, pid = _fresh_session()
    try:
        assert os.getpriority(os.PRIO_PROCESS, pid) == 0
    finally:
        connection.close()
