"""Build anew the shared pool's search vectors written before its search read an apostrophe
inside a word as not there: a record by "O'Brien" kept a vector that "obrien" misses."""

from django.db import migrations

from tenants.pool import pool_vectors_refold


def vectors_apostrophes(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    # The pool's own builder, so the vectors are the ones a sync writes today; the pool is
    # in the public schema only, and a pool without such apostrophes has nothing rebuilt.
    if schema_editor.connection.schema_name == "public":
        pool_vectors_refold()


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0010_library_contact_email"),
    ]

    operations = [
        migrations.RunPython(vectors_apostrophes, migrations.RunPython.noop, elidable=True),
    ]
