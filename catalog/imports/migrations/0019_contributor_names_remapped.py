"""Name anew the contributors an import stored with ISBD's closing punctuation or a person's
dates run into the name ("Hunter, Dan, 1966-"), where no librarian has renamed them since."""

from django.db import migrations

from catalog.imports.remapped import contributor_names_remapped


def names_remapped(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    # The mapping's own reading of each source MARC, in the library's schema that
    # django-tenants migrates; a contributor typed or renamed by hand is left as it is.
    contributor_names_remapped()


class Migration(migrations.Migration):
    # Not one transaction: the renaming commits its batches one by one.
    atomic = False

    dependencies = [
        ("imports", "0018_job_queue_missed"),
        ("catalog", "0017_search_vectors_apostrophes"),
    ]

    operations = [
        migrations.RunPython(names_remapped, migrations.RunPython.noop, elidable=True),
    ]
