"""Record covers: set from a picture (checked and resized first), removed, and their files
deleted once the change is committed. A cover change moves the record's version and the
change feed, so cached pages and the feed's readers see it."""

import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from catalog.images import CoverImage, cover_file_name, cover_images_make
from catalog.models import Change, Record
from catalog.services.changes import changes_log, version_check
from common.errors import NotFound, Versions, first_or_not_found
from common.files import library_file_name

_COVER_FIELDS = [
    "cover", "cover_thumb_width", "cover_thumb_height", "cover_large_width",
    "cover_large_height", "version", "updated_at",
]  # fmt: skip


def cover_files_delete(cover: str) -> None:
    """Delete a cover's files (once the transaction that let go of them commits)."""
    if not cover:
        return

    def delete() -> None:
        for size in ("thumb", "large"):
            default_storage.delete(cover_file_name(cover, size))

    transaction.on_commit(delete)


def _locked(record_id: int, expected_version: Versions | None) -> Record:
    record = first_or_not_found(
        Record.objects.select_for_update().filter(pk=record_id), _("No such record.")
    )
    version_check("record", record.version, expected_version)
    return record


def _cover_save(record: Record, cover: str, images: dict[str, CoverImage]) -> None:
    previous = record.cover
    record.cover = cover
    record.cover_thumb_width = images["thumb"].width if cover else 0
    record.cover_thumb_height = images["thumb"].height if cover else 0
    record.cover_large_width = images["large"].width if cover else 0
    record.cover_large_height = images["large"].height if cover else 0
    record.version = F("version") + 1  # type: ignore[assignment]
    record.save(update_fields=_COVER_FIELDS)
    record.refresh_from_db(fields=["version", "updated_at"])
    changes_log(Change.Entity.RECORD, [record.pk], Change.Action.UPDATED)
    cover_files_delete(previous)


def record_cover_set(
    *, record_id: int, image: bytes, expected_version: Versions | None = None
) -> Record:
    """Give a record the cover in `image` (a JPEG, PNG, WebP or GIF file's bytes), replacing
    any it had. CoverRefused (nothing stored, nothing changed) for a file that cannot be one;
    with `expected_version`, a stale write is refused (412)."""
    # Decoded and resized before the record is locked: it takes a moment.
    images = {
        made.size: made
        for made in cover_images_make(image, max_bytes=settings.STACKS_COVER_MAX_BYTES)
    }
    cover = library_file_name("covers", str(record_id), secrets.token_hex(8))
    written: list[str] = []
    try:
        for size, made in images.items():
            name = cover_file_name(cover, size)
            written.append(default_storage.save(name, ContentFile(made.data)))
        with transaction.atomic():
            record = _locked(record_id, expected_version)
            _cover_save(record, cover, images)
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise
    return record


@transaction.atomic
def record_cover_remove(*, record_id: int, expected_version: Versions | None = None) -> Record:
    """Take a record's cover away and delete its files. NotFound if it has none."""
    record = _locked(record_id, expected_version)
    if not record.cover:
        raise NotFound(_("This record has no cover."))
    _cover_save(record, "", {})
    return record
