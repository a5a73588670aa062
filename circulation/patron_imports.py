"""Patrons from a CSV file: staged first (each row's action and the reason for it), then
committed in one transaction, with the rejected rows to download, fix and send again."""

import csv
import io
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from circulation.models import Patron, PatronImport, PatronImportRow
from circulation.services import PatronData, patron_fields_apply
from common.errors import ApplicationError, Conflict, NotFound

COLUMNS = ["name", "barcode", "email", "category", "expires_on", "notes"]
MAX_ROWS = 100_000
MAX_BYTES = 20 * 1024 * 1024


def patron_import_template() -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerow(["Shevek Anarres", "P000123", "shevek@example.org", "adult", "2027-12-31", ""])
    return out.getvalue()


def _decide(
    cells: dict[str, str], existing: Patron | None, seen: set[str]
) -> tuple[str, str, dict[str, Any]]:
    """(action, reason, data) for one row."""
    barcode = cells.get("barcode", "").strip()
    expires_text = cells.get("expires_on", "").strip()
    problems = []
    expires_on = None
    if expires_text:
        try:
            expires_on = date.fromisoformat(expires_text)
        except ValueError:
            problems.append(f"expires_on {expires_text!r} is not a date (YYYY-MM-DD)")
    email = cells.get("email", "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(f"{email!r} is not an email address")
    data = {
        "name": cells.get("name", "").strip(), "barcode": barcode, "email": email,
        "category": cells.get("category", "").strip() or "adult",
        "expires_on": expires_on.isoformat() if expires_on else None,
        "notes": cells.get("notes", "").strip(),
    }  # fmt: skip
    if barcode in seen:
        problems.append(f"barcode {barcode!r} is on an earlier line of this file")
    if not problems:
        try:
            # A stand-in with the patron's id: checks like an update, changes nothing.
            patron_fields_apply(Patron(pk=existing.pk if existing else None), _patron_data(data))
        except ApplicationError as exc:
            problems.append(exc.message)
    if problems:
        return PatronImportRow.Action.REJECT, "; ".join(problems), data
    seen.add(barcode)
    if existing is None:
        return PatronImportRow.Action.CREATE, "new barcode", data
    current = {
        "name": existing.name, "barcode": existing.barcode, "email": existing.email,
        "category": existing.category,
        "expires_on": existing.expires_on.isoformat() if existing.expires_on else None,
        "notes": existing.notes,
    }  # fmt: skip
    if current == data:
        return PatronImportRow.Action.UNCHANGED, "the patron already reads so", data
    changed = ", ".join(k for k in COLUMNS if current[k] != data[k])
    return PatronImportRow.Action.UPDATE, f"barcode matches a patron; changes {changed}", data


def _patron_data(data: dict[str, Any]) -> PatronData:
    expires = data.get("expires_on")
    return PatronData(
        name=data["name"], barcode=data["barcode"], email=data["email"],
        category=data["category"], expires_on=date.fromisoformat(expires) if expires else None,
        notes=data["notes"],
    )  # fmt: skip


def _rows(content: bytes) -> Iterable[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApplicationError("The file is not UTF-8 text.", code="invalid_file") from None
    return csv.reader(io.StringIO(text))


@transaction.atomic
def patron_import_stage(
    *, content: bytes, file_name: str, started_by_label: str = ""
) -> PatronImport:
    """Read the file and stage every row with its action; nothing changes until commit."""
    if len(content) > MAX_BYTES:
        raise ApplicationError(f"The file is too large (at most {MAX_BYTES:,} bytes).")
    lines = _rows(content)
    header = [cell.strip().lower() for cell in next(iter(lines), [])]
    if "barcode" not in header or "name" not in header:
        raise ApplicationError(
            "The first line names the columns; name and barcode are needed "
            f"({', '.join(COLUMNS)}).",
            code="invalid_file",
        )
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise ApplicationError(
            f"Unknown columns: {', '.join(unknown)} (known: {', '.join(COLUMNS)}).",
            code="invalid_file",
        )
    parsed = [(n, row) for n, row in enumerate(lines, start=2) if any(c.strip() for c in row)]
    if len(parsed) > MAX_ROWS:
        raise ApplicationError(f"At most {MAX_ROWS:,} patrons a file.")
    barcodes = [
        row[header.index("barcode")].strip()
        for _, row in parsed
        if len(row) > header.index("barcode")
    ]
    existing = {p.barcode: p for p in Patron.objects.filter(barcode__in=barcodes)}
    job = PatronImport.objects.create(
        file_name=file_name[:255], started_by_label=started_by_label[:255]
    )
    seen: set[str] = set()
    staged = []
    for position, row in parsed:
        action: str
        data: dict[str, Any]
        if len(row) != len(header):
            action = PatronImportRow.Action.REJECT
            reason, data = f"{len(row)} cells where the header has {len(header)}", {}
        else:
            cells = dict(zip(header, row, strict=True))
            action, reason, data = _decide(cells, existing.get(cells["barcode"].strip()), seen)
        staged.append(PatronImportRow(job=job, position=position, action=action, reason=reason,
                                      data=data, raw=row))  # fmt: skip
    PatronImportRow.objects.bulk_create(staged, batch_size=2000)
    _account(job, staged)
    return job


def _account(job: PatronImport, rows: list[PatronImportRow]) -> None:
    job.total = len(rows)
    job.created = sum(r.action == PatronImportRow.Action.CREATE for r in rows)
    job.updated = sum(r.action == PatronImportRow.Action.UPDATE for r in rows)
    job.unchanged = sum(r.action == PatronImportRow.Action.UNCHANGED for r in rows)
    job.rejected = sum(r.action == PatronImportRow.Action.REJECT for r in rows)
    job.save(update_fields=["total", "created", "updated", "unchanged", "rejected"])


@transaction.atomic
def patron_import_commit(*, job_id: int) -> PatronImport:
    """Apply a staged file in one transaction. Rows are decided again against the patrons as
    they are now (another import or the desk may have changed them since the preview)."""
    job = PatronImport.objects.select_for_update().filter(pk=job_id).first()
    if job is None:
        raise NotFound("No such patron import.")
    if job.status != PatronImport.Status.STAGED:
        raise Conflict(f"This import is {job.get_status_display().lower()}.", code="not_staged")
    rows = list(job.rows.exclude(action=PatronImportRow.Action.REJECT).order_by("position"))
    barcodes = [r.data["barcode"] for r in rows]
    existing = {
        p.barcode: p for p in Patron.objects.select_for_update().filter(barcode__in=barcodes)
    }
    seen: set[str] = set()
    creates: list[Patron] = []
    for row in rows:
        cells = {k: (row.data.get(k) or "") for k in COLUMNS}
        row.action, row.reason, row.data = _decide(cells, existing.get(row.data["barcode"]), seen)
        if row.action == PatronImportRow.Action.CREATE:
            patron = Patron()
            patron_fields_apply(patron, _patron_data(row.data))
            creates.append(patron)
        elif row.action == PatronImportRow.Action.UPDATE:
            patron = existing[row.data["barcode"]]
            patron_fields_apply(patron, _patron_data(row.data))
            patron.save()
    Patron.objects.bulk_create(creates, batch_size=2000)
    PatronImportRow.objects.bulk_update(rows, ["action", "reason", "data"], batch_size=2000)
    _account(job, list(job.rows.all()))
    job.status = PatronImport.Status.COMMITTED
    job.committed_at = timezone.now()
    job.save(update_fields=["status", "committed_at"])
    return job


@transaction.atomic
def patron_import_cancel(*, job_id: int) -> PatronImport:
    job = PatronImport.objects.select_for_update().filter(pk=job_id).first()
    if job is None:
        raise NotFound("No such patron import.")
    if job.status != PatronImport.Status.STAGED:
        raise Conflict(f"This import is {job.get_status_display().lower()}.", code="not_staged")
    job.status = PatronImport.Status.CANCELLED
    job.save(update_fields=["status"])
    return job


def patron_import_list() -> QuerySet[PatronImport]:
    return PatronImport.objects.all()


def patron_import_get(*, job_id: int) -> PatronImport:
    job = PatronImport.objects.filter(pk=job_id).first()
    if job is None:
        raise NotFound("No such patron import.")
    return job


def patron_import_rows(*, job: PatronImport, action: str = "") -> QuerySet[PatronImportRow]:
    rows = job.rows.all()
    return rows.filter(action=action) if action else rows


def patron_import_rejects_csv(*, job: PatronImport) -> str:
    """The rejected lines as they came, with the reason in a last column, to fix and resend."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*COLUMNS, "reason"])
    for row in job.rows.filter(action=PatronImportRow.Action.REJECT).order_by("position"):
        cells = list(row.raw)[: len(COLUMNS)]
        writer.writerow(
            [*cells, *[""] * (len(COLUMNS) - len(cells)), f"line {row.position}: {row.reason}"]
        )
    return out.getvalue()
