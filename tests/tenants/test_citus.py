"""Libraries on a Citus cluster (`make test-citus`): distributed schemas, and a move under load.

Skipped against a plain PostgreSQL server, where no schema is distributed.
"""

import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
import requests
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from catalog.models import Record
from staff.services import api_key_create
from tenants.citus import schema_is_distributed, schema_move, schema_placement
from tenants.services import ProvisionedLibrary, library_create, library_drop
from tenants.template import spare_pool_fill, spare_schema_names, template_schema_name
from tests.conftest import PASSWORD, ROOT, free_port, process_stop, subprocess_env

pytestmark = pytest.mark.skipif(
    not settings.STACKS_CITUS, reason="needs a Citus coordinator (make test-citus)"
)

WRITERS = 4


def _workers() -> list[tuple[str, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nodename, nodeport FROM pg_dist_node "
            "WHERE shouldhaveshards AND noderole = 'primary' ORDER BY nodeport"
        )
        return [(host, int(port)) for host, port in cursor.fetchall()]


def _is_local_table(qualified: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = %s::regclass)",
            [qualified],
        )
        return bool(cursor.fetchone()[0])


def test_libraries_are_distributed_and_the_platform_stays_on_the_coordinator(library):
    assert schema_is_distributed("alpha")
    assert schema_is_distributed("beta")
    placement = schema_placement("alpha")
    assert placement is not None
    assert (placement.host, placement.port) in _workers()
    assert not schema_is_distributed(template_schema_name())
    assert _is_local_table("public.tenants_library")
    assert _is_local_table(f"{template_schema_name()}.catalog_record")
    # Every table of the library is a shard of its schema's group, on one node.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(DISTINCT nodeport) FROM citus_shards "
            "WHERE table_name::text LIKE 'alpha.%%'"
        )
        tables, nodes = cursor.fetchone()
    assert tables > 20
    assert nodes == 1


def test_a_library_from_a_spare_is_distributed_and_dropped_everywhere(live_db):
    spare_pool_fill(size=1)
    [spare] = spare_schema_names()
    assert schema_is_distributed(spare)
    made = library_create(
        schema_name="citus_spare", name="From a spare", domain="citus-spare.localhost",
        admin_email="admin@citus-spare.example", admin_password=PASSWORD,
    )  # fmt: skip
    try:
        assert spare not in spare_schema_names()
        assert schema_is_distributed("citus_spare")
        with schema_context("citus_spare"):
            assert Record.objects.count() == 0
    finally:
        library_drop(library=made.library)
    assert not schema_is_distributed("citus_spare")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM citus_shards WHERE table_name::text LIKE 'citus_spare.%%'"
        )
        assert cursor.fetchone()[0] == 0


def test_a_plain_library_is_distributed_by_the_command_with_its_rows(live_db):
    from io import StringIO

    from django.core.management import call_command
    from django.test import override_settings

    with override_settings(STACKS_CITUS=False):
        made = library_create(
            schema_name="citus_plain", name="Plain", domain="citus-plain.localhost",
            admin_email="admin@citus-plain.example", admin_password=PASSWORD,
        )  # fmt: skip
    try:
        connection.set_schema_to_public()
        assert not schema_is_distributed("citus_plain")
        with schema_context("citus_plain"):
            Record.objects.create(title="Kept across the move")
        out = StringIO()
        call_command("distribute_libraries", stdout=out)
        assert "distributed citus_plain" in out.getvalue()
        assert schema_is_distributed("citus_plain")
        with schema_context("citus_plain"):
            assert list(Record.objects.values_list("title", flat=True)) == ["Kept across the move"]
            Record.objects.create(title="Written on the worker")
            assert Record.objects.count() == 2
        again = StringIO()
        call_command("distribute_libraries", stdout=again)
        assert "0 schema(s) distributed" in again.getvalue()
    finally:
        connection.set_schema_to_public()
        library_drop(library=made.library)


@pytest.fixture
def served_library(live_library: ProvisionedLibrary) -> Iterator[tuple[ProvisionedLibrary, str]]:
    """A committed library, a write key for it, and gunicorn serving the test database."""
    with schema_context(live_library.library.schema_name):
        secret = api_key_create(name="load", scope="write").secret
    port = free_port()
    log = ROOT / ".stacks" / f"citus-move-gunicorn-{port}.log"
    log.parent.mkdir(exist_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT,
        env=subprocess_env(
            PORT=str(port), WEB_CONCURRENCY="2", DEBUG="0", DJANGO_SETTINGS_MODULE="tests.settings",
            API_RATE_PER_CALLER="10000000/min", API_RATE_PER_ADDRESS="10000000/min",
        ),
        stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    host = live_library.domain.domain
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{base}/healthz", headers={"Host": host}, timeout=30).ok:
                break
        except requests.RequestException:  # not listening yet, or loading the application
            pass
        assert process.poll() is None, f"gunicorn exited; see {log}"
        assert time.monotonic() < deadline, f"gunicorn not answering; see {log}"
        time.sleep(0.3)
    for _ in range(6):  # both gunicorn workers load the application before the load starts
        requests.get(
            f"{base}/api/v1/records/", headers={"Host": host, "Authorization": f"Api-Key {secret}"},
            timeout=60,
        )  # fmt: skip
    try:
        yield live_library, f"{base}|{host}|{secret}"
    finally:
        process_stop(process)


class Load:
    """WRITERS callers creating records and reading the list until told to stop; every
    answer is kept: the titles the API acknowledged (201), failures, and each latency."""

    def __init__(self, base: str, host: str, secret: str) -> None:
        self.base, self.host, self.secret = base, host, secret
        self.stop = threading.Event()
        self.acknowledged: list[str] = []
        self.failures: list[str] = []
        self.latencies: list[tuple[float, float]] = []  # (started, seconds)
        self.reads = 0
        self.lock = threading.Lock()

    def _caller(self, number: int) -> None:
        session = requests.Session()
        headers = {"Host": self.host, "Authorization": f"Api-Key {self.secret}"}
        sequence = 0
        while not self.stop.is_set():
            sequence += 1
            title = f"Moved {number}-{sequence}"
            started = time.monotonic()
            try:
                if sequence % 2:
                    response = session.post(
                        f"{self.base}/api/v1/records/", json={"title": title},
                        headers=headers, timeout=60,
                    )  # fmt: skip
                    ok = response.status_code == 201
                else:
                    response = session.get(
                        f"{self.base}/api/v1/records/?page_size=5", headers=headers, timeout=60
                    )
                    ok = response.status_code == 200
                outcome = "" if ok else f"{response.status_code} {response.text[:200]}"
            except requests.RequestException as error:
                outcome = repr(error)
            elapsed = time.monotonic() - started
            with self.lock:
                self.latencies.append((started, elapsed))
                if outcome:
                    self.failures.append(outcome)
                elif sequence % 2:
                    self.acknowledged.append(title)
                else:
                    self.reads += 1

    def run(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._caller, args=(n,)) for n in range(WRITERS)]
        for thread in threads:
            thread.start()
        return threads


def test_a_library_moves_to_the_other_worker_under_load_without_losing_a_write(served_library):
    made, target = served_library
    base, host, secret = target.split("|")
    schema = made.library.schema_name
    before = schema_placement(schema)
    assert before is not None
    [destination] = [node for node in _workers() if node != (before.host, before.port)]

    load = Load(base, host, secret)
    threads = load.run()
    time.sleep(3)  # load before the move
    move_started = time.monotonic()
    schema_move(schema_name=schema, host=destination[0], port=destination[1])
    move_seconds = time.monotonic() - move_started
    moved_at = move_started + move_seconds
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # load after the move, served from the new node
        with load.lock:
            if sum(1 for started, _ in load.latencies if started > moved_at) >= 20:
                break
        time.sleep(0.2)
    load.stop.set()
    for thread in threads:
        thread.join(90)

    after = schema_placement(schema)
    assert after is not None
    assert (after.host, after.port) == destination
    assert load.failures == []
    with schema_context(schema):
        stored = set(
            Record.objects.filter(title__startswith="Moved ").values_list("title", flat=True)
        )
    lost = set(load.acknowledged) - stored
    assert lost == set()
    assert len(stored) == len(load.acknowledged)
    after_move = [t for started, t in load.latencies if started > moved_at]
    assert len(after_move) >= 20  # it went on serving from the new node
    during = [
        t for started, t in load.latencies if started + t > move_started and started < moved_at
    ]
    slowest = max(t for _, t in load.latencies)
    pause = max(during, default=0.0)
    print(
        f"\nmoved {schema} {before.port} -> {after.port} in {move_seconds:.2f}s under load: "
        f"{len(load.acknowledged)} writes acknowledged, {len(lost)} lost, "
        f"{load.reads} reads, {len(load.failures)} failed, {len(during)} during the move; "
        f"latency p50 {statistics.median(t for _, t in load.latencies) * 1000:.0f} ms, "
        f"longest {slowest * 1000:.0f} ms, longest overlapping the move {pause * 1000:.0f} ms"
    )
    # The pause is the move's last step: writes wait for it, none fails.
    assert slowest < move_seconds + 10
