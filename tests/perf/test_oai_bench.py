"""A full OAI-PMH harvest in marc21 over HTTP, beside an export job of the same catalog.

A library gets STACKS_BENCH_OAI_RECORDS generated MARC records (default 100,000) through an
import (so each keeps the MARC it came as, as real catalogs do); gunicorn serves it with
deploy/gunicorn.conf.py (two workers) and one harvester follows ListRecords' resumption
tokens to the end, as a discovery layer's first harvest does. The floor is the MARCXML export
job (catalog.imports.exports) of the same catalog, run in process in the same run.
"""

import os
import re
import time

import requests
from django.db import connection
from django_tenants.utils import schema_context

from catalog.imports.exports import export_job_create, export_job_write
from catalog.models import Record
from tests.catalog.imports.helpers import generated_import
from tests.conftest import ROOT
from tests.perf.results import record
from tests.perf.test_api_bench import Gunicorn

_TOKEN = re.compile(rb"<resumptionToken[^>]*>([^<]*)</resumptionToken>")
_HEADER = re.compile(rb"<header[ >]")


def _records() -> int:
    return int(os.environ.get("STACKS_BENCH_OAI_RECORDS", "100000"))


def test_oai_harvest_marc21_against_export(live_library, tmp_path):
    count = _records()
    schema = live_library.library.schema_name
    with schema_context(schema):
        job = generated_import(count)
        assert job.created == count, job.error
        assert Record.objects.count() == count
        host = live_library.library.domains.get(is_primary=True).domain

    # The floor: the export job writing the same catalog as MARCXML.
    with schema_context(schema):
        export = export_job_create(format="marcxml", filters={}, queue=False)
        started = time.perf_counter()
        export = export_job_write(job_id=export.pk)
        export_seconds = time.perf_counter() - started
        assert export.records == count
    connection.set_schema_to_public()
    floor = count / export_seconds

    server = Gunicorn("config.wsgi", ROOT / ".stacks" / f"oai-bench-{os.getpid()}.log")
    try:
        server.wait("/healthz", host)
        session = requests.Session()
        session.headers["Host"] = host
        harvested = pages = 0
        params: dict[str, str] = {"verb": "ListRecords", "metadataPrefix": "marc21"}
        started = time.perf_counter()
        while True:
            response = session.get(server.url("/oai"), params=params, timeout=300)
            response.raise_for_status()
            harvested += len(_HEADER.findall(response.content))
            pages += 1
            token = _TOKEN.search(response.content)
            if token is None or not token.group(1):
                break
            params = {"verb": "ListRecords", "resumptionToken": token.group(1).decode()}
        seconds = time.perf_counter() - started
    finally:
        server.stop()
    assert harvested == count
    rate = harvested / seconds
    print(
        f"\n{harvested} records harvested in marc21 in {seconds:.1f}s ({pages} pages); "
        f"the MARCXML export job wrote them in {export_seconds:.1f}s"
    )
    suffix = "" if count == 100_000 else f"_{count}"
    record(f"oai_harvest_marc21{suffix}", rate, "rec/s", floor)
