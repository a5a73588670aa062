"""Clients no one here wrote, over real HTTP through gunicorn: Sickle harvests /oai, sruthi
searches /sru, and both find what the REST API lists."""

import re
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
import sruthi
from django.db import connection
from django_tenants.utils import schema_context
from sickle import Sickle
from sickle.oaiexceptions import NoRecordsMatch

from catalog.models import Record
from catalog.services import RecordData, record_create, record_delete, record_update
from tenants.services import ProvisionedLibrary, library_create, library_drop
from tests.catalog.imports.helpers import generated_import
from tests.conftest import PASSWORD, ROOT, free_port, gunicorn_start, process_stop
from tests.protocols.conftest import marc_records_load
from tests.settings import RUN_ID

GENERATED = 3000


class Server:
    """gunicorn serving the project on a port of its own; clients reach a library by its host
    name in the Host header (the machine does not resolve *.localhost)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.log_path = ROOT / ".stacks" / f"web-protocols-{RUN_ID}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "Server":
        self.process = gunicorn_start(port=self.port, log_path=self.log_path, workers=2, DEBUG="1")
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def session(self, host: str) -> requests.Session:
        session = requests.Session()
        session.headers["Host"] = host
        return session


@pytest.fixture(scope="module")
def server(django_db_setup) -> Iterator[Server]:  # type: ignore[no-untyped-def]
    running = Server().start()
    yield running
    process_stop(running.process)


def _library(name: str) -> ProvisionedLibrary:
    return library_create(
        schema_name=name, name=f"Live {name}", domain=f"{name.replace('_', '-')}.localhost",
        admin_email=f"admin@{name.replace('_', '-')}.example", admin_password=PASSWORD,
    )  # fmt: skip


@pytest.fixture
def two_libraries(live_db) -> Iterator[tuple[ProvisionedLibrary, ProvisionedLibrary]]:  # type: ignore[no-untyped-def]
    """Two libraries whose writes commit (the server sees them), dropped afterwards."""
    stamp = f"{int(time.time() * 1000) % 10**8}"
    made = (_library(f"oai_a{stamp}"), _library(f"oai_b{stamp}"))
    yield made
    connection.set_schema_to_public()
    for library in made:
        library_drop(library=library.library)


def host_of(made: ProvisionedLibrary) -> str:
    return f"{made.library.schema_name.replace('_', '-')}.localhost"


def api_records(server: Server, host: str, **params: str) -> list[dict]:
    """Every record the REST API lists (anonymous, public catalog), following its pages."""
    session = server.session(host)
    rows: list[dict] = []
    url: str | None = f"{server.url}/api/v1/records/"
    query: dict[str, str] | None = {"page_size": "200", **params}
    while url:
        response = session.get(url, params=query)
        response.raise_for_status()
        body = response.json()
        rows += body["results"]
        url = body["next"] and body["next"].replace(f"http://{host}", server.url)
        query = None
    return rows


def sickle_for(server: Server, host: str) -> Sickle:
    return Sickle(f"{server.url}/oai", headers={"Host": host}, timeout=60)


def oai_id(host: str, record_id: int) -> str:
    return f"oai:{host}:{record_id}"


def test_sickle_harvests_exactly_what_the_api_lists(server, two_libraries):
    mine, other = two_libraries
    schema = mine.library.schema_name
    # The library's host name, hyphens and all: an oai-identifier's namespace is a domain name.
    namespace = host_of(mine)
    assert "_" in schema
    assert "_" not in namespace
    with schema_context(schema):
        loaded = marc_records_load()
        gone = record_create(data=RecordData(title="Withdrawn soon", subjects=[("Loss", "lcsh")]))
    host = host_of(mine)
    listed = api_records(server, host)
    assert len(listed) == len(loaded) + 1
    oai = sickle_for(server, host)
    harvested = list(oai.ListRecords(metadataPrefix="marc21"))
    assert sorted(r.header.identifier for r in harvested) == sorted(
        f"oai:{namespace}:{row['id']}" for row in listed
    )
    assert not any(r.header.deleted for r in harvested)
    dublin = {r.header.identifier: r.metadata for r in oai.ListRecords(metadataPrefix="oai_dc")}
    for row in listed:
        title = dublin[f"oai:{namespace}:{row['id']}"]["title"][0]
        assert title.startswith(row["title"])
    # A harvester that stored an identifier of the former form (the schema's underscores) still
    # gets the record by it, under its identifier now.
    former = oai.GetRecord(identifier=f"oai:{schema}.localhost:{listed[0]['id']}",
                           metadataPrefix="oai_dc")  # fmt: skip
    assert former.header.identifier == f"oai:{namespace}:{listed[0]['id']}"
    # After a deletion, an incremental harvest from then on shows the record as deleted.
    time.sleep(1.1)
    since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with schema_context(schema):
        record_delete(record_id=gone.pk)
    headers = list(oai.ListIdentifiers(metadataPrefix="marc21", **{"from": since}))
    assert [(h.identifier, h.deleted) for h in headers] == [(f"oai:{namespace}:{gone.pk}", True)]
    assert len(api_records(server, host)) == len(loaded)
    # The other library's /oai has none of these records, and knows none of their ids.
    theirs = sickle_for(server, host_of(other))
    with pytest.raises(NoRecordsMatch):
        list(theirs.ListIdentifiers(metadataPrefix="oai_dc"))
    assert len(api_records(server, host_of(other))) == 0


def test_resumption_over_thousands_of_records_loses_nothing_while_they_change(
    server, two_libraries
):
    mine, _ = two_libraries
    schema = mine.library.schema_name
    namespace = host_of(mine)
    with schema_context(schema):
        job = generated_import(GENERATED)
        assert job.created == GENERATED
        ids = list(Record.objects.order_by("pk").values_list("pk", flat=True))
    host = host_of(mine)
    before = {f"oai:{namespace}:{row['id']}" for row in api_records(server, host)}
    assert len(before) == GENERATED
    seen: list[str] = []
    deleted: list[str] = []
    added: list[str] = []
    for n, record in enumerate(sickle_for(server, host).ListRecords(metadataPrefix="oai_dc")):
        if record.header.deleted:
            deleted.append(record.header.identifier)
        else:
            seen.append(record.header.identifier)
        if n % 250 == 100:
            # While the harvest runs: edit records already sent and still to come, delete
            # one still to come, add one.
            with schema_context(schema):
                behind, ahead = ids[max(0, n - 50)], ids[min(len(ids) - 1, n + 400)]
                for pk in (behind, ahead):
                    record_update(record_id=pk, data=RecordData(title=f"Edited at {n}"))
                # Pages hold 200 records: 300 on is on a page not fetched yet.
                doomed = ids[n + 300] if n + 300 < len(ids) else None
                if doomed is not None:
                    record_delete(record_id=doomed)
                    before.discard(f"oai:{namespace}:{doomed}")
                    ids.remove(doomed)
                    deleted_now = f"oai:{namespace}:{doomed}"
                    assert deleted_now not in seen
                new = record_create(data=RecordData(title=f"Added at {n}"))
                added.append(f"oai:{namespace}:{new.pk}")
    assert len(seen) == len(set(seen)), "a record came twice"
    assert set(seen) == before | set(added)
    assert deleted
    assert not set(deleted) & set(seen)


def test_sruthi_finds_what_the_api_finds(server, two_libraries):
    mine, other = two_libraries
    schema = mine.library.schema_name
    with schema_context(schema):
        marc_records_load()
        record_create(
            data=RecordData(
                title="Gardens of the moon", publication_year=1999,
                contributors=[("Erikson, Steven", "author")],
                subjects=[("Fantasy fiction", "lcsh")], identifiers=[("isbn", "0-553-81957-7")],
            )
        )  # fmt: skip
    host = host_of(mine)
    client = sruthi.Client(
        url=f"{server.url}/sru", record_schema="dc", maximum_records=4,
        session=server.session(host),
    )  # fmt: skip

    def sru_ids(query: str) -> set[int]:
        ids = set()
        for record in client.searchretrieve(query):
            urls = record["identifier"]
            urls = [urls] if isinstance(urls, str) else urls
            page = next(url for url in urls if url.startswith("http"))
            ids.add(int(page.rstrip("/").rsplit("/", 1)[1]))
        return ids

    def api_ids(q: str, keep: object = None) -> set[int]:
        rows = api_records(server, host, q=q)
        return {row["id"] for row in rows if keep is None or keep(row)}  # type: ignore[operator]

    def in_title(word: str) -> object:
        return lambda row: re.search(rf"\b{word}\b", f"{row['title']} {row['subtitle']}", re.I)

    perl = api_ids("perl", in_title("perl"))
    assert len(perl) > 4  # more than one page of sruthi's
    assert sru_ids("title = perl") == perl
    assert sru_ids("dc.title = perl") == perl
    assert sru_ids("perl") == api_ids("perl")
    author = api_ids(
        "erikson", lambda row: any("Erikson" in c["name"] for c in row["contributors"])
    )
    assert author
    assert sru_ids("author = erikson") == author == sru_ids("dc.creator = erikson")
    subject = api_ids(
        "computer", lambda row: any("computer" in s["heading"].lower() for s in row["subjects"])
    )
    assert subject
    assert sru_ids('subject = "computer"') == subject
    isbn = api_ids("0-553-81957-7")
    assert len(isbn) == 1
    assert sru_ids("isbn = 0-553-81957-7") == isbn
    assert sru_ids("isbn = 0553819577") == isbn
    assert sru_ids("bath.isbn = 978-0-553-81957-1") == isbn
    with pytest.raises(sruthi.errors.SruError, match="Unsupported index"):
        client.searchretrieve("bib.shelfmark = QA76")
    # A syntax error says what the client typed and where, as sruthi shows it.
    with pytest.raises(sruthi.errors.SruError) as refused:
        client.searchretrieve("title = (perl")
    assert str(refused.value) == (
        'info:srw/diagnostic/1/10, Unexpected "(" at character 9., Query syntax error'
    )
    explained = client.explain()
    assert explained.database["title"] == f"Live {schema}"
    assert "title" in explained.index["dc"]
    # The other library's SRU finds none of these.
    theirs = sruthi.Client(
        url=f"{server.url}/sru", record_schema="dc", session=server.session(host_of(other))
    )
    assert theirs.searchretrieve("perl").count == 0
    assert theirs.searchretrieve("isbn = 0553819577").count == 0


def test_xsd_directory_holds_the_schemas_and_their_notices():
    xsd = Path(__file__).resolve().parent.parent / "data" / "xsd"
    names = {path.name for path in xsd.iterdir()}
    assert {"OAI-PMH.xsd", "oai_dc.xsd", "simpledc20021212.xsd", "MARC21slim.xsd"} <= names
    assert "README.md" in names
