"""Patrons blocked over the API before blocks named the key by its name kept who blocked them
as the audit log's "api-key:<prefix>", which means nothing to a librarian: name the key as the
API and the patron page do now ("API key 'Self-check'"), or, for a key since removed, say so."""

from django.db import migrations

from staff.audit import api_key_label

BEFORE = "api-key:"
# A key whose row is gone has no name left to give.
REMOVED = "a removed API key"


def blocked_by_key_names(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    Patron = apps.get_model("circulation", "Patron")
    ApiKey = apps.get_model("staff", "ApiKey")
    blocked = Patron.objects.filter(blocked_by__startswith=BEFORE)
    names = dict(ApiKey.objects.values_list("prefix", "name"))
    for said in set(blocked.values_list("blocked_by", flat=True)):
        name = names.get(said.removeprefix(BEFORE))
        blocked.filter(blocked_by=said).update(
            blocked_by=REMOVED if name is None else api_key_label(name)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("circulation", "0014_patron_import_categories_created"),
        # Only the keys' names and prefixes, which staff's first migration made.
        ("staff", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(blocked_by_key_names, migrations.RunPython.noop, elidable=True),
    ]
