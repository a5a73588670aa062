"""Bulk writes with PostgreSQL's COPY: the set-based path that makes large imports fast."""

import io
import json
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.db.backends.utils import CursorWrapper

# COPY's text format: backslash escapes; NUL cannot be stored in PostgreSQL text at all.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x00": ""})
_SPECIAL = re.compile(r"[\\\t\n\r\x00]")


def cell(value: Any) -> str:
    """Any value as a cell of COPY's text format."""
    kind = type(value)
    if kind is str:
        return value.translate(_ESCAPES) if _SPECIAL.search(value) else value
    if kind is int:
        return str(value)
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, bytes | memoryview):
        return "\\\\x" + bytes(value).hex()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list):
        return "{" + ",".join(str(int(v)) for v in value) + "}"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":")).translate(_ESCAPES)
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    return str(value)


_held = threading.local()


@contextmanager
def one_cursor() -> Iterator[None]:
    """Run the bulk statements inside on one cursor. Each new cursor first sets the library's
    search path, a round trip of its own: two dozen a chunk, a fifth of an import's time."""
    with bulk_cursor() as cursor:
        _held.cursor = cursor
        try:
            yield
        finally:
            _held.cursor = None


def bulk_cursor() -> AbstractContextManager[CursorWrapper]:
    """The cursor `one_cursor` holds, or a new one outside it."""
    held = getattr(_held, "cursor", None)
    return nullcontext(held) if held is not None else connection.cursor()


def text(value: str) -> str:
    """A string as a cell of COPY's text format, for lines built by hand."""
    return value.translate(_ESCAPES) if _SPECIAL.search(value) else value


def lines_copy(table: str, columns: Sequence[str], lines: list[str]) -> int:
    """COPY lines already in COPY's text format (cells joined by tabs, escaped with `text`):
    the bulk paths build them with f-strings, a function call per row instead of per cell."""
    if not lines:
        return 0
    lines.append("")
    data = "\n".join(lines).encode()
    lines.pop()
    quoted = connection.ops.quote_name(table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with bulk_cursor() as cursor:
        # Handed over in one read: psycopg2 reads 8 KiB at a time by default, taking the GIL
        # back for each read, and a busy reader thread made every one of them wait.
        cursor.copy_expert(f"COPY {quoted} ({names}) FROM STDIN", io.BytesIO(data), len(data))
    return len(lines)


def ids_reserve(model: type[models.Model], count: int) -> list[int]:
    """Primary keys for rows about to be copied, taken from the table's own sequence."""
    if count <= 0:
        return []
    with bulk_cursor() as cursor:
        # The sequence is looked up once (a catalog lookup per id made this 8x slower).
        cursor.execute(
            "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, 'id')::regclass AS seq) "
            "SELECT nextval(s.seq) FROM s, generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


# PostgreSQL's code for a lock wait that ran out of lock_timeout.
LOCK_NOT_AVAILABLE = "55P03"


def lock_wait_ran_out(error: BaseException) -> bool:
    """Whether a database error is a lock wait that ran out of lock_timeout: the one error a
    writer that waits a little at a time may try again after."""
    if getattr(error.__cause__, "pgcode", None) == LOCK_NOT_AVAILABLE:
        return True
    # Citus passes a LOCK TABLE on to the library's worker, and reports the worker's lock
    # timeout there as the failure of that essential connection (XX000), not as 55P03.
    return settings.STACKS_CITUS and "failure on connection marked as essential" in str(error)
