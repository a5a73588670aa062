"""Copies already trapped for a hold take the status that says so, with a change feed entry
each, so that counts of available copies and readers of the feed leave them out."""

from django.db import migrations

FORWARD = """
WITH held AS (
    UPDATE catalog_item i SET status = 'on_hold_shelf', version = i.version + 1,
                              updated_at = now()
    FROM circulation_hold h
    WHERE h.item_id = i.id AND h.status = 'ready' AND i.status = 'available'
    RETURNING i.id
)
INSERT INTO catalog_change (entity, entity_id, action, at)
SELECT 'item', id, 'updated', now() FROM held ORDER BY id
"""

BACKWARD = """
WITH freed AS (
    UPDATE catalog_item SET status = 'available', version = version + 1, updated_at = now()
    WHERE status = 'on_hold_shelf'
    RETURNING id
)
INSERT INTO catalog_change (entity, entity_id, action, at)
SELECT 'item', id, 'updated', now() FROM freed ORDER BY id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0010_item_on_hold_shelf"),
        ("circulation", "0004_patron_version"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
