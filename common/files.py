"""Names of a library's files in Django's storage."""

from django.db import connection


def library_file_name(*parts: str) -> str:
    """`<schema>/<parts...>`: every file of a library lives under its schema's name, so that
    deleting the library finds them all (tenants.storage)."""
    schema = connection.schema_name  # type: ignore[attr-defined]
    return "/".join([schema, *parts])
