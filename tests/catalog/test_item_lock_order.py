"""A copy's write and its record's delete at the same moment: both take the record before the
copy, so one waits for the other and neither ends on a deadlock error."""

import threading

from django.db import transaction
from django_tenants.utils import schema_context

from catalog.models import Item, Record
from catalog.services import ItemData, RecordData, item_create, item_update, record_create
from catalog.services.records import record_delete
from common.errors import NotFound
from tenants.services import ProvisionedLibrary
from tests.threads import SchemaThread, waiting_on_locks


def test_a_copy_written_while_its_record_is_deleted_waits_and_is_told_it_is_gone(
    live_library: ProvisionedLibrary,
) -> None:
    schema = live_library.library.schema_name
    with schema_context(schema):
        record = record_create(data=RecordData(title="The Word for World Is Forest"))
        item = item_create(record_id=record.pk, data=ItemData(barcode="LOCK-1"))
    holding, release = threading.Event(), threading.Event()

    def delete() -> None:
        # As record_delete itself begins: the record locked first, then its copies.
        with transaction.atomic():
            list(Record.objects.select_for_update().filter(pk=record.pk))
            holding.set()
            release.wait(30)
            record_delete(record_id=record.pk)

    deleting = SchemaThread(schema, delete)
    deleting.start()
    assert holding.wait(30)
    writing = SchemaThread(
        schema, lambda: item_update(item_id=item.pk, data=ItemData(barcode="LOCK-2"))
    )
    writing.start()
    waiting_on_locks(1)
    release.set()
    for thread in (deleting, writing):
        thread.join(60)

    assert deleting.error is None, deleting.error
    assert isinstance(writing.error, NotFound), writing.error
    with schema_context(schema):
        assert not Record.objects.filter(pk=record.pk).exists()
        assert not Item.objects.filter(pk=item.pk).exists()
