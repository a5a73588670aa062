"""What the tests of real worker processes share: waiting for a worker's work, reading a job,
finding its processes' database sessions."""

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from django.db import connection
from django_tenants.utils import schema_context

from catalog.imports.models import ImportJob
from config.celery import app

T = TypeVar("T")


def wait_for(predicate: Callable[[], T], timeout: float, *, errors_pass: bool = False) -> T | None:
    """The predicate's first true value within `timeout` seconds, or None. With `errors_pass`,
    a predicate that raises (a database down for the moment) counts as not yet."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except Exception:
            if not errors_pass:
                raise
            value = None
        if value:
            return value
        time.sleep(0.1)
    return None


def import_job_in(schema: str, job_id: int) -> ImportJob:
    """An import job as its library's schema holds it now."""
    with schema_context(schema):
        return ImportJob.objects.get(pk=job_id)


def import_job_over(job: ImportJob) -> bool:
    return job.status in ("committed", "failed")


def import_job_follow(
    schema: str,
    job: ImportJob,
    until: Callable[[ImportJob], object] = import_job_over,
    every: float = 0.5,
) -> ImportJob:
    """Read `job` again from its library's schema every `every` seconds until `until(job)`,
    with no time limit: a benchmark waits as long as the work takes."""
    while True:
        with schema_context(schema):
            job.refresh_from_db()
        if until(job):
            return job
        time.sleep(every)


def processes_of(pid: int) -> list[int]:
    """A process and its children (a worker and its pool)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return [pid]
    return [pid, *(int(c) for c in children)]


def database_sessions_of(pids: list[int]) -> list[tuple[int, int, str]]:
    """The server processes of the database sessions `pids` hold on this machine, with their
    niceness and query. Over TCP their sockets' local ports (/proc/net/tcp) are the sessions'
    client ports in pg_stat_activity; over a Unix socket (the embedded PostgreSQL's) the
    server process is the one holding the other end of the connection (ss -x)."""
    inodes = _socket_inodes(pids)
    ports = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[9] in inodes:
                ports.append(int(fields[1].rsplit(":", 1)[1], 16))
    servers = _holders(_unix_peers(inodes))
    if not ports and not servers:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, left(query, 40) FROM pg_stat_activity "
            "WHERE client_port = ANY(%s) OR pid = ANY(%s)",
            [ports, servers],
        )
        backends = cursor.fetchall()
    return [(int(pid), os.getpriority(os.PRIO_PROCESS, pid), query) for pid, query in backends]


def _socket_inodes(pids: list[int]) -> set[str]:
    inodes = set()
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    return inodes


def _unix_peers(inodes: set[str]) -> set[str]:
    """The inodes at the other end of those of `inodes` that are connected Unix sockets."""
    listing = subprocess.run(["ss", "-xn"], capture_output=True, text=True, check=True).stdout
    peers = set()
    for line in listing.splitlines()[1:]:
        # Netid State Recv-Q Send-Q Local-address Local-inode Peer-address Peer-inode
        fields = line.split()
        if len(fields) >= 8 and fields[5] in inodes:
            peers.add(fields[7])
    return peers


def _holders(inodes: set[str]) -> list[int]:
    """The processes holding any of these sockets."""
    if not inodes:
        return []
    wanted = {f"socket:[{inode}]" for inode in inodes}
    holders = []
    for process in Path("/proc").iterdir():
        if not process.name.isdigit():
            continue
        try:
            links = {os.readlink(fd) for fd in (process / "fd").iterdir()}
        except OSError:
            continue  # gone, or not ours to read
        if links & wanted:
            holders.append(int(process.name))
    return holders


@contextmanager
def queue_of_its_own(prefix: str) -> Iterator[str]:
    """Tasks queued meanwhile go to a queue of their own, which only the test's workers read."""
    queue = f"{prefix}-{os.urandom(4).hex()}"
    before = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        yield queue
    finally:
        app.conf.task_default_queue = before
