"""Record covers: pictures checked and resized, stored under the library's path, shown on the
catalog's pages and served only on the library's own host."""

import io
import re

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client, override_settings
from django_tenants.utils import schema_context
from PIL import Image

from catalog.images import MAX_PIXELS, CoverRefused, cover_images_make
from catalog.models import Change, Record
from catalog.services import (
    RecordData,
    record_cover_remove,
    record_cover_set,
    record_create,
    record_delete,
)
from common.errors import PreconditionFailed
from tenants.administration import library_settings_update
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST


def picture(width: int, height: int, fmt: str = "JPEG", **save: object) -> bytes:
    image = Image.new("RGB", (width, height), (200, 40, 40))
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def test_both_sizes_keep_the_aspect_and_fit_their_boxes():
    made = {m.size: m for m in cover_images_make(picture(1000, 1500), max_bytes=10**7)}
    assert (made["thumb"].width, made["thumb"].height) == (120, 180)
    assert (made["large"].width, made["large"].height) == (400, 600)
    wide = {m.size: m for m in cover_images_make(picture(900, 300, "PNG"), max_bytes=10**7)}
    assert (wide["thumb"].width, wide["thumb"].height) == (120, 40)
    assert (wide["large"].width, wide["large"].height) == (400, 133)
    for m in made.values():
        with Image.open(io.BytesIO(m.data)) as decoded:
            assert decoded.format == "WEBP"
            assert decoded.size == (m.width, m.height)


def test_a_small_picture_is_not_enlarged():
    made = {m.size: m for m in cover_images_make(picture(80, 100, "GIF"), max_bytes=10**7)}
    assert (made["large"].width, made["large"].height) == (80, 100)


def test_metadata_is_stripped_and_the_picture_turned_upright():
    image = Image.new("RGB", (300, 200), (10, 120, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to show
    exif[0x010F] = "SecretCam"  # make
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    made = {m.size: m for m in cover_images_make(out.getvalue(), max_bytes=10**7)}
    assert (made["large"].width, made["large"].height) == (200, 300)  # upright: tall
    for m in made.values():
        assert b"SecretCam" not in m.data
        with Image.open(io.BytesIO(m.data)) as decoded:
            assert not decoded.getexif()
            assert "exif" not in decoded.info


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "empty"),
        (b"%PDF-1.4 not a picture at all", "not a picture"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not a picture"),
        (picture(400, 600)[:300], "could not be read"),
    ],
)
def test_what_is_not_a_picture_is_refused_in_plain_words(data, says):
    with pytest.raises(CoverRefused, match=says):
        cover_images_make(data, max_bytes=10**7)


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    bomb = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(bomb, "PNG")  # 100 megapixels in a small file
    assert len(bomb.getvalue()) < 100_000
    assert MAX_PIXELS < 10_000 * 10_000
    with pytest.raises(CoverRefused, match="too many pixels"):
        cover_images_make(bomb.getvalue(), max_bytes=10**7)


def test_a_file_past_the_limit_is_refused():
    data = picture(400, 600)
    with pytest.raises(CoverRefused, match="too large"):
        cover_images_make(data, max_bytes=len(data) - 1)


# --- The service: storage, versions, the change feed -------------------------------------------


@pytest.fixture
def book(in_library) -> Record:  # type: ignore[no-untyped-def]
    return record_create(data=RecordData(title="The Dispossessed"))


def _files(record: Record) -> list[str]:
    return [f"{record.cover}-thumb.webp", f"{record.cover}-large.webp"]


def test_a_cover_is_stored_under_the_library_and_noted_in_the_feed(book):
    before = Change.objects.count()
    covered = record_cover_set(record_id=book.pk, image=picture(500, 750))
    assert covered.cover.startswith(f"alpha/covers/{book.pk}/")
    assert (covered.cover_thumb_width, covered.cover_thumb_height) == (120, 180)
    assert (covered.cover_large_width, covered.cover_large_height) == (400, 600)
    assert covered.version == book.version + 1
    assert all(default_storage.exists(name) for name in _files(covered))
    assert list(Change.objects.order_by("id").values_list("entity", "entity_id", "action"))[
        before:
    ] == [("record", book.pk, "updated")]


def test_a_new_cover_replaces_the_old_files(book, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = record_cover_set(record_id=book.pk, image=picture(500, 750))
    with django_capture_on_commit_callbacks(execute=True):
        second = record_cover_set(record_id=book.pk, image=picture(600, 600, "PNG"))
    assert second.cover != first.cover
    assert not any(default_storage.exists(name) for name in _files(first))
    assert all(default_storage.exists(name) for name in _files(second))


def _stored(record_id: int) -> list[str]:
    folder = f"alpha/covers/{record_id}"
    return default_storage.listdir(folder)[1] if default_storage.exists(folder) else []


def test_a_refused_picture_stores_and_changes_nothing(book):
    with pytest.raises(CoverRefused):
        record_cover_set(record_id=book.pk, image=b"GIF89a broken")
    assert Record.objects.filter(pk=book.pk).values_list("version", "cover").get() == (
        book.version, ""
    )  # fmt: skip
    assert _stored(book.pk) == []


def test_a_stale_cover_write_is_refused_and_leaves_no_file(book):
    with pytest.raises(PreconditionFailed):
        record_cover_set(record_id=book.pk, image=picture(50, 50), expected_version=99)
    assert Record.objects.get(pk=book.pk).cover == ""
    assert _stored(book.pk) == []


def test_removing_the_cover_or_the_record_removes_the_files(
    book, django_capture_on_commit_callbacks
):
    covered = record_cover_set(record_id=book.pk, image=picture(500, 750))
    with django_capture_on_commit_callbacks(execute=True):
        removed = record_cover_remove(record_id=book.pk)
    assert removed.cover == ""
    assert removed.version == covered.version + 1
    assert not any(default_storage.exists(name) for name in _files(covered))
    again = record_cover_set(record_id=book.pk, image=picture(500, 750))
    with django_capture_on_commit_callbacks(execute=True):
        record_delete(record_id=book.pk)
    assert not any(default_storage.exists(name) for name in _files(again))


# --- The website -------------------------------------------------------------------------------


@pytest.fixture
def covered(book) -> Record:
    return record_cover_set(record_id=book.pk, image=picture(500, 750))


def _img(html: str, css_class: str) -> dict[str, str]:
    tag = re.search(rf'<img class="{css_class}"[^>]*>', html)
    assert tag is not None, html[:3000]
    return dict(re.findall(r'(\w[\w-]*)="([^"]*)"', tag.group(0)))


def test_the_record_page_and_the_results_show_the_cover(covered, library):
    reader = Client(HTTP_HOST=LIBRARY_HOST)
    page = reader.get(f"/records/{covered.pk}/")
    large = _img(page.content.decode(), "cover-large")
    assert large["alt"] == "Cover of The Dispossessed"
    assert (large["width"], large["height"]) == ("400", "600")
    assert "loading" not in large
    image = reader.get(large["src"])
    assert image.status_code == 200
    assert image["Content-Type"] == "image/webp"
    assert "immutable" in image["Cache-Control"]
    with Image.open(io.BytesIO(image.content)) as decoded:
        assert decoded.size == (400, 600)
    assert '"image": "http://alpha.localhost/records/' in page.content.decode()
    results = reader.get("/search/", {"q": "dispossessed"}).content.decode()
    thumb = _img(results, "cover-thumb")
    assert thumb["alt"] == "Cover of The Dispossessed"
    assert (thumb["width"], thumb["height"], thumb["loading"]) == ("120", "180", "lazy")
    assert reader.get(thumb["src"]).status_code == 200
    home = reader.get("/").content.decode()
    assert _img(home, "cover-thumb")["src"] == thumb["src"]
    # img-src 'self' already allows them: the CSP holds as it was.
    assert "img-src 'self' data:" in page["Content-Security-Policy"]


def test_a_record_without_a_cover_shows_no_picture(book, library):
    reader = Client(HTTP_HOST=LIBRARY_HOST)
    assert "<img" not in reader.get(f"/records/{book.pk}/").content.decode()
    assert "<img" not in reader.get("/search/", {"q": "dispossessed"}).content.decode()


def test_a_changed_cover_shows_at_once_and_the_old_address_is_gone(covered, library):
    reader = Client(HTTP_HOST=LIBRARY_HOST)
    old = _img(reader.get(f"/records/{covered.pk}/").content.decode(), "cover-large")["src"]
    record_cover_set(record_id=covered.pk, image=picture(800, 800, "PNG"))
    new = _img(reader.get(f"/records/{covered.pk}/").content.decode(), "cover-large")
    assert new["src"] != old
    assert (new["width"], new["height"]) == ("400", "400")
    assert reader.get(old).status_code == 404


def test_another_librarys_host_cannot_fetch_the_cover(covered, other_library):
    src = f"/records/{covered.pk}/cover-{covered.cover_token}-large.webp"
    with schema_context("beta"):
        # Library B has a record of the same number, with no cover of its own: its id sequence
        # is set to give that number (then put back, as sequences ignore the test's rollback).
        if not Record.objects.filter(pk=covered.pk).exists():
            table = Record._meta.db_table
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                (sequence,) = cursor.fetchone()
                cursor.execute("SELECT last_value FROM " + sequence)  # noqa: S608 - our name
                (last,) = cursor.fetchone()
                cursor.execute("SELECT setval(%s, %s, false)", [sequence, covered.pk])
                try:
                    record_create(data=RecordData(title="Beta's book"))
                finally:
                    cursor.execute("SELECT setval(%s, %s)", [sequence, max(last, covered.pk)])
        assert Record.objects.get(pk=covered.pk).cover == ""
    assert Client(HTTP_HOST=OTHER_LIBRARY_HOST).get(src).status_code == 404
    assert Client(HTTP_HOST=LIBRARY_HOST).get(src).status_code == 200


def test_a_closed_catalogs_covers_are_for_its_staff(covered, library):
    library_settings_update(library=library, actor="test", public_catalog=False)
    src = f"/records/{covered.pk}/cover-{covered.cover_token}-thumb.webp"
    assert Client(HTTP_HOST=LIBRARY_HOST).get(src).status_code == 403


@override_settings(STACKS_COVER_MAX_BYTES=1000)
def test_the_limit_comes_from_the_settings(book):
    with pytest.raises(CoverRefused, match=r"up to 0\.001 MB"):
        record_cover_set(record_id=book.pk, image=picture(400, 600, quality=95))
