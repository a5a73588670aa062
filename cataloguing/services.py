"""The workspace's one-step save: a record and its first copy, through the catalog's services."""

from django.db import transaction

from catalog.models import Item, Record
from catalog.services import ItemData, RecordData, item_create, record_create


@transaction.atomic
def record_with_item_create(*, record: RecordData, item: ItemData) -> tuple[Record, Item]:
    """Create a record and its copy together: if the copy is refused, so is the record."""
    created = record_create(data=record)
    return created, item_create(record_id=created.pk, data=item)
