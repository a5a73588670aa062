"""Holds trapped for a copy that is not on the hold shelf (staff marked it missing, lost or
otherwise before the hold shelf was a status of its own, so 0005 left it) go back to waiting,
in their place in the queue: the next copy returned or fetched is trapped for them, where
they would otherwise wait for a copy nobody can find until their shelf date expired them."""

from django.db import migrations

FORWARD = """
UPDATE circulation_hold h SET status = 'waiting', item_id = NULL, shelf_until = NULL
WHERE h.status = 'ready' AND NOT EXISTS (
    SELECT 1 FROM catalog_item i WHERE i.id = h.item_id AND i.status = 'on_hold_shelf'
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0010_item_on_hold_shelf"),
        ("circulation", "0006_loan_item_protect"),
    ]

    operations = [migrations.RunSQL(FORWARD, migrations.RunSQL.noop)]
