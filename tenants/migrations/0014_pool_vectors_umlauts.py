"""Build anew the shared pool's search vectors written before its search spelt a word's
umlauts out (ä=ae, ö=oe, ü=ue): a record by "Müller" kept a vector that "Mueller" misses."""

from django.db import migrations

from tenants.pool import pool_vectors_refold


def vectors_umlauts(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    # The pool's own builder, so the vectors are the ones a sync writes today; the pool is
    # in the public schema only, and a pool of ASCII text has nothing rebuilt.
    if schema_editor.connection.schema_name == "public":
        pool_vectors_refold()


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0013_signup_pending_words"),
    ]

    operations = [
        migrations.RunPython(vectors_umlauts, migrations.RunPython.noop, elidable=True),
    ]
