"""A distributed library beside a plain one on the same Citus cluster (`make bench-citus`).

The floor is the single-server stack measured in the same run: a library kept as a plain
schema on the coordinator (as on one PostgreSQL server), the other a distributed schema on a
worker reached through the coordinator. Figures: the API's list p50 and search p95 (one
gunicorn serving both, requests alternating), import throughput (the import's COPY path, the
same generated records), and provisioning p50 (a template clone, distributed or not).
Targets (printed, not asserted): the API within 1.3x of single-server, imports within 1.5x.
Skipped without Citus. STACKS_BENCH_CITUS_RECORDS sets the catalog size (default 20,000).
"""

import os
import statistics
import time
from urllib.parse import urlencode

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.test import override_settings

from tenants.citus import schema_is_distributed
from tenants.services import ProvisionedLibrary, library_create, library_drop
from tests.conftest import PASSWORD, ROOT
from tests.perf.results import record
from tests.perf.test_api_bench import Gunicorn, catalog_fill, search_terms

pytestmark = pytest.mark.skipif(not settings.STACKS_CITUS, reason="needs Citus (make bench-citus)")

REQUESTS = int(os.environ.get("STACKS_BENCH_REQUESTS", "300"))
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "7"))


def _records() -> int:
    return int(os.environ.get("STACKS_BENCH_CITUS_RECORDS", "20000"))


def _create(schema: str, *, distributed: bool) -> ProvisionedLibrary:
    with override_settings(STACKS_CITUS=distributed):
        made = library_create(
            schema_name=schema, name=schema, domain=f"{schema.replace('_', '-')}.localhost",
            admin_email=f"admin@{schema.replace('_', '-')}.example", admin_password=PASSWORD,
        )  # fmt: skip
    connection.set_schema_to_public()
    assert schema_is_distributed(schema) == distributed
    return made


def _fill(made: ProvisionedLibrary, *, distributed: bool) -> float:
    """Records a second through the import's write path."""
    started = time.perf_counter()
    with override_settings(STACKS_CITUS=distributed):
        catalog_fill(made.library.schema_name, _records())
    connection.set_schema_to_public()
    return _records() / (time.perf_counter() - started)


def _wait(api: Gunicorn, host: str, timeout: float = 120) -> None:
    """Until the API answers (its workers load Django first; a busy machine takes seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(api.url("/healthz"), headers={"Host": host}, timeout=30).ok:
                return
        except requests.RequestException:
            pass
        assert api.process.poll() is None, f"gunicorn exited; see {api.log}"
        assert time.monotonic() < deadline, f"gunicorn not answering; see {api.log}"
        time.sleep(0.3)


def _p(times: list[float], percent: int) -> float:
    return statistics.median(times) if percent == 50 else statistics.quantiles(times, n=100)[94]


def _alternating(api: Gunicorn, paths: list[str], hosts: dict[str, str]) -> dict[str, list[float]]:
    """Milliseconds per request for each library, the two asked in turn, request by request."""
    sessions = {name: requests.Session() for name in hosts}
    times: dict[str, list[float]] = {name: [] for name in hosts}
    for i in range(REQUESTS + 10):
        for name, host in hosts.items():
            started = time.perf_counter()
            response = sessions[name].get(api.url(paths[i % len(paths)]), headers={"Host": host})
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (name, response.text[:300])
            if i >= 10:  # the first ten warm both
                times[name].append(elapsed)
    return times


@pytest.fixture
def two_libraries(live_db):
    made = {
        "plain": _create("bench_plain", distributed=False),
        "distributed": _create("bench_distributed", distributed=True),
    }
    yield made
    connection.set_schema_to_public()
    for library in made.values():
        library_drop(library=library.library)


def test_a_distributed_library_beside_a_plain_one(two_libraries):
    count = _records()
    rates = {
        name: _fill(made, distributed=name == "distributed") for name, made in two_libraries.items()
    }
    hosts = {name: made.domain.domain for name, made in two_libraries.items()}
    # The same catalog (one seed) in both: the same words are as common in each.
    terms = search_terms("bench_plain", count)
    log = ROOT / ".stacks" / "bench-citus-gunicorn.log"
    log.parent.mkdir(exist_ok=True)
    api = Gunicorn("config.wsgi", log)
    try:
        _wait(api, hosts["plain"])
        listing = _alternating(api, ["/api/v1/records/"], hosts)
        searching = _alternating(
            api, [f"/api/v1/records/?{urlencode({'q': term})}" for term in terms], hosts
        )
    finally:
        api.stop()

    provisioning: dict[str, list[float]] = {"plain": [], "distributed": []}
    for n in range(SAMPLES):
        for name in provisioning:
            started = time.perf_counter()
            made = _create(f"bench_prov_{name}_{n}", distributed=name == "distributed")
            provisioning[name].append(time.perf_counter() - started)
            library_drop(library=made.library)

    suffix = f"_{count}"
    list_p50 = record(
        f"citus_api_list_p50{suffix}",
        _p(listing["distributed"], 50), "ms", _p(listing["plain"], 50),
    )  # fmt: skip
    search_p95 = record(
        f"citus_api_search_p95{suffix}",
        _p(searching["distributed"], 95), "ms", _p(searching["plain"], 95),
    )  # fmt: skip
    imports = record(
        f"citus_import_seconds_per_1000{suffix}",
        1000 / rates["distributed"], "s", 1000 / rates["plain"],
    )  # fmt: skip
    provision = record(
        "citus_provisioning_p50",
        statistics.median(provisioning["distributed"]), "s",
        statistics.median(provisioning["plain"]),
    )  # fmt: skip
    print(
        f"\ntargets: API within 1.3x of single-server (list p50 {list_p50['ratio']}x, "
        f"search p95 {search_p95['ratio']}x); imports within 1.5x ({imports['ratio']}x; "
        f"{rates['distributed']:.0f} against {rates['plain']:.0f} records/s); "
        f"provisioning p50 {provision['value']} s against {provision['floor']} s plain"
    )
