"""Scan-to-add in Chromium: an ISBN that only the shared pool has, typed as a scanner types it
(digits, then Enter), saved with a copy, then found in the public catalog."""

import os
import random
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from celery import current_app
from django.db import connection
from django_tenants.utils import schema_context

from catalog.services import RecordData, record_create
from tenants.models import Library, PoolRecord
from tenants.services import ProvisionedLibrary, library_create, library_drop
from tests.browser.axe import axe_violations
from tests.browser.conftest import Shots, Stack
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def isbn13_random() -> str:
    body = "979" + "".join(random.choice("0123456789") for _ in range(9))
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


@dataclass
class SharedBook:
    isbn: str
    title: str


@pytest.fixture
def shared_book(stack: Stack, live_library: ProvisionedLibrary) -> Iterator[SharedBook]:
    """Another library shares a record; the stack's worker copies it into the pool (set up
    before the browser opens: Playwright's loop forbids the ORM in its thread)."""
    schema = f"pool_{os.urandom(3).hex()}"
    host = schema.replace("_", "-")
    sharer = library_create(
        schema_name=schema, name="Sharing Library", domain=f"{host}.localhost",
        admin_email=f"admin@{host}.example", admin_password=PASSWORD,
    ).library  # fmt: skip
    book = SharedBook(isbn=isbn13_random(), title=f"Pooled book {schema}")
    with schema_context(schema):
        record_create(
            data=RecordData(
                title=book.title,
                contributors=[("Shared, Author", "author")],
                identifiers=[("isbn", book.isbn)],
            )
        )
    Library.objects.filter(pk=sharer.pk).update(share_records=True)
    current_app.send_task(
        "worker.pool_sync", args=[sharer.pk], queue=stack.env["CELERY_DEFAULT_QUEUE"]
    )
    deadline = time.monotonic() + 60
    while not PoolRecord.objects.filter(library=sharer, isbns__contains=[book.isbn]).exists():
        assert time.monotonic() < deadline, f"the pool's worker did not run: {stack.worker.log()}"
        time.sleep(0.2)
    yield book
    connection.set_schema_to_public()
    library_drop(library=sharer)


def test_scan_an_isbn_only_the_pool_has_save_and_find_it(  # type: ignore[no-untyped-def]
    stack: Stack, live_library: ProvisionedLibrary, shared_book: SharedBook, page
):
    shot = Shots(page, "scan_to_add")
    host = live_library.domain.domain
    stack.admin_sign_in(page, live_library, "/staff/add/")
    # The scan field has focus: a scanner types into it and presses Enter.
    assert page.evaluate("document.activeElement.id") == "id_isbn_scan"
    shot("scan-field")
    assert axe_violations(page) == []
    isbn = shared_book.isbn
    hyphenated = f"{isbn[:3]}-{isbn[3:4]}-{isbn[4:12]}-{isbn[12]}"
    page.keyboard.type(hyphenated)
    page.keyboard.press("Enter")
    page.wait_for_selector("#record-form")
    assert "Copy the record shared by Sharing Library" in page.inner_text("main")
    assert page.input_value("#id_title") == shared_book.title
    assert page.input_value("#id_contributor_1") == "Shared, Author"
    assert page.evaluate("document.activeElement.id") == "id_barcode"
    shot("prefilled-from-pool")
    assert axe_violations(page) == []
    page.keyboard.type("SCAN-0001")
    page.fill("#id_call_number", "QA76 .S1")
    page.click("#record-form button[type=submit]")
    page.wait_for_selector("#saved")
    assert page.evaluate("document.activeElement.id") == "id_isbn_scan"
    shot("saved")
    assert axe_violations(page) == []

    # The workspace finds it by its ISBN in another form, and shows its copy.
    page.goto(stack.url(host, f"/staff/records/?q={hyphenated}"))
    page.click(f"#records >> text={shared_book.title}")
    page.wait_for_selector("#record-form")
    assert "SCAN-0001" in page.inner_text("#copies")
    shot("workspace-record")
    assert axe_violations(page) == []
    page.goto(stack.url(host, f"/staff/records/?q={hyphenated}"))
    assert axe_violations(page) == []

    page.goto(stack.url(host, f"/search/?q={shared_book.isbn}"))
    results = page.locator("a.result-title")
    results.first.wait_for()
    shot("found-in-catalog")
    results.filter(has_text=shared_book.title).first.click()
    page.wait_for_url(re.compile(r"/records/\d+/\?from=q%3D\d+$"))
    copies = page.locator("table#copies").inner_text()
    assert "SCAN-0001" in copies
    assert "QA76 .S1" in copies
    shot("record-with-copy")

    # The platform host's union search finds it too, linking to the sharing library's page.
    page.goto(stack.url("localhost", f"/search/?q={hyphenated}"))
    assert "Sharing Library" in page.inner_text("#union-results")
    shot("union-search")
    assert axe_violations(page) == []
    # The checks do see a violation when there is one: an unlabelled field.
    page.set_content('<html lang="en"><title>t</title><main><input type="text"></main></html>')
    assert any(v.startswith("label (critical)") for v in axe_violations(page))
