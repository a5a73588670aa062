"""Records as the catalog holds them, to compare an incoming record with and to restore."""

import base64
from typing import Any

from catalog.models import Identifier, Item, Record, RecordContributor, RecordSubject
from catalog.services import RECORD_FIELDS, RecordData
from catalog.text import name_key, nonfiling_of, sort_title_for

_FIELDS = ["id", *RECORD_FIELDS, "sort_title", "source_marc"]


def record_comparable(data: RecordData) -> dict[str, Any]:
    """What an import compares to tell an identical record: the fields as the catalog keeps
    them, names and headings by their keys."""
    return {
        **{name: getattr(data, name) for name in RECORD_FIELDS},
        "title": data.title.strip(),
        "contributors": [(name_key(n), r) for n, r in data.contributors if name_key(n)],
        "subjects": sorted({(s, name_key(h)) for h, s in data.subjects if name_key(h)}),
        "identifiers": sorted(set(data.identifiers)),
    }


def record_snapshots(record_ids: list[int]) -> dict[int, dict[str, Any]]:
    """What the catalog holds for these records, in a form to compare with and to restore."""
    snapshots: dict[int, dict[str, Any]] = {}
    if not record_ids:
        return snapshots
    for row in Record.objects.filter(pk__in=record_ids).values(*_FIELDS):
        marc = row.pop("source_marc")
        snapshots[row["id"]] = {
            **row,
            "source_marc": base64.b64encode(bytes(marc)).decode() if marc else None,
            "contributors": [],
            "subjects": [],
            "identifiers": [],
            "barcodes": [],
        }
    credits = RecordContributor.objects.filter(record_id__in=record_ids).order_by(
        "record_id", "position"
    )
    for record_id, name, role in credits.values_list("record_id", "contributor__name", "role"):
        snapshots[record_id]["contributors"].append((name, role))
    links = RecordSubject.objects.filter(record_id__in=record_ids).order_by("record_id", "position")
    for record_id, heading, scheme in links.values_list(
        "record_id", "subject__heading", "subject__scheme"
    ):
        snapshots[record_id]["subjects"].append((heading, scheme))
    for record_id, kind, value in Identifier.objects.filter(record_id__in=record_ids).values_list(
        "record_id", "kind", "value"
    ):
        snapshots[record_id]["identifiers"].append((kind, value))
    for record_id, barcode in Item.objects.filter(record_id__in=record_ids).values_list(
        "record_id", "barcode"
    ):
        snapshots[record_id]["barcodes"].append(barcode)
    for snapshot in snapshots.values():
        snapshot["comparable"] = record_comparable(snapshot_data(snapshot))
    return snapshots


def snapshot_data(snapshot: dict[str, Any]) -> RecordData:
    """A snapshot as the record data to write back (what a revert restores)."""
    marc = snapshot["source_marc"]
    return RecordData(
        **{name: snapshot[name] for name in RECORD_FIELDS},
        contributors=[tuple(pair) for pair in snapshot["contributors"]],
        subjects=[tuple(pair) for pair in snapshot["subjects"]],
        identifiers=[tuple(pair) for pair in snapshot["identifiers"]],
        source_marc=base64.b64decode(marc) if marc else None,
        nonfiling=nonfiling_of(snapshot["title"], snapshot.get("sort_title", "")),
    )


def snapshot_with(
    snapshot: dict[str, Any], data: RecordData, barcodes: list[str]
) -> dict[str, Any]:
    """A record's snapshot as it would be once `data` is written to it and it holds copies
    with these `barcodes` (what earlier rows of a staged file leave it as)."""
    marc = data.source_marc
    return {
        **snapshot,
        **{name: getattr(data, name) for name in RECORD_FIELDS},
        "source_marc": base64.b64encode(bytes(marc)).decode() if marc else None,
        "sort_title": sort_title_for(data.title, data.nonfiling),
        "contributors": list(data.contributors),
        "subjects": list(data.subjects),
        "identifiers": list(data.identifiers),
        "barcodes": barcodes,
        "comparable": record_comparable(data),
    }
