"""One write path: the same change saved through the staff pages, the API and an import leaves
the same rows (sort title, version, links, search vector, term ranks, feed entries)."""

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from catalog.imports.models import ImportJob
from catalog.models import Change, Contributor, Identifier, Item, Location, Record, Subject
from catalog.services import (
    RecordData,
    location_create,
    record_create,
    record_delete,
    search_terms_refresh,
)
from staff.services import api_key_create, user_create
from tests.catalog.imports.helpers import job_run
from tests.conftest import LIBRARY_HOST, PASSWORD
from tests.tenants.admin_helpers import signed_in

ISBN = "9780441172719"

# A record as first written, and the change every path makes to it: a new title (with an
# article the sort title drops), year and summary, and one subject swapped for another.
BEFORE = {
    "title": "Dune", "subtitle": "", "publisher": "Chilton", "year": 1965, "language": "eng",
    "series": "", "summary": "", "authors": ["Herbert, Frank"], "subjects": ["Deserts"],
}  # fmt: skip
AFTER = {
    **BEFORE, "title": "The Dune Chronicles", "subtitle": "Book one", "year": 1966,
    "summary": "Spice and sand worms.", "subjects": ["Ecology"],
}  # fmt: skip
COPY = {"call_number": "SF HER", "location": "MAIN"}


def _record_data(d: dict[str, Any]) -> RecordData:
    return RecordData(
        title=d["title"], subtitle=d["subtitle"], publisher=d["publisher"],
        publication_year=d["year"], language=d["language"], series=d["series"],
        summary=d["summary"], contributors=[(a, "author") for a in d["authors"]],
        subjects=[(s, "local") for s in d["subjects"]], identifiers=[("isbn", ISBN)],
    )  # fmt: skip


@pytest.fixture
def clients(library) -> dict[str, Client]:  # type: ignore[no-untyped-def]
    """The staff pages' session, a write key's API client; and the catalog they find: its
    headings, a location, and search terms that the description's words are among."""
    with schema_context("alpha"):
        user_create(email="cataloguer@alpha.example", role="librarian", password=PASSWORD)
        secret = api_key_create(name="one write path", scope="write").secret
        location_create(code="MAIN", name="Main shelves")
        seed = record_create(data=_record_data({**BEFORE, "subjects": ["Deserts", "Ecology"]}))
        Identifier.objects.filter(record=seed).delete()  # imports must match only our record
        assert search_terms_refresh(min_records=1)
    api = APIClient(HTTP_HOST=LIBRARY_HOST)
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    pages = signed_in(LIBRARY_HOST, "alpha", "cataloguer@alpha.example", client_class=Client)
    return {"pages": pages, "api": api}


# --- Each path's way to write ----------------------------------------------------------------


def _inline(prefix: str, rows: list[dict[str, Any]], initial: int = 0) -> dict[str, str]:
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}  # fmt: skip
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{name}": str(value) for name, value in row.items()})
    return data


def _page_form(d: dict[str, Any], record: Record | None, copy: bool = False) -> dict[str, str]:
    """The record's change page as a librarian fills it in: existing links kept or deleted,
    the new ones added after them."""
    data = {"title": d["title"], "subtitle": d["subtitle"], "publisher": d["publisher"],
            "publication_year": str(d["year"]), "edition": "", "language": d["language"],
            "series": d["series"], "summary": d["summary"], "control_number": "",
            "control_number_source": ""}  # fmt: skip
    with schema_context("alpha"):
        credits = list(record.credits.all()) if record else []
        links = list(record.subject_links.select_related("subject")) if record else []
        identifiers = list(record.identifiers.all()) if record else []
        wanted = [Subject.objects.get(heading=s, scheme="local").pk for s in d["subjects"]]
        authors = [Contributor.objects.get(name=a).pk for a in d["authors"]]
        shelf = Location.objects.get(code=COPY["location"]).pk
    old = [{"id": c.pk, "record": c.record_id, "contributor": c.contributor_id, "role": c.role}
           for c in credits]  # fmt: skip
    data |= _inline("credits", old + [
        {"contributor": pk, "role": "author"} for pk in authors[len(old):]
    ], initial=len(old))  # fmt: skip
    kept = [{"id": s.pk, "record": s.record_id, "subject": s.subject_id}
            | ({} if s.subject_id in wanted else {"DELETE": "on"}) for s in links]  # fmt: skip
    had = {s.subject_id for s in links}
    data |= _inline("subject_links", kept + [{"subject": pk} for pk in wanted if pk not in had],
                    initial=len(links))  # fmt: skip
    old_ids = [{"id": i.pk, "record": i.record_id, "kind": i.kind, "value": i.value}
               for i in identifiers]  # fmt: skip
    data |= _inline("identifiers", old_ids or [{"kind": "isbn", "value": ISBN}],
                    initial=len(old_ids))  # fmt: skip
    item = {"barcode": "P-1", "call_number": COPY["call_number"], "location": shelf,
            "status": "available", "public_note": ""}  # fmt: skip
    return data | _inline("items", [item] if copy else [])


def _by_pages(clients: dict[str, Client], d: dict[str, Any], record: Record | None) -> int:
    path = f"/admin/catalog/record/{record.pk}/change/" if record else "/admin/catalog/record/add/"
    response = clients["pages"].post(path, _page_form(d, record, copy=record is None))
    assert response.status_code == 302, response.content.decode()[:3000]
    return record.pk if record else _newest_record()


def _api_body(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": d["title"], "subtitle": d["subtitle"], "publisher": d["publisher"],
        "publication_year": d["year"], "language": d["language"], "series": d["series"],
        "summary": d["summary"], "contributors": [{"name": a} for a in d["authors"]],
        "subjects": [{"heading": s, "scheme": "local"} for s in d["subjects"]],
        "identifiers": [{"kind": "isbn", "value": ISBN}],
    }  # fmt: skip


def _by_api(clients: dict[str, Client], d: dict[str, Any], record: Record | None) -> int:
    api = clients["api"]
    if record:
        response = api.put(f"/api/v1/records/{record.pk}/", _api_body(d), format="json")
        assert response.status_code == 200, response.json()
        return record.pk
    response = api.post("/api/v1/records/", _api_body(d), format="json")
    assert response.status_code == 201, response.json()
    record_id = response.json()["id"]
    with schema_context("alpha"):
        shelf = Location.objects.get(code=COPY["location"]).pk
    copy = {"record": record_id, "barcode": "A-1", "call_number": COPY["call_number"],
            "location": shelf}  # fmt: skip
    assert api.post("/api/v1/items/", copy, format="json").status_code == 201
    return int(record_id)


def _by_import(clients: dict[str, Client], d: dict[str, Any], record: Record | None) -> int:
    row = {"title": d["title"], "subtitle": d["subtitle"], "authors": ";".join(d["authors"]),
           "isbn": ISBN, "publisher": d["publisher"], "year": d["year"],
           "language": d["language"], "series": d["series"], "summary": d["summary"],
           "subjects": ";".join(d["subjects"]), "barcode": "" if record else "I-1",
           **COPY}  # fmt: skip
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    upload = SimpleUploadedFile("change.csv", out.getvalue().encode())
    response = clients["api"].post(
        "/api/v1/imports/", {"file": upload, "one_shot": "true"}, format="multipart"
    )
    assert response.status_code == 202, response.json()
    with schema_context("alpha"):
        job = job_run(ImportJob.objects.get(pk=response.json()["id"]))
        assert job.status == ImportJob.Status.COMMITTED, job.error
        assert (job.created, job.updated) == ((0, 1) if record else (1, 0))
    return record.pk if record else _newest_record()


PATHS: dict[str, Callable[[dict[str, Client], dict[str, Any], Record | None], int]] = {
    "staff pages": _by_pages,
    "API": _by_api,
    "import": _by_import,
}


# --- What a write leaves ---------------------------------------------------------------------


def _newest_record() -> int:
    with schema_context("alpha"):
        return Record.objects.order_by("-pk").values_list("pk", flat=True)[0]


ITEM_COLUMNS = ["call_number", "location__code", "status", "price", "acquired_on",
                "public_note", "staff_note", "version"]  # fmt: skip


def _rows(record_id: int, since: int) -> dict[str, Any]:
    """Every row the record's write left, without ids and times (which differ by nature)."""
    with schema_context("alpha"):
        record = Record.objects.values(
            "title", "subtitle", "publisher", "publication_year", "edition", "language",
            "series", "summary", "control_number", "control_number_source", "source_marc",
            "sort_title", "version",
        ).get(pk=record_id)  # fmt: skip
        items = Item.objects.filter(record_id=record_id)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT vector::text FROM catalog_recordsearch WHERE record_id = %s", [record_id]
            )
            vector = cursor.fetchone()[0]
            cursor.execute(
                "SELECT term, rank FROM catalog_searchtermrank WHERE record_id = %s ORDER BY term",
                [record_id],
            )
            ranks = cursor.fetchall()
        feed = Change.objects.filter(pk__gt=since).values_list("entity", "entity_id", "action")
        ours = {("record", record_id), *(("item", pk) for pk in items.values_list("pk", flat=True))}
        return {
            "record": record,
            "credits": list(
                Record.objects.get(pk=record_id).credits.values_list(
                    "contributor__name", "role", "position"
                )
            ),
            "subjects": list(
                Record.objects.get(pk=record_id).subject_links.values_list(
                    "subject__heading", "subject__scheme", "position"
                )
            ),
            "identifiers": list(
                Identifier.objects.filter(record_id=record_id).values_list("kind", "value")
            ),
            "vector": vector,
            "ranks": ranks,
            "items": list(items.values(*ITEM_COLUMNS)),
            # Every entry since the write began, each about the record or one of its copies.
            "feed": sorted((entity, action, (entity, pk) in ours) for entity, pk, action in feed),
        }


def _feed_end() -> int:
    with schema_context("alpha"):
        return Change.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _written(path: str, clients: dict[str, Client], before: dict[str, Any] | None) -> dict:
    """The rows `path` leaves, writing AFTER: over a record written as `before`, or a new one.
    The record is deleted afterwards, so the next path's import matches only its own."""
    record = None
    if before is not None:
        with schema_context("alpha"):
            record = record_create(data=_record_data(before))
    since = _feed_end()
    record_id = PATHS[path](clients, AFTER, record)
    rows = _rows(record_id, since)
    with schema_context("alpha"):
        record_delete(record_id=record_id)
    return rows


def test_a_new_record_is_written_alike_by_the_pages_the_api_and_an_import(clients):
    rows = {path: _written(path, clients, before=None) for path in PATHS}

    first = rows["staff pages"]
    assert first["record"]["sort_title"] == "dune chronicles"
    assert first["record"]["version"] == 1
    assert "'spice':" in first["vector"]
    assert {term for term, _ in first["ranks"]} >= {"'dune'", "'herbert'", "'ecolog'"}
    assert first["feed"] == [("item", "created", True), ("record", "created", True)]
    assert first["items"][0]["location__code"] == "MAIN"
    for path in ("API", "import"):
        assert rows[path] == first, path


def test_a_change_is_written_alike_by_the_pages_the_api_and_an_import(clients):
    rows = {path: _written(path, clients, before=BEFORE) for path in PATHS}

    first = rows["staff pages"]
    assert (first["record"]["title"], first["record"]["version"]) == ("The Dune Chronicles", 2)
    assert first["subjects"] == [("Ecology", "local", 0)]
    assert "'desert'" not in first["vector"]
    assert "'ecolog'" in dict(first["ranks"])
    assert first["feed"] == [("record", "updated", True)]
    for path in ("API", "import"):
        assert rows[path] == first, path


def test_a_name_spelled_otherwise_reads_as_the_heading_kept_whichever_path(clients):
    # "Herbért" folds to the contributor kept as "Herbert": every path links the record to
    # it, and searches it under the name the catalog keeps (so a search for herbert finds it).
    spelled = {**AFTER, "authors": ["Herbért, Frank"], "subjects": ["ECOLOGY"]}
    rows = {}
    for path in ("API", "import"):
        since = _feed_end()
        record_id = PATHS[path](clients, spelled, None)
        rows[path] = _rows(record_id, since)
        with schema_context("alpha"):
            record_delete(record_id=record_id)

    assert rows["import"] == rows["API"]
    assert rows["API"]["credits"] == [("Herbert, Frank", "author", 0)]
    assert "'herbert':" in rows["API"]["vector"]
    assert "'ecolog':" in rows["API"]["vector"]
    assert "'herbert'" in dict(rows["API"]["ranks"])
