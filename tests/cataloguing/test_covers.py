"""Covers in the workspace: taken from the source that offered the record (served here by the
recorded server, slow or wrong on purpose too), or uploaded on the record's page."""

import copy
import io
import json
import re

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context
from PIL import Image

from catalog.models import Record
from catalog.services import RecordData, record_cover_set, record_create
from cataloguing.sources import SourceFailed, cover_fetch
from staff.services import user_create
from tests.cataloguing.conftest import OPEN_LIBRARY_COVER, RecordedServer, open_library_recorded
from tests.cataloguing.test_add_page import _fields
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST
from tests.tenants.admin_helpers import signed_in

AUSTEN = "9780141439518"
COVER = OPEN_LIBRARY_COVER


@pytest.fixture
def open_library(recorded_server: RecordedServer, settings) -> RecordedServer:
    settings.STACKS_LOOKUP_SOURCES = open_library_recorded(recorded_server, AUSTEN)
    return recorded_server


def _prefilled(librarian: Client) -> tuple[str, dict[str, str]]:
    page = librarian.get("/staff/add/", {"isbn": AUSTEN})
    assert page.status_code == 200
    html = page.content.decode()
    values = _fields(html)
    values["barcode"] = "COVER-1"
    return html, values


def _saved(librarian: Client, values: dict[str, str]) -> tuple[Record, str]:
    saved = librarian.post("/staff/add/", values)
    assert saved.status_code == 302, saved.content.decode()[:3000]
    record_id = int(saved["Location"].rsplit("=", 1)[1])
    with schema_context("alpha"):
        record = Record.objects.get(pk=record_id)
    return record, librarian.get(saved["Location"]).content.decode()


def test_the_sources_cover_is_taken_with_one_tick(library, librarian, open_library):
    html, values = _prefilled(librarian)
    assert re.search(r'<input type="checkbox" name="cover_use" id="id_cover_use" checked>', html)
    # The source is named by its configured label, not its name.
    assert ">Check the record from Open Library</h2>" in html
    label = '<label for="id_cover_use" class="inline">Use the cover from Open Library</label>'
    assert label in html
    values["cover_use"] = "on"
    record, after = _saved(librarian, values)
    assert record.title == "Pride and Prejudice"
    assert (record.cover_large_width, record.cover_large_height) == (360, 540)
    assert (record.cover_thumb_width, record.cover_thumb_height) == (120, 180)
    assert "(with its cover)" in after
    assert COVER in open_library.requests
    # The public record page shows it.
    public = Client(HTTP_HOST=LIBRARY_HOST).get(f"/records/{record.pk}/").content.decode()
    assert 'alt="Cover of Pride and Prejudice"' in public


def test_unticked_the_cover_is_not_fetched(library, librarian, open_library):
    _, values = _prefilled(librarian)
    values.pop("cover_use", None)
    record, _ = _saved(librarian, values)
    assert record.cover == ""
    assert COVER not in open_library.requests


def test_only_an_address_a_source_offered_is_fetched(library, librarian, open_library):
    _, values = _prefilled(librarian)
    values["cover_use"] = "on"
    values["cover_offer"] = json.dumps({"url": f"{open_library.url}/elsewhere", "source": "x"})
    record, _ = _saved(librarian, values)
    assert record.cover == ""
    assert not any(path.startswith("/elsewhere") for path in open_library.requests)
    forged = signing.dumps({"url": f"{open_library.url}/elsewhere", "source": "x"}, salt="other")
    values["cover_offer"], values["barcode"] = forged, "COVER-2"
    record, _ = _saved(librarian, values)
    assert record.cover == ""
    assert not any(path.startswith("/elsewhere") for path in open_library.requests)


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ({"delay": 2}, "did not give its cover (no answer within 0.5 s)"),
        ({"status": 404}, "Open Library did not give its cover (Not Found)"),
        ({"content_type": "text/html", "body": b"<html>Rate limited</html>"}, "not a picture"),
    ],
)
def test_a_cover_that_cannot_be_had_leaves_the_book_saved(
    library, librarian, open_library, settings, answer, says
):
    settings.STACKS_COVER_FETCH_SECONDS = 0.5
    cover = open_library.answers[COVER]
    for name, value in answer.items():
        setattr(cover, name, value)
    _, values = _prefilled(librarian)
    values["cover_use"] = "on"
    record, after = _saved(librarian, values)
    assert record.title == "Pride and Prejudice"
    assert record.cover == ""
    warning = re.search(r'<p role="alert" class="error" id="cover-warning">(.*?)</p>', after, re.S)
    assert warning is not None, after[:3000]
    assert "The book is saved without its cover" in warning[1]
    assert says in warning[1]
    with schema_context("alpha"):
        assert record.items.get().barcode == "COVER-1"


def test_a_cover_larger_than_the_limit_is_not_read_past_it(open_library, settings):
    settings.STACKS_COVER_MAX_BYTES = 1000
    with pytest.raises(SourceFailed, match="too large"):
        cover_fetch(f"{open_library.url}{COVER}")
    settings.STACKS_COVER_MAX_BYTES = 10**6
    assert cover_fetch(f"{open_library.url}{COVER}")[:2] == b"\xff\xd8"  # a JPEG
    with pytest.raises(SourceFailed, match="not a web address"):
        cover_fetch("file:///etc/passwd")


# --- Uploads on the record's page --------------------------------------------------------------


@pytest.fixture
def record(library) -> Record:  # type: ignore[no-untyped-def]
    with schema_context("alpha"):
        return record_create(data=RecordData(title="Emma"))


def _upload(data: bytes, name: str = "cover.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 20, 160)).save(out, "PNG")
    return out.getvalue()


def test_upload_replace_and_remove_a_cover(librarian, record):
    page = librarian.get(f"/staff/records/{record.pk}/").content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert "This record has no cover yet." in page
    sent = librarian.post(
        f"/staff/records/{record.pk}/cover/",
        {"picture": _upload(_png(800, 1000)), "version": record.version},
    )
    assert sent.status_code == 302
    page = librarian.get(sent["Location"]).content.decode()
    assert "The cover is saved." in page
    assert 'alt="Cover of Emma"' in page
    with schema_context("alpha"):
        covered = Record.objects.get(pk=record.pk)
    assert (covered.cover_large_width, covered.cover_large_height) == (400, 500)
    removed = librarian.post(
        f"/staff/records/{record.pk}/cover/", {"remove": "1", "version": covered.version}
    )
    assert removed.status_code == 302
    assert "The cover is removed." in librarian.get(removed["Location"]).content.decode()
    with schema_context("alpha"):
        assert Record.objects.get(pk=record.pk).cover == ""


@pytest.mark.parametrize(
    ("data", "status", "says"),
    [
        (b"Title,Author\nEmma,Austen\n", 400, "not a picture this catalog can show"),
        (b"", 400, "The submitted file is empty."),
    ],
)
def test_a_wrong_file_is_explained_and_nothing_changes(librarian, record, data, status, says):
    sent = librarian.post(
        f"/staff/records/{record.pk}/cover/", {"picture": _upload(data, "list.csv")}
    )
    assert sent.status_code == status
    assert says in sent.content.decode()
    with schema_context("alpha"):
        assert Record.objects.get(pk=record.pk).version == record.version


def test_a_picture_past_the_limit_is_refused_unread(librarian, record, settings):
    settings.STACKS_COVER_MAX_BYTES = 2000
    sent = librarian.post(
        f"/staff/records/{record.pk}/cover/", {"picture": _upload(_png(400, 400) + b"\0" * 5000)}
    )
    assert sent.status_code == 400
    assert "The picture is too large" in sent.content.decode()
    with schema_context("alpha"):
        assert Record.objects.get(pk=record.pk).cover == ""


def test_a_stale_page_does_not_replace_a_newer_cover(librarian, record):
    with schema_context("alpha"):
        newer = record_cover_set(record_id=record.pk, image=_png(300, 300))
    sent = librarian.post(
        f"/staff/records/{record.pk}/cover/",
        {"picture": _upload(_png(100, 100)), "version": record.version},
    )
    assert sent.status_code == 412
    assert "changed since you read it" in sent.content.decode()
    with schema_context("alpha"):
        assert Record.objects.get(pk=record.pk).cover == newer.cover


def test_viewers_cannot_change_covers(library, record):
    with schema_context("alpha"):
        user_create(email="viewer@alpha.example", role="viewer")
    viewer = signed_in(LIBRARY_HOST, "alpha", "viewer@alpha.example", client_class=Client)
    sent = viewer.post(f"/staff/records/{record.pk}/cover/", {"picture": _upload(_png(50, 50))})
    assert sent.status_code == 403
    with schema_context("alpha"):
        assert Record.objects.get(pk=record.pk).cover == ""


def test_another_librarys_staff_cannot_set_or_remove_the_cover(library, other_library, record):
    with schema_context("alpha"):
        covered = record_cover_set(record_id=record.pk, image=_png(300, 300))
    beta_admin = signed_in(OTHER_LIBRARY_HOST, "beta", "admin@beta.example", client_class=Client)
    beta_on_alpha = Client(HTTP_HOST=LIBRARY_HOST)
    beta_on_alpha.cookies = copy.deepcopy(beta_admin.cookies)
    for client in (beta_on_alpha, Client(HTTP_HOST=LIBRARY_HOST)):
        for body in ({"picture": _upload(_png(50, 50))}, {"remove": "1"}):
            answer = client.post(f"/staff/records/{record.pk}/cover/", body)
            assert answer.status_code == 302
            assert "/staff/login/" in answer["Location"]
    with schema_context("beta"):
        Record.objects.filter(pk=record.pk).delete()  # beta has no record of that number
    # On its own host, beta's admin does not reach alpha's record.
    for body in ({"picture": _upload(_png(50, 50))}, {"remove": "1"}):
        assert beta_admin.post(f"/staff/records/{record.pk}/cover/", body).status_code == 404
    with schema_context("alpha"):
        after = Record.objects.get(pk=record.pk)
        assert (after.cover, after.version) == (covered.cover, covered.version)
