"""Barcodes the library gives out, whoever holds them: a barcode is a copy's or a card's, not both.

The circulation desk scans one barcode and tells a copy from a patron's card by it alone, so a
barcode one kind of holder has is refused to every other. The catalog registers its copies and
circulation its patrons (the catalog knows nothing of patrons); every write of a barcode, from
the staff pages, the API or an import, asks the holders of the other kinds.

Case does not tell barcodes apart either: scanners send one case, people type either, and the
desk finds a barcode in whatever case it was typed. So a copy's barcode and a card's must differ
other than by case; holders are asked for barcodes in any case (`barcodes_matching`). Two
holders of one kind (two copies, two cards) are kept apart in any case by that kind's writers,
which ask `barcodes_alike`; a barcode holds nothing that cannot be typed at the desk either
(`barcode_unprintable`).

Two writers at once, a copy's and a card's, each asking before the other has saved, would both
find the barcode free: asking holds the library's barcodes against the other kinds of holder
until the asking transaction ends, so the question and the write that follows are one step.
Writers of one kind that wait for one another take that hold (`barcodes_hold`) before asking
their own kind in any case, for the same reason.
"""

import unicodedata
from collections.abc import Callable, Collection
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.db.models.functions import Upper
from django.utils.translation import gettext

from common.language import quoted
from common.sql import AnyOf

# The sentence saying who holds each of these barcodes in any case (keyed by the barcode as the
# holder has it), such as "a patron's card": the refusal shows it to whoever gave the barcode.
BarcodeHolders = Callable[[Collection[str]], dict[str, str]]
_HOLDERS: dict[str, BarcodeHolders] = {}
# Kinds whose writers do not wait for one another (see barcode_holders_register).
_MANY_WRITERS: set[str] = set()


def barcode_holders_register(
    kind: str, holders: BarcodeHolders, *, many_writers: bool = False
) -> None:
    """Have every write of a barcode by another kind of holder than `kind` ask `holders`.

    With `many_writers`, this kind's writers do not wait for one another while they ask
    (an import's chunks and the staff's copies are written at once); writers of every other
    kind wait for them, and for each other. Writers of one kind are kept apart by their own
    unique constraint, not by this."""
    _HOLDERS[kind] = holders
    if many_writers:
        _MANY_WRITERS.add(kind)


def barcodes_matching(rows: QuerySet[Any], barcodes: Collection[str]) -> QuerySet[Any]:
    """Those of `rows` whose barcode is one of these in any case, through the index on
    upper(barcode) alone. The barcodes as given are keys too, should Python and the database
    upper-case a letter differently: asked as a second condition (OR barcode IN ...), a
    chunk's thousands of barcodes were planned as a scan of every copy, 0.3 s a chunk."""
    given = set(barcodes)
    keys = sorted({barcode.upper() for barcode in given} | given)
    return rows.order_by().filter(AnyOf(Upper("barcode"), keys))


def barcodes_alike(
    rows: QuerySet[Any], barcodes: Collection[str], *, fields: tuple[str, ...] = ()
) -> dict[str, tuple[Any, ...]]:
    """Those of these barcodes that one of `rows` has only in another case, keyed by the
    barcode as given: that row's barcode as stored, then its `fields`. A barcode one of
    `rows` has exactly is left out (it is taken, not alike)."""
    alike: dict[str, tuple[Any, ...]] = {}
    if not barcodes:
        return alike
    found = barcodes_matching(rows, barcodes).order_by("barcode").values_list("barcode", *fields)
    by_key: dict[str, list[tuple[Any, ...]]] = {}
    for row in found:
        by_key.setdefault(row[0].upper(), []).append(tuple(row))
    for barcode in barcodes:
        stored = by_key.get(barcode.upper(), [])
        if stored and barcode not in (row[0] for row in stored):
            alike[barcode] = stored[0]
    return alike


# Unicode's control and format characters, and its line and paragraph separators.
_UNPRINTABLE = {"Cc", "Cf", "Zl", "Zp"}


def barcode_unprintable(barcode: str) -> str:
    """The refusal of a barcode holding a character no one types at the desk (a tab, a line
    break), or "" for one that holds none."""
    if not any(unicodedata.category(char) in _UNPRINTABLE for char in barcode):
        return ""
    return gettext(
        "Barcode %(barcode)s holds a control character (a tab, a line break or the like), "
        "which cannot be typed at the desk: give it without one."
    ) % {"barcode": quoted(barcode)}


def barcodes_held(barcodes: Collection[str], *, asking: str) -> dict[str, str]:
    """Which of these barcodes (in any case) a holder of another kind than `asking` has, and
    who it is; keyed by the barcodes as given."""
    held: dict[str, str] = {}
    if not barcodes:
        return held
    barcodes_hold(asking=asking)
    by_key: dict[str, list[str]] = {}
    for barcode in barcodes:
        by_key.setdefault(barcode.upper(), []).append(barcode)
    for kind, holders in _HOLDERS.items():
        if kind != asking:
            for stored, holder in holders(barcodes).items():
                for barcode in by_key.get(stored.upper(), []):
                    held.setdefault(barcode, holder)
    return held


def barcodes_hold(*, asking: str) -> None:
    """Hold the library's barcodes against writers of other kinds than `asking` until the
    current transaction ends (outside one there is no write to hold them for). A writer that
    asks its own kind's holders for a barcode in another case (`barcodes_alike`) takes this
    first, so that a writer of its kind that is not `many_writers` has committed, or not yet
    written, when it asks."""
    if not connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute(_HOLD_SHARED if asking in _MANY_WRITERS else _HOLD)


_HOLD = "SELECT pg_advisory_xact_lock(hashtext('barcodes'), hashtext(current_schema()))"
_HOLD_SHARED = _HOLD.replace("pg_advisory_xact_lock", "pg_advisory_xact_lock_shared")
