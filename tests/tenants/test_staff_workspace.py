"""The staff workspace: catalog admin, import and export pages, roles, and library isolation."""

import html
import re
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from catalog.imports.exports import export_job_create, export_job_write
from catalog.imports.models import ExportJob, ImportJob
from catalog.models import Change, Contributor, Item, Location, Record
from catalog.search import record_search
from catalog.services import (
    ItemData,
    RecordData,
    item_create,
    location_create,
    record_create,
)
from staff.services import user_create
from tenants.models import Signup
from tenants.onboarding import signup_provision
from tests.catalog.imports.helpers import job_run
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST, PASSWORD
from tests.tenants.admin_helpers import confirmation_link, signed_in

CSV = (
    b"title,authors,isbn,barcode,location\n"
    b"Dune,Frank Herbert,0441172717,B-1,MAIN\n"
    b",,0441172717,,\n"
    b"Emma,Jane Austen,,B-2,MAIN\n"
)


def _staff(schema: str, host: str, role: str) -> Client:
    with schema_context(schema):
        user_create(email=f"{role}-web@{schema}.example", role=role, password=PASSWORD)
    return signed_in(host, schema, f"{role}-web@{schema}.example", client_class=Client)


@pytest.fixture
def librarian(library) -> Client:  # type: ignore[no-untyped-def]
    return _staff("alpha", LIBRARY_HOST, "librarian")


@pytest.fixture
def viewer(library) -> Client:  # type: ignore[no-untyped-def]
    return _staff("alpha", LIBRARY_HOST, "viewer")


def _progress(page: str) -> tuple[str, str]:
    match = re.search(r'<progress id="import-progress" max="(\d+)" value="(\d+)"', page)
    assert match, page
    return match[1], match[2]


def _upload(client: Client, content: bytes = CSV, **fields: str):  # type: ignore[no-untyped-def]
    data = {"file": SimpleUploadedFile("books.csv", content), "match_on": "either",
            "on_match": "update", "on_no_match": "create", "create_locations": "on",
            **fields}  # fmt: skip
    return client.post("/staff/imports/", data)


def test_home_links_the_workspace_by_role(librarian, viewer):
    home = librarian.get("/staff/").text
    for link in ('href="/admin/"', 'href="/staff/imports/"', 'href="/staff/exports/"'):
        assert link in home
    assert 'href="/staff/people/"' not in home
    assert "you may look, not change" in viewer.get("/staff/").text
    admin = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)
    assert 'href="/staff/people/"' in admin.get("/staff/").text


def test_import_upload_preview_commit_and_revert_from_the_pages(librarian):
    uploaded = _upload(librarian)
    assert uploaded.status_code == 302
    with schema_context("alpha"):
        job = ImportJob.objects.get()
    assert uploaded.url == f"/staff/imports/{job.pk}/"
    assert job.started_by_label == "librarian-web@alpha.example"

    waiting = librarian.get(uploaded.url).text
    assert _progress(waiting) == ("100", "0")
    assert '<noscript><meta http-equiv="refresh"' in waiting
    assert f'data-url="/api/v1/imports/{job.pk}/"' in waiting

    with schema_context("alpha"):
        job_run(job)
    staged = librarian.get(uploaded.url).text
    assert _progress(staged) == ("100", "100")
    assert 'http-equiv="refresh"' not in staged
    assert re.search(r'<td [^>]*data-count="total">3</td>', staged)
    assert re.search(r'<td [^>]*data-count="rejected">1</td>', staged)
    assert 'id="import-commit"' in staged
    assert re.search(
        r'<tr data-action="reject">\s*<td[^>]*>3</td>'
        r".*?No title: the \u201ctitle\u201d column is empty",
        staged,
        re.S,
    )
    rejects_only = librarian.get(uploaded.url, {"action": "reject"}).text
    assert "Dune" not in rejects_only
    rejects = librarian.get(f"/staff/imports/{job.pk}/rejects/")
    assert rejects.status_code == 200
    assert b"reason,line" in b"".join(rejects.streaming_content)
    with schema_context("alpha"):
        assert not Record.objects.exists()

    assert librarian.post(f"/staff/imports/{job.pk}/commit/").status_code == 302
    with schema_context("alpha"):
        job_run(job)
        assert sorted(Record.objects.values_list("title", flat=True)) == ["Dune", "Emma"]
        assert Item.objects.count() == 2
    committed = librarian.get(uploaded.url).text
    assert "Committed" in committed
    assert 'id="import-revert"' in committed

    again = librarian.post(f"/staff/imports/{job.pk}/commit/")
    assert again.status_code == 409
    assert "Only a staged import can be committed" in again.text

    reverted = librarian.post(f"/staff/imports/{job.pk}/revert/", {"confirm": "yes"})
    assert reverted.status_code == 302
    with schema_context("alpha"):
        assert not Record.objects.exists()
        assert ImportJob.objects.get().status == ImportJob.Status.REVERTED


def _committed_import(client: Client) -> ImportJob:
    _upload(client)
    with schema_context("alpha"):
        job = job_run(ImportJob.objects.get())
    assert client.post(f"/staff/imports/{job.pk}/commit/").status_code == 302
    with schema_context("alpha"):
        return job_run(job)


def _record_links(page: str) -> set[int]:
    return {int(n) for n in re.findall(r'href="/admin/catalog/record/(\d+)/change/"', page)}


def test_a_revert_says_what_it_removes_and_waits_for_confirmation(librarian):
    job = _committed_import(librarian)
    with schema_context("alpha"):
        created = set(Record.objects.values_list("pk", flat=True))
    assert len(created) == 2
    page = librarian.get(f"/staff/imports/{job.pk}/").text
    assert created <= _record_links(page)
    # The job page's button leads to a page that says what reverting does; it deletes nothing.
    assert re.search(rf'<form method="get" action="/staff/imports/{job.pk}/revert/">', page)
    confirm = librarian.get(f"/staff/imports/{job.pk}/revert/")
    assert confirm.status_code == 200
    text = " ".join(confirm.text.split())
    assert "removes the 2 records it created, with their copies" in text
    assert "restores the 0 records it updated" in text
    # A POST without the confirmation reverts nothing.
    unconfirmed = librarian.post(f"/staff/imports/{job.pk}/revert/")
    assert unconfirmed.status_code == 400
    assert "Nothing was reverted" in unconfirmed.text
    with schema_context("alpha"):
        assert Record.objects.count() == 2
        assert ImportJob.objects.get().status == ImportJob.Status.COMMITTED

    done = librarian.post(f"/staff/imports/{job.pk}/revert/", {"confirm": "yes"})
    assert done.status_code == 302
    assert done.url == f"/staff/imports/{job.pk}/"
    with schema_context("alpha"):
        assert not Record.objects.exists()
    # The preview says the rows were reverted and links to none of the deleted records.
    after = librarian.get(done.url).text
    assert "This import was reverted" in after
    assert not re.search(r"<td[^>]*>Create ✓</td>", after)
    assert len(re.findall(r"<td[^>]*>Create \(reverted\)</td>", after)) == 2
    assert not created & _record_links(after)
    assert 'id="import-revert"' not in after
    assert librarian.get(f"/staff/imports/{job.pk}/revert/").status_code == 302


def test_a_viewer_is_refused_the_revert_page_before_its_button(librarian, viewer):
    job = _committed_import(librarian)
    page = viewer.get(f"/staff/imports/{job.pk}/revert/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 403
    assert "a viewer&#x27;s account and a read key may only look" in page.text
    assert 'name="confirm"' not in page.text
    with schema_context("alpha"):
        assert Record.objects.count() == 2


def test_another_librarys_staff_cannot_reach_the_revert_page(librarian, other_library):
    job = _committed_import(librarian)
    beta = signed_in(OTHER_LIBRARY_HOST, "beta", "admin@beta.example", client_class=Client)
    for answer in (beta.get(f"/staff/imports/{job.pk}/revert/"),
                   beta.post(f"/staff/imports/{job.pk}/revert/", {"confirm": "yes"})):  # fmt: skip
        assert answer.status_code == 404
    intruder = Client(HTTP_HOST=LIBRARY_HOST)
    cookie = settings.SESSION_COOKIE_NAME
    intruder.cookies[cookie] = beta.cookies[cookie].value
    sent = intruder.post(f"/staff/imports/{job.pk}/revert/", {"confirm": "yes"})
    assert sent.status_code == 302
    assert sent.url.startswith("/staff/login/")
    with schema_context("alpha"):
        assert Record.objects.count() == 2
        assert ImportJob.objects.get().status == ImportJob.Status.COMMITTED


def test_an_import_whose_every_record_is_rejected_offers_no_commit(librarian):
    _upload(librarian, b"title,isbn\n,0441172717\n,0312243022\n")
    with schema_context("alpha"):
        job = job_run(ImportJob.objects.get())
    assert job.rejected == job.total == 2
    nothing = "Nothing to import: every row was rejected"
    listed = librarian.get("/staff/imports/", HTTP_ACCEPT_LANGUAGE="en").text
    assert nothing in listed
    assert ">Staged<" not in listed
    page = librarian.get(f"/staff/imports/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en").text
    assert f'data-label="{nothing}"' in page
    assert f">{nothing}</span>" in page
    assert 'id="import-commit"' not in page
    assert "There is nothing to commit: each row's reason, below, says why it was rejected." in (
        page.replace("&#x27;", "'")
    )
    # Each row still says why it was rejected, and the rejects still download.
    assert page.count("No title: the \u201ctitle\u201d column is empty.") == 2
    assert f'href="/staff/imports/{job.pk}/rejects/"' in page
    assert librarian.get(f"/staff/imports/{job.pk}/rejects/").status_code == 200
    # A commit sent anyway is refused, and the job stays as it was, rows and all.
    refused = librarian.post(f"/staff/imports/{job.pk}/commit/", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 409
    assert "there is nothing to commit" in refused.text
    with schema_context("alpha"):
        job.refresh_from_db()
        assert (job.status, job.rejected, job.rows.count()) == ("staged", 2, 2)
        assert not Record.objects.exists()
    # Any other staged job still says it waits for its commit.
    _upload(librarian, b"title,isbn\nDune,0441172717\n")
    with schema_context("alpha"):
        job_run(ImportJob.objects.order_by("-pk").first())
    assert ">Staged<" in librarian.get("/staff/imports/", HTTP_ACCEPT_LANGUAGE="en").text


def test_import_form_errors_are_plain(librarian):
    unknown = librarian.post(
        "/staff/imports/",
        {"file": SimpleUploadedFile("books.txt", CSV), "match_on": "either",
         "on_match": "update", "on_no_match": "create"},
    )  # fmt: skip
    assert unknown.status_code == 400
    assert "Cannot tell the format of \u201cbooks.txt\u201d" in unknown.text
    missing = librarian.post("/staff/imports/", {"match_on": "either"})
    assert missing.status_code == 400
    assert "This field is required." in missing.text
    with schema_context("alpha"):
        assert not ImportJob.objects.exists()


def test_viewer_looks_but_cannot_start_commit_or_export(librarian, viewer):
    _upload(librarian)
    with schema_context("alpha"):
        job = job_run(ImportJob.objects.get())

    page = viewer.get("/staff/imports/")
    assert page.status_code == 200
    assert "books.csv" in page.text
    assert 'enctype="multipart/form-data"' not in page.text
    assert 'id="import-commit"' not in viewer.get(f"/staff/imports/{job.pk}/").text
    assert _upload(viewer).status_code == 403
    assert viewer.post(f"/staff/imports/{job.pk}/commit/").status_code == 403
    refused = viewer.post("/staff/exports/", {"format": "csv"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 403
    # Said in words, as the API says it: what the page needs, and that this account may look.
    assert "a viewer&#x27;s account and a read key may only look" in refused.text
    assert 'href="/staff/"' in refused.text
    with schema_context("alpha"):
        assert ImportJob.objects.count() == 1
        assert ImportJob.objects.get().status == ImportJob.Status.STAGED
        assert not ExportJob.objects.exists()


def test_an_export_of_a_location_the_library_does_not_have_is_refused(librarian):
    with schema_context("alpha"):
        location_create(code="MAIN", name="Main library")

    refused = librarian.post("/staff/exports/", {"format": "csv", "location": "NOPE"})
    assert refused.status_code == 400
    assert "No location has the code \u201cNOPE\u201d." in refused.text
    with schema_context("alpha"):
        assert not ExportJob.objects.exists()
    assert (
        librarian.post("/staff/exports/", {"format": "csv", "location": "MAIN"}).status_code == 302
    )


def test_the_changed_since_field_says_the_forms_it_takes_in_the_page_s_language(librarian):
    page = librarian.get("/staff/exports/", HTTP_ACCEPT_LANGUAGE="fr").text
    hint = "Sous la forme AAAA-MM-JJ HH:MM, JJ/MM/AAAA HH:MM, AAAA-MM-JJ, JJ/MM/AAAA ou JJ/MM/AA."
    assert f'<small id="id_updated_since_helptext">{hint}</small>' in page
    # Each form it names is taken, in the library's zone (UTC here).
    for typed, instant in (("2026-12-04 14:30", "2026-12-04T14:30:00+00:00"),
                           ("04/12/2026 14:30", "2026-12-04T14:30:00+00:00"),
                           ("2026-12-04", "2026-12-04T00:00:00+00:00"),
                           ("04/12/2026", "2026-12-04T00:00:00+00:00"),
                           ("04/12/26", "2026-12-04T00:00:00+00:00")):  # fmt: skip
        form = {"format": "csv", "updated_since": typed}
        started = librarian.post("/staff/exports/", form, HTTP_ACCEPT_LANGUAGE="fr")
        assert started.status_code == 302, typed
        with schema_context("alpha"):
            assert ExportJob.objects.latest("pk").filters == {"updated_since": instant}
    english = librarian.get("/staff/exports/", HTTP_ACCEPT_LANGUAGE="en").text
    assert "Write it as YYYY-MM-DD HH:MM, MM/DD/YYYY HH:MM," in english


def test_export_with_filters_then_download(librarian):
    with schema_context("alpha"):
        record_create(data=RecordData(title="Dune", language="eng"))
        record_create(data=RecordData(title="Les Misérables", language="fre"))

    bad = librarian.post("/staff/exports/", {"format": "csv", "year_from": "soon"})
    assert bad.status_code == 400
    assert "Enter a whole number." in bad.text
    started = librarian.post("/staff/exports/", {"format": "csv", "language": "eng"})
    assert started.status_code == 302
    with schema_context("alpha"):
        job = ExportJob.objects.get()
    assert job.filters == {"language": "eng"}
    waiting = librarian.get(started.url).text
    assert 'http-equiv="refresh"' in waiting
    early = librarian.get(f"/staff/exports/{job.pk}/download/")
    assert (early.status_code, early.content.decode()) == (
        409,
        "The export is not done (status: Queued); download it once it is done.",
    )

    with schema_context("alpha"):
        export_job_write(job_id=job.pk)
    done = librarian.get(started.url).text
    assert 'id="export-download"' in done
    assert "1 record" in done
    assert f'href="/staff/exports/{job.pk}/download/"' in librarian.get("/staff/exports/").text
    download = librarian.get(f"/staff/exports/{job.pk}/download/")
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert download["Content-Disposition"] == (
        f'attachment; filename="catalog-export-{job.pk}.csv"'
    )
    body = b"".join(download.streaming_content).decode("utf-8-sig")
    assert "Dune" in body
    assert "Misérables" not in body


def test_an_export_s_page_names_the_records_it_was_asked_for(librarian):
    with schema_context("alpha"):
        job = export_job_create(
            format="csv", filters={"ids": [3, 5], "isbn": "0-441-47812-3"}, queue=False
        )
    page = librarian.get(f"/staff/exports/{job.pk}/", HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200
    said = "des notices numéros 3, 5\u202f; ayant l\u2019ISBN 0-441-47812-3, lancé le"
    assert said in html.unescape(page.text)


def test_an_export_s_page_ends_its_sentence_with_one_full_stop(librarian):
    """English writes an afternoon "4 p.m.": the sentence must not end on the time's own dot."""
    with schema_context("alpha"):
        job = export_job_create(format="csv", filters={}, queue=False)
        ExportJob.objects.filter(pk=job.pk).update(
            created_at=datetime(2026, 12, 4, 16, 0, tzinfo=UTC), started_by_label="Ann"
        )
    page = html.unescape(librarian.get(f"/staff/exports/{job.pk}/").text)
    sentence = re.search(r'<p id="export-described">(CSV \(,\) export[^<]*)</p>', page)
    assert sentence is not None
    assert ".." not in sentence.group(1)
    assert sentence.group(1).endswith("by Ann.")


def test_a_running_export_s_page_says_how_far_it_has_got(librarian):
    """An export of a large catalog is written in turns; between them its page shows the
    records written so far, not only "Running"."""
    with schema_context("alpha"):
        job = ExportJob.objects.create(format="marc", filters={})
        ExportJob.objects.filter(pk=job.pk).update(status="running", records=2000)
    page = librarian.get(f"/staff/exports/{job.pk}/").text
    status = re.search(r'<p role="status"[^>]*>(.*?)</p>', page, re.S)
    assert status is not None
    assert status[1] == "Running: 2,000 records written so far"
    french = librarian.get(f"/staff/exports/{job.pk}/", HTTP_ACCEPT_LANGUAGE="fr").text
    status = re.search(r'<p role="status"[^>]*>(.*?)</p>', french, re.S)
    assert status is not None
    # French sets a space before the colon and groups thousands with a no-break space.
    assert html.unescape(status[1]) == "En cours\xa0: 2\xa0000 notices écrites jusqu\u2019ici"


def test_export_years_are_checked_and_filters_shown_in_words(librarian):
    backwards = librarian.post(
        "/staff/exports/", {"format": "csv", "year_from": "2010", "year_to": "1990"}
    )
    assert backwards.status_code == 400
    assert "The first year must not be after the last." in backwards.text
    with schema_context("alpha"):
        assert not ExportJob.objects.exists()

    started = librarian.post(
        "/staff/exports/", {"format": "csv", "q": "perl", "year_to": "1990", "language": "eng"}
    )
    assert started.status_code == 302
    shown = "Search: perl · Years: to 1990 · Language: eng"
    assert shown in librarian.get("/staff/exports/").text
    said = (
        "export of the records matching \u201cperl\u201d; published to 1990; in language eng, "
        "started"
    )
    assert said in librarian.get(started.url).text
    librarian.post("/staff/exports/", {"format": "csv", "year_from": "1990", "year_to": "2010"})
    assert "Years: 1990 to 2010" in librarian.get("/staff/exports/").text
    assert "year_to=" not in librarian.get("/staff/exports/").text


def _inline(prefix: str, rows: list[dict[str, str]], initial: int = 0) -> dict[str, str]:
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}  # fmt: skip
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{name}": value for name, value in row.items()})
    return data


def _record_form(title: str, **inlines: list[dict[str, str]]) -> dict[str, str]:
    data = {"title": title, "subtitle": "", "publisher": "Ace", "publication_year": "1965",
            "edition": "", "language": "eng", "series": "", "summary": "",
            "control_number": "", "control_number_source": ""}  # fmt: skip
    for prefix in ("credits", "subject_links", "identifiers", "items"):
        data.update(_inline(prefix, inlines.get(prefix, [])))
    return data


def test_catalog_admin_writes_keep_search_and_the_change_feed(librarian):
    with schema_context("alpha"):
        herbert = Contributor.objects.create(name="Frank Herbert", name_key="frank herbert")
        shelf = location_create(code="MAIN", name="Main shelves")
        first_change = Change.objects.order_by("-id").values_list("id", flat=True).first() or 0

    added = librarian.post(
        "/admin/catalog/record/add/",
        _record_form(
            "Dune",
            credits=[{"contributor": str(herbert.pk), "role": "author"}],
            identifiers=[{"kind": "isbn", "value": "0-441-17271-7"}],
            items=[{"barcode": "B-100", "call_number": "SF HER", "location": str(shelf.pk),
                    "status": "available", "public_note": ""}],
        ),
    )  # fmt: skip
    assert added.status_code == 302, added.content.decode()[:3000]
    with schema_context("alpha"):
        record = Record.objects.get()
        item = Item.objects.get()
        assert [r.pk for r in record_search(q="herbert")] == [record.pk]
        assert record.identifiers.get().value == "9780441172719"
        feed = list(Change.objects.filter(id__gt=first_change).values_list("entity", "action"))
    assert sorted(feed) == [("item", "created"), ("record", "created")]

    suggested = librarian.get(
        "/admin/autocomplete/",
        {"app_label": "catalog", "model_name": "recordcontributor",
         "field_name": "contributor", "term": "herb"},
    )  # fmt: skip
    assert [r["text"] for r in suggested.json()["results"]] == ["Frank Herbert"]
    pages = [
        "/admin/",
        "/admin/catalog/record/add/",
        f"/admin/catalog/record/{record.pk}/change/",
        "/admin/catalog/item/",
        "/admin/catalog/location/",
        "/admin/catalog/subject/",
        "/admin/catalog/record/?language=eng&decade=1960",
    ]
    for path in pages:
        assert librarian.get(path).status_code == 200, path
    filtered = librarian.get("/admin/catalog/record/", {"decade": "1950"})
    assert "Dune" not in filtered.text
    found = librarian.get("/admin/catalog/record/", {"q": "Herbert"})
    assert "Dune" in found.text
    assert '<td class="field-copies">1</td>' in found.text
    assert '<td class="field-items_kept">1</td>' in librarian.get("/admin/catalog/location/").text
    assert "Dune" in librarian.get("/admin/catalog/record/", {"q": "9780441172719"}).text
    assert "B-100" in librarian.get("/admin/catalog/item/", {"q": "B-100"}).text

    item_row = {"id": str(item.pk), "record": str(record.pk), "barcode": "B-100",
                "call_number": "SF HER", "location": str(shelf.pk), "status": "available",
                "public_note": ""}  # fmt: skip
    with schema_context("alpha"):
        credit = record.credits.get()
    edited = librarian.post(
        f"/admin/catalog/record/{record.pk}/change/",
        _record_form("Dune Messiah", items=[item_row]) | _inline(
            "credits", [{"id": str(credit.pk), "record": str(record.pk),
                         "contributor": str(herbert.pk), "role": "author"}], initial=1,
        ) | _inline("items", [item_row], initial=1),
    )  # fmt: skip
    assert edited.status_code == 302, edited.content.decode()[:3000]
    with schema_context("alpha"):
        record.refresh_from_db()
        assert (record.title, record.version) == ("Dune Messiah", 2)
        assert [r.pk for r in record_search(q="messiah")] == [record.pk]
        assert Change.objects.filter(
            entity="record", entity_id=record.pk, action="updated"
        ).exists()

    withdrawn = librarian.post(
        "/admin/catalog/item/", {"action": "items_withdraw", "_selected_action": [str(item.pk)]}
    )
    assert withdrawn.status_code == 302
    with schema_context("alpha"):
        item.refresh_from_db()
        assert (item.status, item.version) == ("withdrawn", 2)
        assert Change.objects.filter(entity="item", entity_id=item.pk, action="updated").exists()

    deleted = librarian.post(f"/admin/catalog/record/{record.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    with schema_context("alpha"):
        assert not Record.objects.exists()
        gone = set(Change.objects.filter(action="deleted").values_list("entity", "entity_id"))
    assert gone == {("record", record.pk), ("item", item.pk)}


def test_viewer_reads_the_catalog_admin_but_cannot_change_it(viewer):
    with schema_context("alpha"):
        record = record_create(data=RecordData(title="Dune"))
        item = item_create(record_id=record.pk, data=ItemData(barcode="B-1"))

    listing = viewer.get("/admin/catalog/record/")
    assert listing.status_code == 200
    assert "Dune" in listing.text
    assert viewer.get("/admin/catalog/record/add/").status_code == 403
    view = viewer.get(f"/admin/catalog/record/{record.pk}/change/")
    assert view.status_code == 200
    assert 'name="title"' not in view.text
    changed = viewer.post(f"/admin/catalog/record/{record.pk}/change/", _record_form("Changed"))
    assert changed.status_code == 403
    withdrawn = viewer.post(
        "/admin/catalog/item/", {"action": "items_withdraw", "_selected_action": [str(item.pk)]}
    )
    assert withdrawn.status_code in (200, 302, 403)
    with schema_context("alpha"):
        record.refresh_from_db()
        item.refresh_from_db()
        assert (record.title, record.version, item.status) == ("Dune", 1, "available")


def test_signup_status_links_the_library_on_the_same_port(db, django_capture_on_commit_callbacks):
    browser = Client(HTTP_HOST="localhost:8000")
    with django_capture_on_commit_callbacks(execute=True):
        body = {"name": "Theta Library", "subdomain": "theta", "admin_email": "a@t.example"}
        response = browser.post("/signup/", body)
    assert response.status_code == 302
    assert browser.post(confirmation_link()["path"]).url == response.url
    with django_capture_on_commit_callbacks(execute=True):
        signup_provision(signup_id=Signup.objects.get().pk)
    ready = browser.get(response.url).text
    assert 'href="http://theta.localhost:8000/"' in ready
    assert 'href="http://theta.localhost:8000/staff/login/"' in ready
    plain = Client(HTTP_HOST="localhost").get(response.url).text
    assert 'href="http://theta.localhost/"' in plain


# --- Another library's staff -----------------------------------------------------------------


def test_another_librarys_session_opens_none_of_these_pages(library, other_library):
    with schema_context("alpha"):
        record = record_create(data=RecordData(title="Alpha only"))
        location = Location.objects.create(code="A", name="Alpha shelf")
        job = ImportJob.objects.create(format="csv", file_name="a.csv", status="staged")
        export = ExportJob.objects.create(format="csv", status="done")
    beta = signed_in(OTHER_LIBRARY_HOST, "beta", "admin@beta.example", client_class=Client)
    assert beta.get("/staff/imports/").status_code == 200
    intruder = Client(HTTP_HOST=LIBRARY_HOST)
    session_key = beta.cookies[settings.SESSION_COOKIE_NAME].value
    intruder.cookies[settings.SESSION_COOKIE_NAME] = session_key

    for path in ("/staff/", "/staff/imports/", "/staff/exports/", f"/staff/imports/{job.pk}/",
                 f"/staff/imports/{job.pk}/rejects/", f"/staff/exports/{export.pk}/",
                 f"/staff/exports/{export.pk}/download/", "/staff/people/"):  # fmt: skip
        response = intruder.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith("/staff/login/"), path
    for path in ("/admin/", "/admin/catalog/record/", f"/admin/catalog/record/{record.pk}/change/",
                 f"/admin/catalog/location/{location.pk}/change/"):  # fmt: skip
        response = intruder.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith("/admin/login/"), path
        assert "Alpha only" not in response.content.decode()
    assert intruder.post(f"/staff/imports/{job.pk}/commit/").status_code == 302
    assert intruder.post("/staff/exports/", {"format": "csv"}).status_code == 302
    deleted = intruder.post(f"/admin/catalog/record/{record.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302

    # On its own host, B's staff meet A's ids as strangers.
    for path in (f"/staff/imports/{job.pk}/", f"/staff/exports/{export.pk}/",
                 f"/staff/imports/{job.pk}/rejects/", f"/staff/exports/{export.pk}/download/",
                 f"/admin/catalog/record/{record.pk}/change/"):  # fmt: skip
        assert beta.get(path).status_code in (404, 302), path
        assert "Alpha only" not in beta.get(path).content.decode()
    assert beta.get(f"/staff/imports/{job.pk}/").status_code == 404
    assert beta.get(f"/api/v1/imports/{job.pk}/").status_code == 404  # what the bar polls
    assert beta.post(f"/staff/imports/{job.pk}/commit/").status_code == 404
    assert beta.post(f"/staff/imports/{job.pk}/cancel/").status_code == 404

    with schema_context("alpha"):
        assert ImportJob.objects.get(pk=job.pk).status == "staged"
        assert Record.objects.filter(pk=record.pk, title="Alpha only").exists()
        assert ExportJob.objects.count() == 1
    with schema_context("beta"):
        assert not ImportJob.objects.exists()
        assert not ExportJob.objects.exists()


def test_catalog_lists_take_as_many_queries_for_many_rows_as_for_few(librarian):
    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert librarian.get(path).status_code == 200
        return len(captured)

    def add(count: int, start: int) -> None:
        with schema_context("alpha"):
            for n in range(start, start + count):
                record = record_create(
                    data=RecordData(title=f"Book {n}", contributors=[(f"Author {n}", "author")])
                )
                item_create(record_id=record.pk, data=ItemData(barcode=f"B-{n}"))

    add(2, 0)
    paths = ["/admin/catalog/record/", "/admin/catalog/item/", "/admin/catalog/location/",
             "/staff/imports/", "/staff/exports/"]  # fmt: skip
    librarian.get("/staff/")  # the host's library is looked up once, then cached
    few = {path: queries(path) for path in paths}
    add(20, 100)
    many = {path: queries(path) for path in few}
    assert many == few
