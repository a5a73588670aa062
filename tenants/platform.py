"""What platform operators do with libraries: list with counts, suspend, reactivate, delete."""

import difflib
from dataclasses import dataclass
from typing import Any, cast

from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext
from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper

from common.errors import first_or_not_found
from tenants.bundles import library_bundle_write
from tenants.domains import library_cache_forget
from tenants.models import Library
from tenants.services import SCHEMA_NAME_RE, library_drop


@dataclass(frozen=True)
class LibraryCounts:
    records: int
    items: int
    storage_bytes: int


def on_platform_host() -> bool:
    """Whether this request or task runs in the platform's own (public) schema."""
    # django-stubs types `connection` as Django's own wrapper; here it is django-tenants'.
    return cast(TenantDatabaseWrapper, connection).schema_name == "public"


def is_platform_operator(user: Any) -> bool:
    """A staff account of the platform itself: active staff in the public schema's accounts."""
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def library_list() -> QuerySet[Library]:
    return Library.objects.exclude(schema_name="public").order_by("schema_name")


def library_for_command(given: str) -> Library:
    """The library a management command's --library names: its schema name (bu_lyon), its name
    as sign-up gave it (bu-lyon), or one of its host names (bu-lyon.stacks.example). A miss says
    what is taken, and the nearest schema names."""
    name = given.strip().lower().rstrip(".")
    libraries = library_list()
    found = (
        libraries.filter(schema_name__in=[name, name.replace("-", "_")]).first()
        or libraries.filter(domains__domain=name).first()
    )
    if found is not None:
        return found
    schemas = list(libraries.values_list("schema_name", flat=True))
    near = difflib.get_close_matches(name.replace("-", "_").split(".")[0], schemas, n=3)
    hint = f" Did you mean {', '.join(near)}?" if near else ""
    raise CommandError(
        f"No library {given!r}: give its schema name, its name as signed up or one of its host "
        f"names.{hint}"
    )


def library_get(*, schema_name: str) -> Library:
    library = first_or_not_found(
        library_list().filter(schema_name=schema_name), gettext("No such library.")
    )
    return library


def library_counts(schema_names: list[str]) -> dict[str, LibraryCounts]:
    """Records, items and bytes on disk of each library, in one query for the whole page."""
    names = [s for s in schema_names if SCHEMA_NAME_RE.match(s)]
    if not names:
        return {}
    # Schema names come from the library table and match SCHEMA_NAME_RE; they are quoted too.
    parts = [
        f'SELECT %s, (SELECT count(*) FROM "{s}".catalog_record), '  # noqa: S608
        f'(SELECT count(*) FROM "{s}".catalog_item)'
        for s in names
    ]
    counts_sql = " UNION ALL ".join(parts)
    sql = (
        f"WITH counts(schema_name, records, items) AS ({counts_sql}), "  # noqa: S608 - quoted names
        "sizes AS (SELECT n.nspname AS schema_name, "
        "sum(pg_total_relation_size(c.oid))::bigint AS bytes FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'm', 'p') AND n.nspname = ANY(%s) GROUP BY 1) "
        "SELECT counts.schema_name, counts.records, counts.items, coalesce(sizes.bytes, 0) "
        "FROM counts LEFT JOIN sizes USING (schema_name)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*names, names])
        rows = cursor.fetchall()
    return {
        row[0]: LibraryCounts(records=row[1], items=row[2], storage_bytes=row[3]) for row in rows
    }


def _status_set(*, library: Library, status: str) -> Library:
    with transaction.atomic():
        Library.objects.filter(pk=library.pk).update(status=status)
        library.status = status
    # Hosts read the library (and its status) from the cached lookup.
    library_cache_forget(library)
    return library


def library_suspend(*, library: Library) -> Library:
    """Its hosts answer 403 and its worker tasks are refused until it is reactivated."""
    return _status_set(library=library, status=Library.Status.SUSPENDED)


def library_reactivate(*, library: Library) -> Library:
    return _status_set(library=library, status=Library.Status.ACTIVE)


def library_delete(*, library: Library) -> str:
    """Write the library's export bundle, then drop it. Returns the bundle's storage name."""
    bundle = library_bundle_write(library=library)
    library_drop(library=library)
    return bundle
