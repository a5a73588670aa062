"""Build anew the search vectors that were written before search folded text to NFKC: a
record with full-width letters or ligatures kept a vector that a folded query misses."""

from django.db import migrations

from catalog.services.search_index import record_search_refold


def vectors_fold(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    # The services' own builder, so the vectors are the ones a save writes today; it runs in
    # the library's schema that django-tenants migrates.
    record_search_refold()


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0006_links_without_database_foreign_keys"),
    ]

    operations = [
        migrations.RunPython(vectors_fold, migrations.RunPython.noop, elidable=True),
    ]
