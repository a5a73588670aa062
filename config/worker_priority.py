"""A worker that gives way: its processes, and its database sessions where it can, run niced.

The imports worker (`make up`, deploy/compose.yaml) sets STACKS_WORKER_NICE, so a large
import takes the processor only when the web's requests and their database sessions leave it
idle: the reader's search answers as fast while another library imports. The worker's own
processes are niced when they start; each database session it opens is niced too when its
server process is on this machine and this user may renice it (the embedded PostgreSQL of
`make up`); elsewhere the session runs as it is, and nothing else on the machine is touched.
Imported by workers only (CELERY_IMPORTS).
"""

import contextlib
import logging
import os
from pathlib import Path
from typing import Any

from celery.signals import worker_process_init
from django.conf import settings
from django.db.backends.signals import connection_created
from django.dispatch import receiver

logger = logging.getLogger(__name__)

_LOCAL_HOSTS = ("", "localhost", "127.0.0.1", "::1")


def _niceness() -> int:
    return max(0, min(19, int(settings.STACKS_WORKER_NICE)))


@worker_process_init.connect
def process_nice(**kwargs: Any) -> None:
    """Each pool process (and every thread it starts) runs at the worker's niceness."""
    wanted = _niceness()
    if wanted:
        os.nice(max(0, wanted - os.nice(0)))


def _is_local_server(pid: int) -> bool:
    """Whether `pid` is a PostgreSQL server process on this machine (not another process
    that happens to hold the same number, as in another container's process space)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return command.startswith(b"postgres")


# Django's Signal.connect returns None: as a decorator it left the name None and the signal
# only a weak reference, which the worker's collector cleared before its first session.
@receiver(connection_created)
def session_nice(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Nice the server process of a session this worker opened, when it may."""
    wanted = _niceness()
    if not wanted or connection.vendor != "postgresql":
        return
    if connection.settings_dict.get("HOST", "") not in _LOCAL_HOSTS:
        return
    with connection.connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = int(cursor.fetchone()[0])
    if not _is_local_server(pid):
        return
    with contextlib.suppress(OSError):  # another user's server: its sessions run as they are
        if os.getpriority(os.PRIO_PROCESS, pid) < wanted:
            os.setpriority(os.PRIO_PROCESS, pid, wanted)
