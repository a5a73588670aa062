"""Libraries as Citus distributed schemas, when the database is a Citus coordinator.

With `STACKS_CITUS` on, each library schema becomes a distributed schema as soon as it is
made (template clone or spare): its tables move together to one worker node, and the
application keeps talking to the coordinator, where `search_path` still picks the library.
The template stays a plain schema on the coordinator (cloning it is then a local copy), and
so do the platform's tables in `public`: no library table points at them. Tables that later
migrations add to a distributed schema are distributed by Citus itself.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection


def citus_enabled() -> bool:
    return bool(getattr(settings, "STACKS_CITUS", False))


def schema_is_distributed(schema_name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_dist_schema s JOIN pg_namespace n "
            "ON n.oid = s.schemaid WHERE n.nspname = %s)",
            [schema_name],
        )
        return bool(cursor.fetchone()[0])


def schema_distribute(*, schema_name: str) -> bool:
    """Make `schema_name` a distributed schema (a no-op without Citus or when it already is
    one), inside the caller's transaction. The copy the coordinator keeps of the rows is
    emptied: the worker's is the one read from now on. Returns whether it distributed."""
    if not citus_enabled() or schema_is_distributed(schema_name):
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT citus_schema_distribute(%s)", [schema_name])
        cursor.execute(
            "SELECT truncate_local_data_after_distributing_table(c.oid) FROM pg_class c "
            "WHERE c.relnamespace = to_regnamespace(%s) AND c.relkind = 'r'",
            [schema_name],
        )
    return True


@dataclass(frozen=True)
class SchemaPlacement:
    schema_name: str
    host: str
    port: int


def schema_placement(schema_name: str) -> SchemaPlacement | None:
    """The node holding a distributed schema's tables, or None for a plain schema."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nodename, n.nodeport FROM pg_dist_schema s "
            "JOIN pg_namespace ns ON ns.oid = s.schemaid "
            "JOIN pg_dist_partition p ON p.colocationid = s.colocationid "
            "JOIN pg_dist_shard sh ON sh.logicalrelid = p.logicalrelid "
            "JOIN pg_dist_placement pl ON pl.shardid = sh.shardid "
            "JOIN pg_dist_node n ON n.groupid = pl.groupid "
            "WHERE ns.nspname = %s LIMIT 1",
            [schema_name],
        )
        row = cursor.fetchone()
    return SchemaPlacement(schema_name, row[0], int(row[1])) if row else None


def schema_move(*, schema_name: str, host: str, port: int) -> None:
    """Move a distributed schema's tables to the node at host:port. Reads go on; writes to
    that library wait for the copy's last step (`block_writes`: no logical replication
    slot, which needs the tables to have a replica identity Citus can use for every row)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT citus_schema_move(%s, %s, %s, shard_transfer_mode := 'block_writes')",
            [schema_name, host, port],
        )
