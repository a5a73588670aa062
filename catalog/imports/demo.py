"""The demo catalog: real MARC records (pymarc's test files) with copies, for `make up`."""

import io
from dataclasses import dataclass
from pathlib import Path

from catalog.imports.models import ImportJob
from catalog.imports.services import import_job_create
from catalog.models import Record
from catalog.services import location_get_or_create
from common.errors import ApplicationError

MARC_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "marc"
# Real records from pymarc's test suite (BSD-2-Clause, see LICENSE.pymarc beside them).
DEMO_FILES = [
    "test.dat", "marc.dat", "regression45.dat", "diacritic.dat", "multi_isbn.dat", "marc8.dat",
]  # fmt: skip
LOCATIONS = {"MAIN": "Main Library", "EAST": "East Branch"}
LABEL = "demo catalog"

FIELD_END = b"\x1e"
RECORD_END = b"\x1d"
SUBFIELD = b"\x1f"


def holding_field(*, location: str, call_number: str, barcode: str) -> bytes:
    """An MARC 852 field (blank indicators): $b location, $h call number, $p barcode."""
    parts = [(b"b", location), (b"h", call_number), (b"p", barcode)]
    return b"  " + b"".join(SUBFIELD + code + value.encode() for code, value in parts if value)


def with_fields(raw: bytes, fields: list[tuple[bytes, bytes]]) -> bytes:
    """An ISO 2709 record with (tag, data) fields appended, its other bytes untouched (so a
    MARC-8 record stays MARC-8)."""
    base = int(raw[12:17])
    directory = raw[24 : base - 1]
    data = raw[base:].rstrip(RECORD_END)
    for tag, body in fields:
        body += FIELD_END
        directory += tag + b"%04d%05d" % (len(body), len(data))
        data += body
    base = 24 + len(directory) + 1
    length = base + len(data) + 1
    leader = b"%05d" % length + raw[5:12] + b"%05d" % base + raw[17:24]
    return leader + directory + FIELD_END + data + RECORD_END


def _call_number(raw: bytes) -> str:
    """The LC call number (050 $a $b) of an ISO 2709 record, read from its directory."""
    base = int(raw[12:17])
    directory = raw[24 : base - 1]
    for at in range(0, len(directory) - 11, 12):
        if directory[at : at + 3] == b"050":
            length, start = int(directory[at + 3 : at + 7]), int(directory[at + 7 : at + 12])
            subfields = raw[base + start : base + start + length].rstrip(FIELD_END).split(SUBFIELD)
            parts = [
                s[1:].decode("ascii", "replace").strip() for s in subfields[1:] if s[:1] in b"ab"
            ]
            return " ".join(p for p in parts if p)[:200]
    return ""


def demo_marc() -> tuple[bytes, int]:
    """The demo files as one MARC file, each record with a copy or two (852 holdings)."""
    out = io.BytesIO()
    count = 0
    for name in DEMO_FILES:
        for raw in (MARC_DIR / name).read_bytes().split(RECORD_END):
            if len(raw.strip()) < 24:
                continue
            raw += RECORD_END
            count += 1
            call_number = _call_number(raw) or f"DEMO {count:03d}"
            holdings = [("MAIN", f"DEMO{count:04d}A")]
            if count % 3 == 0:
                holdings.append(("EAST", f"DEMO{count:04d}B"))
            fields = [
                (b"852", holding_field(location=loc, call_number=call_number, barcode=barcode))
                for loc, barcode in holdings
            ]
            out.write(with_fields(raw, fields))
    return out.getvalue(), count


@dataclass(frozen=True)
class DemoLoad:
    """What `demo_catalog_queue` did: the job it queued, or why it queued none."""

    job: ImportJob | None
    records: int = 0
    skipped_because: str = ""


def demo_catalog_queue() -> DemoLoad:
    """Queue the demo import (one-shot, on a worker) unless the catalog has records or a demo
    import was queued before, whatever became of it."""
    if not all((MARC_DIR / name).is_file() for name in DEMO_FILES):
        raise ApplicationError(f"The demo MARC files are not in {MARC_DIR}.")
    earlier = ImportJob.objects.filter(started_by_label=LABEL).order_by("pk").first()
    if earlier is not None:
        return DemoLoad(None, skipped_because=f"import {earlier.pk} ({earlier.status})")
    if Record.objects.exists():
        return DemoLoad(None, skipped_because="records")
    for code, name in LOCATIONS.items():
        location_get_or_create(code=code, name=name)
    marc, count = demo_marc()
    job = import_job_create(
        file=io.BytesIO(marc),
        file_name="demo-catalog.mrc",
        format="marc",
        one_shot=True,
        started_by_label=LABEL,
    )
    return DemoLoad(job, records=count)
