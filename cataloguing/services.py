"""The workspace's writes: a record and its first copy in one step, and a source's cover,
through the catalog's services."""

from django.db import transaction
from django.utils.translation import gettext as _

from catalog.images import CoverRefused
from catalog.models import Item, Record
from catalog.services import ItemData, RecordData, item_create, record_cover_set, record_create
from cataloguing.sources import SourceFailed, cover_fetch


@transaction.atomic
def record_with_item_create(*, record: RecordData, item: ItemData) -> tuple[Record, Item]:
    """Create a record and its copy together: if the copy is refused, so is the record."""
    created = record_create(data=record)
    return created, item_create(record_id=created.pk, data=item)


def record_cover_fetch(*, record_id: int, url: str, source: str) -> Record:
    """Give a record the cover a source offered at `url`. CoverRefused, saying why, when the
    source does not answer in time, answers too much, or answers with no usable picture."""
    try:
        image = cover_fetch(url)
    except SourceFailed as error:
        raise CoverRefused(
            _("%(source)s did not give its cover (%(why)s).") % {"source": source, "why": error}
        ) from error
    return record_cover_set(record_id=record_id, image=image)
