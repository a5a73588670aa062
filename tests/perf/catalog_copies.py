"""A large benchmark catalog made quickly: a filled library's records copied inside PostgreSQL.

Filling 1,000,000 records through the import's path takes most of an hour on a loaded
machine; copying 100,000 of them nine times over with INSERT ... SELECT takes minutes. Each
copy keeps its original's words, vector, ranks for the search terms, credits, subjects and
identifiers (an ISBN then names ten records), and gets barcodes and control numbers of its
own, so that the catalog reads as one ten times the size, its words spread as before.
"""

from django.db import connection
from django_tenants.utils import schema_context

from catalog.imports.accounting import CATALOG_TABLES
from catalog.models import Record

_RECORD_COLUMNS = (
    "title, subtitle, publisher, publication_year, edition, language, series, summary, "
    "control_number_source, source_marc, sort_title, version, created_at, updated_at"
)
_ITEM_COLUMNS = (
    "call_number, status, price, acquired_on, public_note, staff_note, version, created_at, "
    "updated_at, location_id"
)


def catalog_copy(schema: str, *, copies: int) -> int:
    """Add `copies` copies of every record of the library (ids past the last); the count."""
    with schema_context(schema), connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
        cursor.execute("SELECT max(id) FROM catalog_record")
        last = cursor.fetchone()[0]
        # Copy k of each row, in id order copy by copy (as imports lay a catalog down).
        copy = "FROM generate_series(1, %s) k CROSS JOIN {table} t WHERE {id} <= %s "
        copy += "ORDER BY k, {id}"
        params = [last, copies, last]
        cursor.execute(
            f"INSERT INTO catalog_record (id, control_number, {_RECORD_COLUMNS}) "
            f"SELECT t.id + k * %s, t.control_number || '-' || k, {_RECORD_COLUMNS} "
            + copy.format(table="catalog_record", id="t.id"),
            params,
        )
        cursor.execute(
            "INSERT INTO catalog_recordsearch (record_id, vector) "
            "SELECT t.record_id + k * %s, t.vector "
            + copy.format(table="catalog_recordsearch", id="t.record_id"),
            params,
        )
        cursor.execute(
            "INSERT INTO catalog_searchtermrank (record_id, term, rank) "
            "SELECT t.record_id + k * %s, t.term, t.rank "
            + copy.format(table="catalog_searchtermrank", id="t.record_id"),
            params,
        )
        cursor.execute("UPDATE catalog_searchterm SET records = records * %s", [copies + 1])
        for table, columns in (
            ("catalog_recordcontributor", "role, position, contributor_id"),
            ("catalog_recordsubject", "position, subject_id"),
            ("catalog_identifier", "kind, value"),
        ):
            cursor.execute(
                f"INSERT INTO {table} (record_id, {columns}) "
                f"SELECT t.record_id + k * %s, {columns} "
                + copy.format(table=table, id="t.record_id"),
                params,
            )
        cursor.execute(
            f"INSERT INTO catalog_item (record_id, barcode, {_ITEM_COLUMNS}) "
            f"SELECT t.record_id + k * %s, t.barcode || '-' || k, {_ITEM_COLUMNS} "
            + copy.format(table="catalog_item", id="t.record_id"),
            params,
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('catalog_record', 'id'), "
            "(SELECT max(id) FROM catalog_record))"
        )
        cursor.execute("SET synchronous_commit TO on")
        cursor.execute(
            "VACUUM (ANALYZE) catalog_record, catalog_recordsearch, catalog_searchtermrank"
        )
        for table in CATALOG_TABLES:
            cursor.execute(f"ANALYZE {table._meta.db_table}")
        return Record.objects.count()
