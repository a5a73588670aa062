"""Fixtures shared by the whole suite: libraries on real schemas, clients, a real worker."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.cache import cache, caches
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from api.authentication import api_key_cache_clear
from config.celery import app
from staff.services import api_key_create
from tenants.administration import library_settings_update
from tenants.dns import domain_challenge
from tenants.domains import host_cache_clear
from tenants.models import Library
from tenants.services import ProvisionedLibrary, library_create, library_drop
from tests.dns_server import TxtServer
from tests.settings import RUN_ID

ROOT = Path(__file__).resolve().parent.parent
LIBRARY_HOST = "alpha.localhost"
OTHER_LIBRARY_HOST = "beta.localhost"
PASSWORD = "correct-horse-battery-staple"


def _cache_clear() -> None:
    """Remove this run's cache entries (keys carry the run's prefix; nothing else is touched),
    and the host lookups this process holds in memory."""
    host_cache_clear()
    api_key_cache_clear()
    caches["pages"].clear()  # the process's own memory in the test run
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    keys = list(client.scan_iter(match=f"*:{settings.CACHES['default']['KEY_PREFIX']}:*"))
    if keys:
        client.delete(*keys)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Against a Citus coordinator, skip the few tests tests/citus.py names, with its reason."""
    if not settings.STACKS_CITUS:
        return
    from tests.citus import EXCLUDED

    for item in items:
        reason = EXCLUDED.get(item.nodeid) or EXCLUDED.get(item.nodeid.split("[")[0])
        if reason:
            item.add_marker(pytest.mark.skip(reason=f"Citus: {reason}"))


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker):  # type: ignore[no-untyped-def]
    """The test database with the platform tenant, the template and two libraries.

    Made here rather than by pytest-django, which creates databases only for the tests that
    ask for its transactional fixtures; tests of worker processes commit through `live_db`.
    On Citus (`make test-citus`) the test database exists already, with the extension on
    every node (config/citus.py), so it is kept rather than made.
    """
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        databases = setup_databases(
            verbosity=0,
            interactive=False,
            aliases={"default"},
            serialized_aliases=set(),
            keepdb=settings.STACKS_CITUS,
        )
        _cache_clear()
        call_command("bootstrap_platform", verbosity=0)
        for schema, host in (("alpha", LIBRARY_HOST), ("beta", OTHER_LIBRARY_HOST)):
            library_create(
                schema_name=schema,
                name=f"{schema.title()} Library",
                domain=host,
                admin_email=f"admin@{schema}.example",
                admin_password=PASSWORD,
            )
    yield
    with django_db_blocker.unblock():
        _cache_clear()
        teardown_databases(databases, verbosity=0, keepdb=settings.STACKS_CITUS)


@pytest.fixture(scope="session", autouse=True)
def dns_server() -> Iterator[TxtServer]:
    """Every DNS lookup of the suite goes to a server of its own on 127.0.0.1."""
    server = TxtServer().start()
    resolvers = settings.STACKS_DNS_RESOLVERS
    settings.STACKS_DNS_RESOLVERS = [server.address]
    yield server
    settings.STACKS_DNS_RESOLVERS = resolvers
    server.stop()


@pytest.fixture
def dns_records(dns_server: TxtServer) -> Iterator[dict[str, list[str]]]:
    """The TXT records the test's DNS server publishes (empty after each test)."""
    yield dns_server.records
    dns_server.records.clear()


def domain_prove(records: dict[str, list[str]], library: Library, hostname: str) -> None:
    """Publish the TXT record that proves `library` controls `hostname`."""
    name, value = domain_challenge(library=library, hostname=hostname)
    records.setdefault(name, []).append(value)


@pytest.fixture
def library(db) -> Library:  # type: ignore[no-untyped-def]
    return Library.objects.get(schema_name="alpha")


@pytest.fixture
def other_library(db) -> Library:  # type: ignore[no-untyped-def]
    return Library.objects.get(schema_name="beta")


def fixtures_in_both_libraries(name: str, make: Callable[[str], Any]) -> tuple[Any, Any]:
    """Two fixtures, `name` and `other_<name>`: what `make(schema)` builds in library A and in
    library B, for tests that show one library never reaches the other's rows."""

    @pytest.fixture(name=name)
    def in_a(library: Library) -> Any:
        return make(library.schema_name)

    @pytest.fixture(name=f"other_{name}")
    def in_b(other_library: Library) -> Any:
        return make(other_library.schema_name)

    return in_a, in_b


def language_set(library: Library, language: str) -> None:
    """The library's language, as its admin sets it: the staff pages follow it."""
    with schema_context(library.schema_name):
        library_settings_update(library=library, actor="test", language=language)


@pytest.fixture
def in_library(library: Library) -> Iterator[Library]:
    """Run the test body inside library A's schema."""
    with schema_context(library.schema_name):
        yield library


@pytest.fixture
def in_other_library(other_library: Library) -> Iterator[Library]:
    with schema_context(other_library.schema_name):
        yield other_library


@pytest.fixture
def api_client(library: Library) -> APIClient:
    """An anonymous API client talking to library A's host."""
    return APIClient(HTTP_HOST=LIBRARY_HOST)


@pytest.fixture
def other_api_client(other_library: Library) -> APIClient:
    return APIClient(HTTP_HOST=OTHER_LIBRARY_HOST)


@pytest.fixture
def writer_api(library: Library) -> APIClient:
    """An integrator's API client for library A, with a key that may write (send imports)."""
    with schema_context(library.schema_name):
        secret = api_key_create(name="imports write", scope="write").secret
    client = APIClient(HTTP_HOST=LIBRARY_HOST)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return client


@pytest.fixture
def web() -> Client:
    """A browser on library A's website, signed in as nobody."""
    return Client(HTTP_HOST=LIBRARY_HOST)


@pytest.fixture
def other_web() -> Client:
    return Client(HTTP_HOST=OTHER_LIBRARY_HOST)


@pytest.fixture(autouse=True)
def _public_schema_after_test() -> Iterator[None]:
    yield
    connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _fresh_cache_per_test() -> Iterator[None]:
    """A test's database writes roll back; its cache entries (a domain lookup made while a
    domain was removed, a throttle bucket) must not outlive it either."""
    yield
    _cache_clear()


def database_url() -> str:
    """A DATABASE_URL for the test database, for processes the tests start."""
    conf = connection.settings_dict
    user = quote(conf.get("USER") or "", safe="")
    password = quote(conf.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = conf.get("HOST") or ""
    port = f":{conf['PORT']}" if conf.get("PORT") else ""
    url = f"postgres://{auth}{host}{port}/{conf['NAME']}"
    socket_dir = (conf.get("OPTIONS") or {}).get("host")
    return f"{url}?host={socket_dir}" if socket_dir else url


_ports_given: list[int] = []


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on now: any one, or a free
    one of STACKS_TEST_PORTS ("8711-8719") on a machine that allows only those. Within that
    range the ports are handed out in turn, so two servers started at once (before the first
    binds) are not given the same one."""
    low, _, high = os.environ.get("STACKS_TEST_PORTS", "0-0").partition("-")
    ports = list(range(int(low), int(high or low) + 1))
    if len(ports) > 1 and _ports_given and _ports_given[-1] in ports:
        after = ports.index(_ports_given[-1]) + 1
        ports = ports[after:] + ports[:after]
    for port in ports:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            given = int(sock.getsockname()[1])
            _ports_given[:] = [given]
            return given
    raise RuntimeError(f"No free port in STACKS_TEST_PORTS={os.environ['STACKS_TEST_PORTS']}")


def process_stop(process: "subprocess.Popen[bytes] | None", timeout: float = 30) -> None:
    """Terminate a process the tests started, killing it if it does not exit in time."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def subprocess_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url(), **extra}


def gunicorn_start(
    *, port: int, log_path: Path, workers: int, **env: str
) -> "subprocess.Popen[bytes]":
    """gunicorn serving the project (the tests' settings) on 127.0.0.1:`port`, returned once
    its /healthz answers."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-c", "deploy/gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        cwd=ROOT, env=subprocess_env(DJANGO_SETTINGS_MODULE="tests.settings", **env),
        stdout=log_path.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited early; see {log_path}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return process
        except OSError:
            time.sleep(0.3)
    process_stop(process)
    raise RuntimeError(f"gunicorn not answering after 60s; see {log_path}")


class WorkerProcess:
    """A real `celery -A config worker` process on this run's queue, against the test database."""

    def __init__(self, *, concurrency: int = 1, extra_env: dict[str, str] | None = None) -> None:
        self.concurrency = concurrency
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = ROOT / ".stacks" / f"worker-{RUN_ID}.log"

    def start(self) -> "WorkerProcess":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO",
             "--concurrency", str(self.concurrency), "--pool", "prefork",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=subprocess_env(DJANGO_SETTINGS_MODULE="tests.settings",
                                         **self.extra_env),
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"worker exited early; see {self.log_path}")
            if b"ready." in self.log_path.read_bytes():
                return
            time.sleep(0.2)
        raise RuntimeError(f"worker not ready after {timeout}s; see {self.log_path}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        process_stop(self.process)


@contextmanager
def worker_on_own_queue(*, concurrency: int = 1) -> Iterator[WorkerProcess]:
    """A worker of its own for the block, on a queue of its own where this process's tasks
    go meanwhile: no other test's worker takes them, and it takes no one else's."""
    queue = f"own-{RUN_ID}-{os.urandom(4).hex()}"
    before = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    worker = WorkerProcess(concurrency=concurrency, extra_env={"CELERY_DEFAULT_QUEUE": queue})
    try:
        yield worker.start()
    finally:
        worker.stop()
        app.conf.task_default_queue = before
        connection.set_schema_to_public()


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup) -> Iterator[WorkerProcess]:  # type: ignore[no-untyped-def]
    """One real worker process for the session (tests that need to kill one start their own).

    Its watch for abandoned imports and exports (worker.imports.imports_watch, once a lease
    period) runs once, as it starts: a test with a worker of its own times how that worker
    takes turns, and this one adopting the test's jobs in between would take part unseen.
    Its look for holders whose heartbeat stopped (once a heartbeat period) is put off as long,
    so that a test's killed worker is taken over by the test's other worker, not by this one."""
    day = str(24 * 3600)
    worker = WorkerProcess(
        concurrency=2,
        extra_env={"STACKS_IMPORT_LEASE_SECONDS": day, "STACKS_IMPORT_HEARTBEAT_SECONDS": day},
    ).start()
    yield worker
    worker.stop()


@pytest.fixture
def live_db(django_db_setup, django_db_blocker) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Database access without a wrapping transaction: writes commit, so other processes
    (workers, servers) see them. Tests using it clean up after themselves."""
    with django_db_blocker.unblock():
        yield
        connection.set_schema_to_public()


def live_library_create(name: str = "") -> ProvisionedLibrary:
    """A library on a schema of its own, `live_` and a random suffix, reached on that name at
    .localhost; its data is committed, so the caller drops it when done."""
    schema = f"live_{os.urandom(4).hex()}"
    host = schema.replace("_", "-")
    return library_create(
        schema_name=schema, name=name or f"Live {schema}", domain=f"{host}.localhost",
        admin_email=f"admin@{host}.example", admin_password=PASSWORD,
    )  # fmt: skip


@pytest.fixture
def live_library(live_db) -> Iterator[ProvisionedLibrary]:  # type: ignore[no-untyped-def]
    """A library whose data is committed (visible to workers and servers), dropped afterwards."""
    made = live_library_create()
    yield made
    connection.set_schema_to_public()
    library_drop(library=made.library)
