"""Build anew the shared pool's search vectors written before its search read text without
accents: a record by "García Márquez" kept a vector that "Garcia Marquez" misses."""

from django.db import migrations

from tenants.pool import pool_vectors_refold


def vectors_unaccent(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    # The pool's own builder, so the vectors are the ones a sync writes today; the pool is
    # in the public schema only, and a pool without accented text has nothing rebuilt.
    if schema_editor.connection.schema_name == "public":
        pool_vectors_refold()


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0008_signup_language"),
    ]

    operations = [
        migrations.RunPython(vectors_unaccent, migrations.RunPython.noop, elidable=True),
    ]
