"""Patrons from a CSV file, as catalog imports go: the request checks and stores the file, the
worker reads it into staged rows (each row's action and the reason for it), staff preview and
confirm, and the worker writes the patrons, a chunk per transaction, counting as it goes. The
rejected rows can be downloaded, fixed and sent again."""

import csv
import difflib
import functools
import io
import re
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Upper
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from catalog.imports.formats.csv_file import MAX_CSV_ROW_CHARS, csv_encoding, csv_rows_read
from catalog.imports.formats.csv_header import csv_column_spelt
from catalog.imports.formats.source import FileUnreadable
from catalog.imports.models import EXCEL_ENCODING, csv_encoding_warning
from catalog.imports.outdated import first_named
from circulation.models import Patron, PatronImport, PatronImportRow
from circulation.selectors import (
    patron_category_choices,
    patron_category_find,
    patron_category_key,
    patron_category_list,
    patron_category_names,
)
from circulation.services import PatronData, patron_fields_apply
from common.csv_delimiters import csv_delimiter
from common.dates import date_read
from common.emails import is_email_address
from common.errors import ApplicationError, Conflict, first_or_not_found
from common.language import library_language, quoted
from common.spreadsheet_csv import spreadsheet_csv
from common.tasks import task_enqueue, task_name

PATRON_IMPORT_RUN = task_name("worker.patron_import_run")
# Lines written per transaction while committing: the page's progress moves a chunk at a time.
CHUNK = 500

COLUMNS = ["name", "barcode", "email", "category", "expires_on", "notes"]
# Each column's labels on the staff pages: a file may name its columns so in any of the
# languages Stacks speaks ("Código de barras", "Code-barres"), the first said in reasons.
COLUMN_LABELS = {
    "name": [gettext_noop("Name")],
    "barcode": [gettext_noop("Barcode")],
    "email": [gettext_noop("Email")],
    "category": [gettext_noop("Category")],
    "expires_on": [
        gettext_noop("Card expires on"), gettext_noop("Card expires"), gettext_noop("Expires")
    ],
    "notes": [gettext_noop("Notes")],
}  # fmt: skip
# Names spreadsheets give these columns that no label of the pages is, each read as the one
# column it can only mean.
COLUMNS_ELSEWHERE = {
    "e-mail": "email", "mail": "email", "correo": "email", "adresse e-mail": "email",
    "adresse électronique": "email", "e-mail-adresse": "email",
    "correo-e": "email", "dirección de correo": "email",
    "code-barre": "barcode", "code barre": "barcode", "strichcode": "barcode",
    "numéro de carte": "barcode", "n° de carte": "barcode", "ausweisnummer": "barcode",
    "número de carné": "barcode", "número de tarjeta": "barcode",
    "nom complet": "name", "nom et prénom": "name", "prénom et nom": "name",
    "vollständiger name": "name", "nombre completo": "name", "nombre y apellidos": "name",
    "expires": "expires_on", "expiry": "expires_on", "expiration": "expires_on",
    "date d'expiration": "expires_on", "fin de validité": "expires_on",
    "date de fin de validité": "expires_on", "valable jusqu'au": "expires_on",
    "date de fin": "expires_on", "expire le": "expires_on",
    "gültig bis": "expires_on", "ablaufdatum": "expires_on", "ausweis gültig bis": "expires_on",
    "gültigkeit": "expires_on", "caducidad": "expires_on", "fecha de caducidad": "expires_on",
    "válido hasta": "expires_on", "fecha de vencimiento": "expires_on",
    "vencimiento": "expires_on", "fecha de expiración": "expires_on",
    "kategorie": "category", "leserkategorie": "category", "type de lecteur": "category",
    "catégorie de lecteur": "category", "catégorie d'usager": "category",
    "categoría de lector": "category", "tipo de lector": "category",
    "remarques": "notes", "commentaire": "notes", "bemerkungen": "notes",
    "anmerkungen": "notes", "observaciones": "notes", "comentarios": "notes",
}  # fmt: skip
# The rejects file's own last column: a fixed rejects file goes back in as it is, its reasons
# read past.
REASON = "reason"
MAX_ROWS = 100_000
# How near (difflib's ratio) a new category's name may come to an existing one's before it is
# taken for a misspelling of it: "Kind" and "Kinder" (0.8) are, "teen" and "team" (0.5) not.
CATEGORY_ALIKE = 0.75
MAX_BYTES = 20 * 1024 * 1024


def patron_import_template() -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerow(["Shevek Anarres", "P000123", "shevek@example.org", "adult", "2027-12-31", ""])
    return out.getvalue()


def _decide(
    cells: dict[str, str],
    existing: Patron | None,
    categories: "_Categories",
    repeats: Sequence[tuple[int, str]] = (),
    *,
    named: dict[str, str] | None = None,
) -> tuple[str, str, dict[str, Any]]:
    """(action, reason, data) for one row; `repeats` are the other lines of the file with its
    barcode in any case, each with the barcode as it has it; `named`, each column's name as
    the file wrote it, which the reason says; a column `cells` lacks is one the file has not.
    A reason is whole sentences."""
    barcode = cells.get("barcode", "").strip()
    expires_text = cells.get("expires_on", "").strip()
    problems = []
    expires_on = None
    if expires_text:
        try:
            # As the patron's page reads it: ISO 8601 or the library language's own forms.
            expires_on = date_read(expires_text)
        except ValueError as exc:
            problems.append(
                _("%(column)s: %(value)s is not a date. %(forms)s")
                % {
                    "column": column_said("expires_on", named),
                    "value": quoted(expires_text),
                    "forms": exc,
                }
            )
    email = cells.get("email", "").strip()
    if email and not is_email_address(email):
        problems.append(_("%(email)s is not an email address.") % {"email": quoted(email)})
    data = {
        "name": cells.get("name", "").strip(), "barcode": barcode, "email": email,
        "category": categories.code(cells.get("category", "").strip() or "adult", problems),
        "expires_on": expires_on.isoformat() if expires_on else None,
        "notes": cells.get("notes", "").strip(),
    }  # fmt: skip
    if existing is not None:
        # A column the file has not says nothing of its field: the patron keeps it (an empty
        # cell of a column the file has is what clears one).
        data |= {k: v for k, v in _patron_fields(existing).items() if k not in cells}
    problems.extend(_repeated(barcode, repeats))
    if not problems:
        try:
            # A stand-in with the patron's id: checks like an update, changes nothing.
            stand_in = Patron(pk=existing.pk, barcode=existing.barcode) if existing else Patron()
            patron_fields_apply(stand_in, _patron_data(data), new_categories=True)
        except ApplicationError as exc:
            problems.append(exc.message)
    if problems:
        return PatronImportRow.Action.REJECT, " ".join(problems), data
    if existing is None:
        return PatronImportRow.Action.CREATE, _("new barcode"), data
    current = _patron_fields(existing)
    if current == data:
        return PatronImportRow.Action.UNCHANGED, _("the patron already reads so"), data
    changed = ", ".join(column_said(k, named) for k in COLUMNS if current[k] != data[k])
    reason = _("barcode matches a patron; changes %(columns)s") % {"columns": changed}
    return PatronImportRow.Action.UPDATE, reason, data


def _patron_fields(patron: Patron) -> dict[str, Any]:
    """The patron's fields as a row's data holds them."""
    return {
        "name": patron.name, "barcode": patron.barcode, "email": patron.email,
        "category": patron.category,
        "expires_on": patron.expires_on.isoformat() if patron.expires_on else None,
        "notes": patron.notes,
    }  # fmt: skip


class _Categories:
    """The category each line names: the code of the library's category that goes by that
    name (its code, or its name in any of Stacks's languages, case and accents aside), else a
    new category by the spelling of the first line that names it, which the preview lists;
    never a new one that looks like an existing one's name in the library's language (a
    lending rule for the one would miss readers of the other)."""

    def __init__(self) -> None:
        self.names = patron_category_names()
        # As the library's staff read them (the worker runs in the library's language).
        self.shown = {patron_category_key(name): name for name in self._shown()}
        self.new: dict[str, str] = {}

    @staticmethod
    def _shown() -> list[str]:
        return [name for _code, name in patron_category_choices()]

    def code(self, given: str, problems: list[str]) -> str:
        code = patron_category_find(given, self.names)
        if code is not None:
            return code
        key = patron_category_key(given)
        if key in self.new:
            return self.new[key]
        alike = difflib.get_close_matches(key, self.shown, n=1, cutoff=CATEGORY_ALIKE)
        if alike:
            problems.append(
                _(
                    "Category %(given)s is none of the library's, but looks like %(existing)s: "
                    "write %(existing)s for that category, or a name unlike it for a new one."
                )
                % {"given": quoted(given), "existing": quoted(self.shown[alike[0]])}
            )
            return given
        self.new[key] = given
        return given


def _repeated(barcode: str, repeats: Sequence[tuple[int, str]]) -> list[str]:
    """Why a line whose barcode other lines give too is refused, naming each: which of them is
    the card's, a librarian knows and the file does not say."""
    said = []
    for line, other in repeats:
        if other == barcode:
            said.append(
                _("Barcode %(barcode)s is on line %(line)s of this file too.")
                % {"barcode": quoted(barcode), "line": line}
            )
        else:
            said.append(
                _(
                    "Barcode %(barcode)s is on line %(line)s of this file too, as %(other)s (the "
                    "desk does not tell upper and lower case apart)."
                )
                % {"barcode": quoted(barcode), "line": line, "other": quoted(other)}
            )
    return said


def _patron_data(data: dict[str, Any]) -> PatronData:
    expires = data.get("expires_on")
    return PatronData(
        name=data["name"], barcode=data["barcode"], email=data["email"],
        category=data["category"], expires_on=date.fromisoformat(expires) if expires else None,
        notes=data["notes"],
    )  # fmt: skip


def _rows_by_line(content: bytes, encoding: str = "") -> Iterator[tuple[int, list[str] | None]]:
    """Each row after the header, with the line of the file it starts on (the header is
    line 1; a cell with a line break in it takes more than one line, as a text editor counts);
    None for a row too long to read. The file is read as a catalog CSV is: UTF-8, or
    Windows-1252 as Excel saves it, with ",", ";" or a tab between columns."""
    rows = _rows(content, encoding)
    next(rows, None)
    yield from rows


def _rows(content: bytes, encoding: str = "") -> Iterator[tuple[int, list[str] | None]]:
    try:
        yield from csv_rows_read(io.BytesIO(content), _header_names(), encoding)
    except FileUnreadable as exc:
        raise ApplicationError(exc.message, code="invalid_file") from None


def patron_upload_check(*, size: int) -> None:
    """Refuse a patron file over MAX_BYTES: the pages and the API ask before reading it."""
    if size > MAX_BYTES:
        raise ApplicationError(
            _("The file is too large (at most %(limit)s bytes).") % {"limit": f"{MAX_BYTES:,}"},
            code="invalid_file",
        )


@functools.cache
def _columns_read_as() -> dict[str, str]:
    """Every name a file's header may give a column, as csv_column_spelt writes it, with the
    column: its own, its labels in each language, and the names of COLUMNS_ELSEWHERE."""
    read = {csv_column_spelt(column): column for column in [*COLUMNS, REASON]}
    for code, _language in settings.LANGUAGES:
        with translation.override(code):
            for column, labels in COLUMN_LABELS.items():
                for label in labels:
                    read.setdefault(csv_column_spelt(_(label)), column)
    for name, column in COLUMNS_ELSEWHERE.items():
        read.setdefault(csv_column_spelt(name), column)
    return read


@functools.cache
def _header_names() -> frozenset[str]:
    """The names csv_delimiter knows a patron file's header by (it compares them lowercased):
    with their accents, as written, or without."""
    written = {name.lower() for name in COLUMNS_ELSEWHERE}
    for code, _language in settings.LANGUAGES:
        with translation.override(code):
            written |= {_(label).lower() for labels in COLUMN_LABELS.values() for label in labels}
    return frozenset([*_columns_read_as(), *written])


def column_said(column: str, named: dict[str, str] | None = None) -> str:
    """A column as a reason names it: as the file named it, else by its label in the active
    language."""
    if named and named.get(column):
        return named[column]
    return _(COLUMN_LABELS[column][0])


def _header(content: bytes) -> tuple[list[str], dict[str, str]]:
    """The file's columns, each as the import reads it (its name in any of Stacks's languages
    is the column), and each read column's name as the file wrote it."""
    patron_upload_check(size=len(content))
    _line, first = next(_rows(content), (1, []))
    written = [cell.strip() for cell in first or []]
    read_as = _columns_read_as()
    header = [read_as.get(csv_column_spelt(name), name) for name in written]
    if "barcode" not in header or "name" not in header:
        raise ApplicationError(
            _(
                "The first line names the columns; name and barcode are needed (%(columns)s). "
                "The file's first line has: %(found)s."
            )
            % {
                "columns": ", ".join(COLUMNS),
                "found": ", ".join(map(quoted, written)) or quoted(""),
            },
            code="invalid_file",
        )
    unknown = [name for name in header if name not in COLUMNS and name != REASON]
    if unknown:
        raise ApplicationError(
            _("Unknown columns: %(unknown)s (known: %(columns)s).")
            % {"unknown": ", ".join(unknown), "columns": ", ".join(COLUMNS)},
            code="invalid_file",
        )
    return header, dict(zip(header, written, strict=True))


@transaction.atomic
def patron_import_create(
    *, content: bytes, file_name: str, started_by_label: str = ""
) -> PatronImport:
    """Check the file's size and columns, store it and queue the worker to read it; the job
    is staged (its preview ready) once the worker has."""
    _header(content)
    job = PatronImport(
        file_name=file_name[:255], started_by_label=started_by_label[:255],
        encoding=csv_encoding(io.BytesIO(content)),
    )  # fmt: skip
    job.file.save("patrons.csv", ContentFile(content), save=False)
    job.save()
    task_enqueue(PATRON_IMPORT_RUN, job.pk, jobs=PatronImport.objects.filter(pk=job.pk))
    return job


def patron_imports_waiting() -> list[int]:
    """The library's patron imports stored while the job queue was away, still to run: the
    workers queue them once it is back (running one twice does nothing twice)."""
    waiting = PatronImport.objects.filter(
        status__in=PatronImport.ACTIVE_STATUSES, queue_missed_at__isnull=False
    )
    return list(waiting.order_by("pk").values_list("pk", flat=True))


def patron_import_run(*, job_id: int) -> PatronImport | None:
    """The worker's part: read a queued file into staged rows, or write a confirmed one a
    chunk at a time. Safe to run twice: each step starts from the job's status, under its lock,
    and a write resumes after the last line written. The reasons it stores are in the
    library's language."""
    # It reached the queue, or the workers queued it again: it waits for the queue no longer.
    PatronImport.objects.filter(pk=job_id, queue_missed_at__isnull=False).update(
        queue_missed_at=None
    )
    with translation.override(library_language()):
        _stage(job_id)
        while _write_chunk(job_id):
            pass
    return PatronImport.objects.filter(pk=job_id).first()


@transaction.atomic
def _stage(job_id: int) -> None:
    job = PatronImport.objects.select_for_update().filter(pk=job_id).first()
    if job is None or job.status != PatronImport.Status.QUEUED:
        return
    try:
        with job.file.open("rb") as stored:
            content = stored.read()
        _stage_rows(job, content)
    except (ApplicationError, OSError) as exc:
        job.status = PatronImport.Status.FAILED
        job.error = getattr(exc, "message", "") or _("The stored file could not be read.")
        job.error_code = getattr(exc, "code", "") or "file_unreadable"
        job.save(update_fields=["status", "error", "error_code"])
        return
    job.status = PatronImport.Status.STAGED
    job.save(update_fields=["status"])


def _stage_rows(job: PatronImport, content: bytes) -> None:
    """Stage every row of the file with its action; nothing changes until commit."""
    header, named = _header(content)
    # Before the patrons are read: one changed while they are is taken for changed since.
    job.decided_at = timezone.now()
    job.save(update_fields=["decided_at"])
    parsed = [
        (n, row)
        for n, row in _rows_by_line(content, job.encoding)
        if row is None or any(c.strip() for c in row)
    ]
    if len(parsed) > MAX_ROWS:
        raise ApplicationError(
            _("At most %(limit)s patrons a file.") % {"limit": f"{MAX_ROWS:,}"},
            code="invalid_file",
        )
    barcodes = [
        row[header.index("barcode")].strip()
        for _n, row in parsed
        if row is not None and len(row) > header.index("barcode")
    ]
    existing = {p.barcode: p for p in Patron.objects.filter(barcode__in=barcodes)}
    # Every line's barcode by its upper case, as the desk compares them: a line whose barcode
    # another line gives is refused with the other, taken or not, for one of them is wrong.
    lines_of: dict[str, list[tuple[int, str]]] = {}
    at = header.index("barcode")
    for position, row in parsed:
        if row is not None and len(row) > at and row[at].strip():
            lines_of.setdefault(row[at].strip().upper(), []).append((position, row[at].strip()))
    staged = []
    categories = _Categories()
    for position, row in parsed:
        action: str
        data: dict[str, Any]
        if row is None:
            action, data, row = PatronImportRow.Action.REJECT, {}, []
            reason = _("The row has %(reason)s: split it, or check its quotes.") % {
                "reason": _("over %(limit)s characters") % {"limit": f"{MAX_CSV_ROW_CHARS:,}"}
            }
        elif len(row) != len(header):
            action = PatronImportRow.Action.REJECT
            reason = _("%(cells)s cells where the header has %(columns)s.") % {
                "cells": len(row),
                "columns": len(header),
            }
            barcode = row[at].strip() if len(row) > at else ""
            reason = " ".join([reason, *_repeated(barcode, _others(lines_of, barcode, position))])
            data = {}
        else:
            cells = {k: v for k, v in zip(header, row, strict=True) if k != REASON}
            barcode = cells["barcode"].strip()
            repeats = _others(lines_of, barcode, position)
            action, reason, data = _decide(
                cells, existing.get(barcode), categories, repeats, named=named
            )
            if job.encoding == EXCEL_ENCODING:
                reason = "; ".join([reason, *_characters_lost(cells, named)])
        staged.append(PatronImportRow(job=job, position=position, action=action, reason=reason,
                                      data=data, raw=row))  # fmt: skip
    PatronImportRow.objects.bulk_create(staged, batch_size=2000)
    _account(job)


# A "?" between two letters: what Excel writes, saving as Windows-1252, for a letter that
# code page lacks ("Nguyễn Thị" becomes "Nguy?n Th?"), so the name is lost, not misspelt.
LOST_LETTER = re.compile(r"[^\W\d_]\?[^\W\d_]")


def _characters_lost(cells: dict[str, str], named: dict[str, str]) -> list[str]:
    """A warning for each text column of a Windows-1252 file with a "?" between letters."""
    return [
        _(
            "%(column)s: %(value)s has a ? where a letter was: saved as Windows-1252, the file "
            "lost letters that code page lacks. Save it as CSV UTF-8 and import it again."
        )
        % {"column": column_said(column, named), "value": quoted(cells[column].strip())}
        for column in ("name", "notes")
        if LOST_LETTER.search(cells.get(column, ""))
    ]


def _others(
    lines_of: dict[str, list[tuple[int, str]]], barcode: str, position: int
) -> list[tuple[int, str]]:
    """The other lines of the file with this barcode in any case."""
    if not barcode:
        return []
    return [(line, other) for line, other in lines_of[barcode.upper()] if line != position]


def _account(job: PatronImport) -> None:
    Action = PatronImportRow.Action
    counts = job.rows.aggregate(
        total=Count("id"),
        **{
            name: Count("id", filter=Q(action=action))
            for name, action in (
                ("created", Action.CREATE), ("updated", Action.UPDATE),
                ("unchanged", Action.UNCHANGED), ("rejected", Action.REJECT),
            )
        },
    )  # fmt: skip
    for name, value in counts.items():
        setattr(job, name, value)
    job.save(update_fields=list(counts))


@transaction.atomic
def patron_import_commit(*, job_id: int) -> PatronImport:
    """Confirm a staged file: the worker writes it. Rows are decided again against the patrons
    as they are then (another import or the desk may have changed them since the preview)."""
    job = first_or_not_found(
        PatronImport.objects.select_for_update().filter(pk=job_id), _("No such patron import.")
    )
    if job.status != PatronImport.Status.STAGED:
        raise Conflict(
            _("Only a staged import can be committed (this one: %(status)s).")
            % {"status": job.get_status_display()},
            code="not_staged",
        )
    job.nothing_to_commit_check()
    patrons_moved_on_check(job)
    job.status = PatronImport.Status.COMMITTING
    job.save(update_fields=["status"])
    task_enqueue(PATRON_IMPORT_RUN, job.pk, jobs=PatronImport.objects.filter(pk=job.pk))
    return job


class PatronsMovedOn(Conflict):
    """Patrons changed after a preview decided what its commit would do: `barcodes` are the
    cards of the file's lines they are, for an answer to name."""

    code = "patrons_changed_since_preview"

    def __init__(self, message: str, *, barcodes: list[str]) -> None:
        super().__init__(message)
        self.barcodes = barcodes
        self.extra["barcodes"] = barcodes


# How many of the changed patrons' cards a refusal names.
_CARDS_NAMED = 10


def patrons_changed_since_preview(job: PatronImport) -> list[str]:
    """The cards, as the file gives them, of the lines the commit would write whose patron
    was added or changed after the preview was decided. It starts from the few patrons changed
    since (by their updated_at index) and finds their cards among the job's lines by the
    lines' card index, so its cost follows the changes, not the file."""
    if job.decided_at is None:
        return []
    changed = Patron.objects.filter(updated_at__gte=job.decided_at).values(card=Upper("barcode"))
    lines = (
        job.rows.exclude(action=PatronImportRow.Action.REJECT)
        .annotate(card=Upper(KeyTextTransform("barcode", "data")))
        .filter(card__in=changed)
        .order_by("position")
    )
    return list(lines.values_list("data__barcode", flat=True))


def patrons_moved_on_check(job: PatronImport) -> None:
    """Refuse to commit a preview whose decisions may no longer hold: a patron it matched
    was changed after it was decided, or a card it would create was given to a patron since.
    Committing would undo the change, or make the new patron the file's."""
    changed = patrons_changed_since_preview(job)
    if not changed:
        return
    named = first_named(list(map(quoted, changed)), _CARDS_NAMED)
    raise PatronsMovedOn(
        ngettext(
            "The patron with card %(cards)s was added or changed after this file was "
            "previewed, so what the preview decided may no longer hold (the import would undo "
            "the change). Nothing was imported: upload the file again for a new preview, check "
            "it, and import it then.",
            "The patrons with cards %(cards)s were added or changed after this file was "
            "previewed, so what the preview decided may no longer hold (the import would undo "
            "the changes). Nothing was imported: upload the file again for a new preview, "
            "check it, and import it then.",
            len(changed),
        )
        % {"cards": named},
        barcodes=changed,
    )


@transaction.atomic
def _write_chunk(job_id: int) -> bool:
    """Write the next CHUNK lines of a confirmed file; False once there is nothing left."""
    job = PatronImport.objects.select_for_update().filter(pk=job_id).first()
    if job is None or job.status != PatronImport.Status.COMMITTING:
        return False
    rows = list(
        job.rows.filter(position__gt=job.written_through)
        .exclude(action=PatronImportRow.Action.REJECT)
        .order_by("position")[:CHUNK]
    )
    if not rows:
        _account(job)
        job.status = PatronImport.Status.COMMITTED
        job.committed_at = timezone.now()
        job.save(update_fields=["status", "committed_at"])
        return False
    barcodes = [r.data["barcode"] for r in rows]
    existing = {
        p.barcode: p for p in Patron.objects.select_for_update().filter(barcode__in=barcodes)
    }
    creates: list[Patron] = []
    known = set(patron_category_list())
    # Named again as the categories are now: a category the preview said was new may be the
    # library's own since, and an earlier chunk's new one is.
    categories = _Categories()
    for row in rows:
        cells = {k: (row.data.get(k) or "") for k in COLUMNS}
        row.action, row.reason, row.data = _decide(
            cells, existing.get(row.data["barcode"]), categories
        )
        if row.action == PatronImportRow.Action.CREATE:
            patron = Patron()
            patron_fields_apply(patron, _patron_data(row.data), new_categories=True)
            creates.append(patron)
        elif row.action == PatronImportRow.Action.UPDATE:
            patron = existing[row.data["barcode"]]
            patron_fields_apply(patron, _patron_data(row.data), new_categories=True)
            patron.save()
    Patron.objects.bulk_create(creates, batch_size=2000)
    PatronImportRow.objects.bulk_update(rows, ["action", "reason", "data"], batch_size=2000)
    written = {
        row.data["category"]
        for row in rows
        if row.action in (PatronImportRow.Action.CREATE, PatronImportRow.Action.UPDATE)
    }
    created = sorted({*job.categories_created, *(written - known)}, key=str.casefold)
    job.categories_created = created
    job.written_through = rows[-1].position
    job.processed += len(rows)
    job.save(update_fields=["written_through", "processed", "categories_created"])
    return True


@transaction.atomic
def patron_import_cancel(*, job_id: int) -> PatronImport:
    job = first_or_not_found(
        PatronImport.objects.select_for_update().filter(pk=job_id), _("No such patron import.")
    )
    if job.status not in (PatronImport.Status.QUEUED, PatronImport.Status.STAGED):
        raise Conflict(
            _("This import can no longer be cancelled (status: %(status)s).")
            % {"status": job.get_status_display()},
            code="not_staged",
        )
    job.status = PatronImport.Status.CANCELLED
    job.save(update_fields=["status"])
    return job


def patron_import_new_categories(job: PatronImport) -> list[str]:
    """The categories a staged file's lines name that the library does not have yet: the
    confirmed import creates them, and the preview says so."""
    if job.status != PatronImport.Status.STAGED:
        return []
    named = (
        job.rows.filter(action__in=[PatronImportRow.Action.CREATE, PatronImportRow.Action.UPDATE])
        .values_list("data__category", flat=True)
        .distinct()
    )
    known = set(patron_category_list())
    return sorted({name for name in named if name and name not in known}, key=str.casefold)


def patron_import_preview(job: PatronImport) -> list[str]:
    """What confirming a staged file does, in sentences of the active language: how many
    patrons it creates and updates, and the categories it creates, by name."""
    if job.status != PatronImport.Status.STAGED:
        return []
    said = [
        ngettext(
            "%(count)s new patron will be created.", "%(count)s new patrons will be created.",
            job.created,
        ) % {"count": f"{job.created:,}"},
        ngettext(
            "%(count)s patron will be updated.", "%(count)s patrons will be updated.", job.updated
        ) % {"count": f"{job.updated:,}"},
    ]  # fmt: skip
    if new := patron_import_new_categories(job):
        said.append(
            ngettext(
                "%(count)s new patron category will be created: %(names)s.",
                "%(count)s new patron categories will be created: %(names)s.",
                len(new),
            )
            % {"count": len(new), "names": ", ".join(quoted(name) for name in new)}
        )
    return said


def patron_import_warnings(job: PatronImport) -> list[str]:
    """What the preview warns of, in the active language: a file read as Windows-1252, and
    the lines whose names it lost letters of."""
    warnings = [csv_encoding_warning(job.encoding)]
    if job.encoding == EXCEL_ENCODING:
        lost = job.rows.filter(data__name__regex=r"[[:alpha:]]\?[[:alpha:]]").order_by("position")
        lines = [str(n) for n in lost.values_list("position", flat=True)[:20]]
        if lines:
            warnings.append(
                ngettext(
                    "Letters lost: the name on line %(lines)s has a ? where a letter was, which "
                    "Windows-1252 lacks. Save the file as CSV UTF-8 and import it again.",
                    "Letters lost: the names on lines %(lines)s have a ? where a letter was, "
                    "which Windows-1252 lacks. Save the file as CSV UTF-8 and import it again.",
                    len(lines),
                )
                % {"lines": ", ".join(lines)}
            )
    return [warning for warning in warnings if warning]


def patron_import_list() -> QuerySet[PatronImport]:
    return PatronImport.objects.all()


def patron_import_get(*, job_id: int) -> PatronImport:
    return first_or_not_found(PatronImport.objects.filter(pk=job_id), _("No such patron import."))


def patron_import_rows(*, job: PatronImport, action: str = "") -> QuerySet[PatronImportRow]:
    rows = job.rows.all()
    return rows.filter(action=action) if action else rows


def patron_import_rejects_csv(*, job: PatronImport) -> tuple[bytes, str]:
    """The rejected lines as they came, in the file's own columns, delimiter and encoding (a
    spreadsheet that saved ";" between them in Windows-1252 opens the rejects as it did the
    file), with the reason in a last column, to fix and resend: (content, its charset)."""
    header, delimiter = _file_header(job)
    # A rejects file sent back has its reasons' column already: this time's go in it.
    names = [name.strip().lower() for name in header]
    reason_at = names.index(REASON) if REASON in names else None
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header if reason_at is not None else [*header, REASON])
    for row in job.rows.filter(action=PatronImportRow.Action.REJECT).order_by("position"):
        cells = [*row.raw, *[""] * (len(header) - len(row.raw))]
        said = _("line %(line)s: %(reason)s") % {"line": row.position, "reason": row.reason}
        if reason_at is None:
            cells.append(said)
        else:
            cells[reason_at] = said
        writer.writerow(cells)
    content, charset = spreadsheet_csv([out.getvalue()], job.encoding)
    return b"".join(content), charset


def _file_header(job: PatronImport) -> tuple[list[str], str]:
    """The stored file's column names as it wrote them, and the delimiter between them."""
    with job.file.open("rb") as stored:
        line = stored.readline(MAX_BYTES).decode(job.encoding or "utf-8", errors="replace")
    line = line.removeprefix("\ufeff")
    delimiter = csv_delimiter(line, _header_names())
    return next(csv.reader([line], delimiter=delimiter), []), delimiter
