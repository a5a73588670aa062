"""Provisioning one library with few and with many libraries, and a migration run with nothing
to apply over many libraries, each beside a floor measured in the same run.

Sizes: 10 and BENCH_LIBRARIES (100) existing libraries by default; 10 and 1,000 with
BENCH_LARGE=1. Targets: provisioning p50 under 0.5 s at 1,000 libraries; the no-op
migration under 60 s at 1,000.
"""

import os
import statistics
import time
from collections.abc import Callable, Iterator

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from tenants.models import Library
from tenants.services import library_create, library_drop
from tenants.template import schema_clone, spare_pool_fill, spare_schema_names
from tests.perf.library_fill import libraries_drop, libraries_fill
from tests.perf.results import record

LARGE = os.environ.get("BENCH_LARGE") == "1"
MANY = 1000 if LARGE else int(os.environ.get("BENCH_LIBRARIES", "100"))
FEW = 10
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "7"))
FILL_PREFIX = "benchfill_"
PROVISIONED_PREFIX = "benchprov_"


def _library_count() -> int:
    return Library.objects.exclude(schema_name="public").count()


@pytest.fixture(scope="module")
def libraries(django_db_setup, django_db_blocker) -> Iterator[Callable[[int], None]]:  # type: ignore[no-untyped-def]
    """Grow the number of libraries to a given count; everything made is dropped at the end."""
    with django_db_blocker.unblock():
        made = 0

        def grow(count: int) -> None:
            nonlocal made
            missing = count - _library_count()
            if missing > 0:
                started = time.perf_counter()
                libraries_fill(prefix=FILL_PREFIX, start=made, count=missing)
                made += missing
                print(f"\n{missing} libraries made in {time.perf_counter() - started:.1f} s")

        yield grow
        connection.set_schema_to_public()
        for library in Library.objects.filter(schema_name__startswith=PROVISIONED_PREFIX):
            library_drop(library=library)
        libraries_drop(prefix=FILL_PREFIX)
        _spares_drop()


def _spares_drop() -> None:
    with connection.cursor() as cursor:
        for spare in spare_schema_names():
            cursor.execute(f'DROP SCHEMA "{spare}" CASCADE')


def _floor() -> float:
    """A bare CREATE SCHEMA plus the clone of the template: the database's own work."""
    samples = []
    for n in range(SAMPLES):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "benchfloor_empty_{n}"')
        schema_clone(schema_name=f"benchfloor_{n}")
        samples.append(time.perf_counter() - started)
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA "benchfloor_empty_{n}", "benchfloor_{n}" CASCADE')
    return statistics.median(samples)


_counter = iter(range(100_000))


def _provision_once(*, spare: bool) -> float:
    """Schema, domain and admin (invited, as a sign-up does) until the host serves a page."""
    if spare:
        spare_pool_fill(size=1)  # what the platform task does between sign-ups
    else:
        _spares_drop()
    name = f"{PROVISIONED_PREFIX}{next(_counter):05d}"
    host = f"{name.replace('_', '-')}.localhost"
    started = time.perf_counter()
    library_create(
        schema_name=name, name=name, domain=host, admin_email=f"admin@{host}", admin_invite=True
    )
    response = Client(HTTP_HOST=host).get("/staff/login/")
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    return elapsed


def _provision_bench(count: int, grow: Callable[[int], None]) -> None:
    grow(count)
    existing = _library_count()
    floor = _floor()
    cloned = statistics.median(_provision_once(spare=False) for _ in range(SAMPLES))
    spared = statistics.median(_provision_once(spare=True) for _ in range(SAMPLES))
    record(f"provision p50, clone, {existing} libraries", cloned, "s", floor)
    record(f"provision p50, spare schema, {existing} libraries", spared, "s", floor)


def test_provisioning_with_few_libraries(libraries):
    _provision_bench(FEW, libraries)


def test_provisioning_with_many_libraries(libraries):
    _provision_bench(MANY, libraries)


def _all_migration_records() -> float:
    """Floor: read every library's migration record in one query per 200 libraries."""
    from tenants.template import schemas_behind

    names = list(
        Library.objects.exclude(schema_name="public").values_list("schema_name", flat=True)
    )
    started = time.perf_counter()
    behind = schemas_behind(names)
    elapsed = time.perf_counter() - started
    assert behind == []
    return elapsed


def test_noop_migration_over_many_libraries(libraries):
    libraries(MANY)
    existing = _library_count()
    floor = _all_migration_records()

    started = time.perf_counter()
    call_command("migrate_libraries", verbosity=0)
    checked = time.perf_counter() - started
    record(f"migrate_libraries no-op, {existing} libraries", checked, "s", floor)

    connection.set_schema_to_public()
    started = time.perf_counter()
    call_command(
        "migrate_schemas", tenant=True, interactive=False, verbosity=0,
        executor=os.environ.get("BENCH_MIGRATE_EXECUTOR", "standard"),
    )  # fmt: skip
    plain = time.perf_counter() - started
    connection.set_schema_to_public()
    record(f"migrate_schemas no-op, {existing} libraries", plain, "s", floor)
