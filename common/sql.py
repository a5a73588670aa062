"""Bulk writes with PostgreSQL's COPY: the set-based path that makes large imports fast."""

import io
import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import date, datetime
from typing import Any, TypeVar

from django.conf import settings
from django.db import InternalError, OperationalError, connection, models, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Lookup

T = TypeVar("T")

# COPY's text format: backslash escapes; NUL cannot be stored in PostgreSQL text at all.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x00": ""})


def cell(value: Any) -> str:
    """Any value as a cell of COPY's text format."""
    kind = type(value)
    if kind is str:
        return text(value)
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
    """Run the bulk statements inside on one cursor: each new cursor first sets the library's
    search path, a round trip of its own, and an import's chunk runs dozens of statements."""
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


class AnyOf(Lookup):  # type: ignore[type-arg]
    """`AnyOf(expression, values)`, a filter of its own: the expression equals one of the
    values, sent as one array parameter (`= ANY(%s)`). `__in` prepares each value, builds a
    placeholder for it and quotes it apart: for an import chunk's thousands of barcodes or
    keys, that took the reader thread several times as long as the query's answer."""

    lookup_name = "any"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*params, list(self.rhs)]


def text(value: str) -> str:
    """A string as a cell of COPY's text format, for lines built by hand."""
    # A test for each character, a fast scan each, costs a fraction of a regular expression.
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value or "\x00" in value:
        return value.translate(_ESCAPES)
    return value


def text_cells(values: Sequence[str]) -> str:
    """Strings as tab-separated cells of COPY's text format: the joined line is looked over
    once, and the cells escaped one by one only when it holds a character to escape."""
    line = "\t".join(values)
    if line.count("\t") == len(values) - 1 and not (
        "\\" in line or "\n" in line or "\r" in line or "\x00" in line
    ):
        return line
    return "\t".join([text(value) for value in values])


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
        # The sequence is looked up once, not once for each id.
        cursor.execute(
            "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, 'id')::regclass AS seq) "
            "SELECT nextval(s.seq) FROM s, generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


# PostgreSQL's code for a lock wait that ran out of lock_timeout.
LOCK_NOT_AVAILABLE = "55P03"
# How long lock_waits_retried lets each lock wait run.
LOCK_WAIT = "200ms"


def lock_wait_ran_out(error: BaseException) -> bool:
    """Whether a database error is a lock wait that ran out of lock_timeout: the one error a
    writer that waits a little at a time may try again after."""
    if getattr(error.__cause__, "pgcode", None) == LOCK_NOT_AVAILABLE:
        return True
    # Citus passes a LOCK TABLE on to the library's worker, and reports the worker's lock
    # timeout there as the failure of that essential connection (XX000), not as 55P03.
    return settings.STACKS_CITUS and "failure on connection marked as essential" in str(error)


def _never() -> bool:
    return False


def lock_waits_retried(
    work: Callable[[], T],
    *,
    attempts: int,
    pause: Callable[[int], float],
    give_up: Callable[[], bool] = _never,
    local_settings: Sequence[str] = (),
) -> T | None:
    """Run `work` in a transaction (a savepoint inside the caller's) whose lock waits give up
    after LOCK_WAIT; after such a timeout, roll it back, sleep `pause(attempt)` seconds and run
    it again, so that a wait that would hold others up, or close a lock cycle, steps back.

    `local_settings` ("name = value") are set for the same transaction in the same round
    trip. None once `attempts` ran out; any other error, or a timeout once `give_up()`, is
    raised."""
    statements = "; ".join(
        f"SET LOCAL {s}" for s in (f"lock_timeout = '{LOCK_WAIT}'", *local_settings)
    )
    for attempt in range(1, attempts + 1):
        nested = connection.in_atomic_block
        try:
            with transaction.atomic():
                with bulk_cursor() as cursor:
                    cursor.execute(statements)
                done = work()
        except (OperationalError, InternalError) as error:  # InternalError: see lock_wait_ran_out
            if not lock_wait_ran_out(error) or give_up():
                raise
            time.sleep(pause(attempt))
            continue
        if nested:
            # A SET LOCAL outlives its savepoint: the rest of the caller's transaction waits
            # for locks as it did before.
            with bulk_cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout TO DEFAULT")
        return done
    return None
