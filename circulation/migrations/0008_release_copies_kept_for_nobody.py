"""Copies left on the hold shelf for nobody (their patron was lent another copy of the title,
which fulfilled the hold) go back to the shelves, with a change feed entry each: no patron
can borrow them and no count of available copies includes them until then. A title someone
waits for lists such a copy among the holds to pull."""

from django.db import migrations

FORWARD = """
WITH freed AS (
    UPDATE catalog_item i SET status = 'available', version = i.version + 1, updated_at = now()
    WHERE i.status = 'on_hold_shelf'
      AND NOT EXISTS (SELECT 1 FROM circulation_hold h
                      WHERE h.item_id = i.id AND h.status = 'ready')
    RETURNING i.id
)
INSERT INTO catalog_change (entity, entity_id, action, at)
SELECT 'item', id, 'updated', now() FROM freed ORDER BY id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("circulation", "0007_holds_on_missing_copies_requeued"),
    ]

    operations = [migrations.RunSQL(FORWARD, migrations.RunSQL.noop)]
