"""A client generated from the served OpenAPI document keeps a copy of the catalog in sync,
against a real gunicorn and Celery worker.

openapi-python-client generates the client from /api/v1/schema/ (every operation, no warning);
a small sync program then copies every record by cursor pages and, after rounds of creates,
one-field PATCHes and deletes, and renames of a location, a contributor and a subject, catches
up through /changes/. After every round the copy (records and items) equals the server's.
"""

import importlib
import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django_tenants.utils import schema_context

from catalog.services import contributor_update, subject_update
from staff.services import api_key_create
from tests.browser.conftest import Stack

pytestmark = pytest.mark.worker
BIN = Path(sys.executable).parent


@pytest.fixture
def stack(live_db: None, tmp_path: Path) -> Iterator[Stack]:
    running = Stack(tmp_path).start()
    yield running
    running.stop()


def _generate(document: bytes, where: Path) -> ModuleType:
    (where / "schema.json").write_bytes(document)
    # Files (PDF labels, MARC, MARCXML, CSV) are bytes to a client: the generator reads them so.
    (where / "config.json").write_text(json.dumps({"content_type_overrides": {
        "application/pdf": "application/octet-stream",
        "application/marc": "application/octet-stream",
        "application/marcxml+xml": "application/octet-stream",
        "text/csv": "application/octet-stream",
    }}))  # fmt: skip
    env = {**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [BIN / "openapi-python-client", "generate", "--path", "schema.json",
         "--config", "config.json", "--meta", "none", "--output-path", "stacks_client"],
        cwd=where, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Warning" not in output, output
    sys.path.insert(0, str(where))
    importlib.invalidate_caches()
    for name in [m for m in sys.modules if m == "stacks_client" or m.startswith("stacks_client.")]:
        del sys.modules[name]
    return importlib.import_module("stacks_client")


class Sync:
    """The integrator's program: a local copy of the records, kept by the generated client."""

    def __init__(self, client: Any) -> None:
        from stacks_client.api.changes import changes_retrieve
        from stacks_client.api.items import items_list
        from stacks_client.api.records import records_list
        from stacks_client.models import ChangesRetrieveEmbed

        self.client = client
        self.lists = {"record": records_list, "item": items_list}
        self.changes = changes_retrieve
        self.embed = ChangesRetrieveEmbed.BODY
        self.copy: dict[str, dict[int, dict[str, Any]]] = {"record": {}, "item": {}}
        self.cursor = "0"

    @property
    def records(self) -> dict[int, dict[str, Any]]:
        return self.copy["record"]

    def server(self) -> dict[str, dict[int, dict[str, Any]]]:
        return {entity: self._all(entity) for entity in self.lists}

    def server_records(self) -> dict[int, dict[str, Any]]:
        return self._all("record")

    def _all(self, entity: str) -> dict[int, dict[str, Any]]:
        found: dict[int, dict[str, Any]] = {}
        cursor = None
        while True:
            kwargs = {"page_size": 2} | ({"cursor": cursor} if cursor else {})
            page = self.lists[entity].sync(client=self.client, **kwargs)
            found |= {r.id: r.to_dict() for r in page.results}
            if not page.next_:
                return found
            cursor = parse_qs(urlparse(page.next_).query)["cursor"][0]

    def full(self) -> None:
        # The feed's position first: what changes during the copy is caught up afterwards.
        self.cursor = self._feed_end()
        self.copy = self.server()

    def _feed_end(self) -> str:
        cursor = "0"
        while True:
            page = self.changes.sync(client=self.client, since=cursor, limit=1000)
            cursor = page.next_cursor
            if not page.has_more:
                return cursor

    def incremental(self) -> int:
        """Catch up through the feed, the changed records and items embedded in it (no GET
        per change)."""
        fetched = 0
        while True:
            page = self.changes.sync(
                client=self.client, since=self.cursor, limit=3, embed=self.embed
            )
            for change in page.results:
                kept = self.copy[str(change.entity)]
                if change.deleted:
                    kept.pop(change.id, None)
                    continue
                fetched += 1
                kept[change.id] = change.body.to_dict()
            self.cursor = page.next_cursor
            if not page.has_more:
                return fetched


def test_a_generated_client_syncs_the_catalog(stack, live_library, tmp_path):
    host = live_library.domain.domain
    with schema_context(live_library.library.schema_name):
        key = api_key_create(name="sync", scope="write").secret
    request = urllib.request.Request(  # noqa: S310 - our own server
        stack.url("127.0.0.1", "/api/v1/schema/"),
        headers={"Host": host, "Accept": "application/vnd.oai.openapi+json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        document = answer.read()
    operations = sum(
        method in ("get", "post", "put", "patch", "delete")
        for item in json.loads(document)["paths"].values()
        for method in item
    )
    stacks_client = _generate(document, tmp_path)
    generated = list((tmp_path / "stacks_client" / "api").rglob("*.py"))
    assert len([p for p in generated if p.name != "__init__.py"]) == operations

    # Values that are no words (the CSV separators) keep their choices' names in a client.
    from stacks_client.models import ExportSeparatorEnum

    assert {member.name: member.value for member in ExportSeparatorEnum} == {
        "COMMA": ",", "SEMICOLON": ";"
    }  # fmt: skip

    from stacks_client.api.records import records_create, records_destroy, records_partial_update
    from stacks_client.models import PatchedRecordInputRequest, RecordInputRequest

    client = stacks_client.AuthenticatedClient(
        base_url=stack.url("127.0.0.1", ""), token=key, prefix="Api-Key",
        headers={"Host": host}, raise_on_unexpected_status=True,
    )  # fmt: skip

    def create(title: str, **fields: Any) -> Any:
        body = RecordInputRequest.from_dict({"title": title, **fields})
        return records_create.sync(client=client, body=body)

    first = create(
        "The Dispossessed", series="Hainish Cycle", summary="Two worlds.",
        control_number="74001234", language="eng",
        contributors=[{"name": "Le Guin, Ursula K.", "role": "author"}],
        subjects=[{"heading": "Anarchism", "scheme": "lcsh"}],
    )  # fmt: skip
    for n in range(4):
        create(f"Book {n}")
    sync = Sync(client)
    sync.full()
    assert sync.records == sync.server_records()
    assert len(sync.records) == 5

    # A PATCH of one field changes that field only.
    patched = records_partial_update.sync(
        client=client, id=first.id, body=PatchedRecordInputRequest(title="The Dispossessed (2)")
    )
    assert patched.title == "The Dispossessed (2)"
    assert (patched.series, patched.summary, patched.control_number) == (
        "Hainish Cycle", "Two worlds.", "74001234"
    )  # fmt: skip
    assert [c.name for c in patched.contributors] == ["Le Guin, Ursula K."]

    for round_ in range(3):
        made = create(f"Round {round_}")
        some = sorted(sync.records)
        records_partial_update.sync(
            client=client, id=some[round_], body=PatchedRecordInputRequest(summary=f"r{round_}")
        )
        records_destroy.sync_detailed(client=client, id=some[-1])
        fetched = sync.incremental()
        assert fetched >= 2  # the new record and the patched one
        assert made.id in sync.records
        assert sync.records == sync.server_records(), round_

    # Renames: a location (its items say its new name), a contributor and a subject (their
    # records do), each seen through the feed alone.
    from stacks_client.api.items import items_create
    from stacks_client.api.locations import locations_create, locations_update
    from stacks_client.models import ItemInputRequest, LocationInputRequest

    shelf = locations_create.sync(
        client=client, body=LocationInputRequest.from_dict({"code": "MAIN", "name": "Main"})
    )
    for n, record_id in enumerate(sorted(sync.records)[:2]):
        items_create.sync(client=client, body=ItemInputRequest.from_dict(
            {"record": record_id, "barcode": f"S-{n}", "location": shelf.id}
        ))  # fmt: skip
    sync.incremental()
    assert sync.copy == sync.server()
    assert len(sync.copy["item"]) == 2

    locations_update.sync(
        client=client, id=shelf.id,
        body=LocationInputRequest.from_dict({"code": "MAIN", "name": "Main library, first floor"}),
    )  # fmt: skip
    assert sync.incremental() == 2
    assert {i["location"]["name"] for i in sync.copy["item"].values()} == {
        "Main library, first floor"
    }
    assert sync.copy == sync.server()

    author = sync.records[first.id]["contributors"][0]["id"]
    subject = sync.records[first.id]["subjects"][0]["id"]
    with schema_context(live_library.library.schema_name):
        contributor_update(contributor_id=author, name="Le Guin, Ursula Kroeber")
    assert sync.incremental() == 1
    assert sync.records[first.id]["contributors"][0]["name"] == "Le Guin, Ursula Kroeber"
    assert sync.copy == sync.server()

    with schema_context(live_library.library.schema_name):
        subject_update(subject_id=subject, heading="Anarchism -- Fiction", scheme="lcsh")
    assert sync.incremental() == 1
    assert sync.records[first.id]["subjects"][0]["heading"] == "Anarchism -- Fiction"
    assert sync.copy == sync.server()
