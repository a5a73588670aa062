"""Every catalog write's bookkeeping: the change feed, the versions that refuse stale writes
and the records' OAI-PMH datestamps."""

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import DateTimeField, F, QuerySet, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy

from catalog.models import Change, Record
from common.errors import PreconditionFailed, Versions, version_expected_check
from common.sql import bulk_cursor

# Rows per INSERT: the feed is written on every catalog and desk write, so its statement is
# written out rather than built by the ORM, whose bulk_create costs more than the insert.
_CHANGES_BATCH = 1000
_CHANGE_ROW = "(%s, %s, %s, %s)"


def changes_log(entity: str, ids: Iterable[int], action: str) -> None:
    """Append to the change feed. Writers of one library take turns from here to their commit,
    so feed ids become visible in increasing order and a reader resuming after id N never
    misses a change committed later with a smaller id."""
    entity_ids = list(ids)
    if not entity_ids:
        return
    changes_lock()
    at = timezone.now()
    with connection.cursor() as cursor:
        for start in range(0, len(entity_ids), _CHANGES_BATCH):
            batch = entity_ids[start : start + _CHANGES_BATCH]
            cursor.execute(
                f"INSERT INTO {Change._meta.db_table} (entity, entity_id, action, at) VALUES "  # noqa: S608 - placeholders only
                + ", ".join([_CHANGE_ROW] * len(batch)),
                [value for pk in batch for value in (entity, pk, action, at)],
            )


def changes_lock() -> None:
    """Take the library's turn to write the change feed, until this transaction ends. Every
    writer of the feed takes it just before taking feed ids (see changes_log)."""
    with bulk_cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext('catalog_change'), hashtext(current_schema()))"
        )


# What a stale write is told, by the kind of object it changed.
_STALE = {
    "record": gettext_lazy(
        "The record changed since you read it (version %(current)s, you sent %(expected)s). "
        "Fetch it again and reapply your change."
    ),
    "item": gettext_lazy(
        "The item changed since you read it (version %(current)s, you sent %(expected)s). "
        "Fetch it again and reapply your change."
    ),
}


# What a write is told that names a version the object never had.
_NEVER_HAD = {
    "record": gettext_lazy(
        "Version %(expected)s is not one this record has had (it is at version %(current)s): "
        "send the ETag a read of it answered."
    ),
    "item": gettext_lazy(
        "Version %(expected)s is not one this item has had (it is at version %(current)s): "
        "send the ETag a read of it answered."
    ),
}


def version_check(entity: str, current: int, expected: Versions | None) -> None:
    """Refuse a write made from a stale copy (412), when the caller says which version it read."""
    version_expected_check(
        current=current, expected=expected, code=PreconditionFailed.code,
        stale=str(_STALE.get(entity, _STALE["record"])),
        never_had=str(_NEVER_HAD.get(entity, _NEVER_HAD["record"])),
    )  # fmt: skip


def datestamps_move(record_ids: Iterable[int] | QuerySet[Any]) -> None:
    """Move to now the OAI-PMH datestamps of records whose harvested form changed without a
    save of the record (its copies' 852s or sets, a heading it links to), never backwards:
    a harvest from an earlier time then fetches them again."""
    now = Value(timezone.now(), output_field=DateTimeField())
    Record.objects.filter(pk__in=record_ids).update(
        harvest_datestamp=Greatest(F("harvest_datestamp"), now)
    )
