"""No lost updates: two clients PATCH different fields of one record at the same moment, and
both changes persist (on committed data, each client on its own database connection)."""

import threading

from django.db import connection
from django_tenants.utils import schema_context

from catalog.models import Record
from catalog.services import RecordData, record_create
from staff.services import api_key_create
from tests.api.conftest import client_for

ROUNDS = 100


def test_concurrent_patches_of_different_fields_both_persist(live_library) -> None:  # type: ignore[no-untyped-def]
    schema = live_library.library.schema_name
    host = live_library.domain.domain
    with schema_context(schema):
        record = record_create(data=RecordData(title="Shared", series="S0", summary="U0"))
        key = api_key_create(name="two editors", scope="write").secret
    connection.set_schema_to_public()

    failures: list[str] = []

    def patch(field: str, value: str, start: threading.Barrier) -> None:
        client = client_for(host, f"Api-Key {key}")
        try:
            start.wait(timeout=30)
            response = client.patch(f"/api/v1/records/{record.pk}/", {field: value}, "json")
            if response.status_code != 200:
                failures.append(f"{field}: {response.status_code} {response.content[:200]!r}")
        finally:
            connection.close()

    for round_ in range(1, ROUNDS + 1):
        start = threading.Barrier(2)
        editors = [
            threading.Thread(target=patch, args=("series", f"S{round_}", start)),
            threading.Thread(target=patch, args=("summary", f"U{round_}", start)),
        ]
        for editor in editors:
            editor.start()
        for editor in editors:
            editor.join(timeout=60)
        assert not failures, failures
        with schema_context(schema):
            stored = Record.objects.get(pk=record.pk)
        assert (stored.series, stored.summary) == (f"S{round_}", f"U{round_}"), round_
        assert stored.title == "Shared"
