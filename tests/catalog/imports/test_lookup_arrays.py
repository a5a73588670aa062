"""A chunk's lookups send its barcodes and keys as one array each, not a placeholder each."""

import io

from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.imports.jobs import import_job_create
from tests.catalog.imports.helpers import job_run

ROWS = "title,control_number,barcode\n" + "".join(f"Book {n},N{n},B-{n}\n" for n in range(1, 41))


def test_a_chunks_barcodes_and_keys_are_looked_up_as_arrays(in_library):
    with CaptureQueriesContext(connection) as queries:
        job = job_run(import_job_create(file=io.BytesIO(ROWS.encode()), file_name="books.csv"))

    assert (job.status, job.rejected) == ("staged", 0), job.error
    lookups = [
        q["sql"]
        for q in queries
        if q["sql"].startswith("SELECT") and ("'B-7'" in q["sql"] or "'cn::N7'" in q["sql"])
    ]
    # The copies', the cards' and the file's earlier rows' lookups at least.
    assert len(lookups) >= 3
    assert all("= ANY(ARRAY[" in sql for sql in lookups), lookups
