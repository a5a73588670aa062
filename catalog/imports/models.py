"""Import and export jobs and the staged rows of an import, in each library's schema."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from catalog.models import identifier_shown
from common.errors import Conflict
from common.files import library_file_name


def _library_file_path(kind: str, filename: str) -> str:
    """`<schema>/<kind>/<year>/<month>/<name>`."""
    return library_file_name(kind, f"{timezone.now():%Y/%m}", filename)


def import_file_path(instance: models.Model, filename: str) -> str:
    return _library_file_path("imports", filename)


def export_file_path(instance: models.Model, filename: str) -> str:
    return _library_file_path("exports", filename)


# Excel on Windows saves "CSV" in the system's 8-bit code page, Windows-1252 in western Europe
# and the Americas: a CSV that is not UTF-8 is read as that (formats.csv_file.csv_encoding).
EXCEL_ENCODING = "cp1252"


def csv_encoding_warning(encoding: str) -> str:
    """What the preview of a CSV read in `encoding` warns of, in the active language: every
    CSV import says it alike of a file read as Excel saves it ("" for UTF-8)."""
    if encoding != EXCEL_ENCODING:
        return ""
    return gettext(
        "Read as Windows-1252 (Excel): the file is not UTF-8, so it was read as Excel on "
        "Windows saves CSV. Check that accented letters and signs (\u00e9, \u00fc, "
        "\u20ac, \u2019) look right in the preview; if they do not, save the file as "
        "CSV UTF-8 and import it again."
    )


class Format(models.TextChoices):
    MARC = "marc", _("MARC 21 or UNIMARC (ISO 2709)")
    MARCXML = "marcxml", _("MARCXML")
    CSV = "csv", _("CSV")


class Job(models.Model):
    """What every job of a library's files keeps: why it failed, who started it, and when."""

    error = models.TextField(blank=True, default="")
    # What callers tell failures apart by, whatever the language `error` is written in.
    error_code = models.CharField(max_length=64, blank=True, default="")
    started_by_label = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    # When the job could not be handed to the job queue (Redis away): it waits for the queue,
    # and the workers queue it once it is back. Cleared as the job starts.
    queue_missed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-id"]

    @property
    def waiting_for_job_queue(self) -> bool:
        """Whether the job is stored but not yet handed to the job queue, which was away."""
        return self.queue_missed_at is not None


class StaffJob(Job):
    """A job a staff account may have started (kept, as a label, once the account is gone)."""

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta(Job.Meta):
        abstract = True


class ImportCounts(models.Model):
    """What an import did with its file's records, as every import reports it."""

    total = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)

    if TYPE_CHECKING:
        # Each import's own status field, whose choices include "staged" (its preview ready).
        status: str

        def get_status_display(self) -> str: ...

    class Meta:
        abstract = True

    @property
    def nothing_to_commit(self) -> bool:
        """A staged import whose every row was rejected: committing it would write nothing."""
        return self.status == "staged" and 0 < self.total == self.rejected

    def nothing_to_commit_check(self) -> None:
        """Refuse the commit of an import with nothing to commit, saying why (409)."""
        if self.nothing_to_commit:
            raise Conflict(
                gettext(
                    "Nothing to import: every row was rejected, so there is nothing to commit. "
                    "Each row's reason says why; fix the rows and import them again."
                ),
                code="nothing_to_commit",
            )

    def status_shown(self) -> str:
        """The status as the staff pages name it: a staged import with nothing to commit says
        so rather than waiting, as "Staged" would say, for a commit."""
        if self.nothing_to_commit:
            return gettext("Nothing to import: every row was rejected")
        return str(self.get_status_display())


class RowAction(models.TextChoices):
    """What committing one row of an import file does."""

    # A row's own word, one row at a time: not the counts' headings, which name many rows.
    CREATE = "create", pgettext_lazy("import row action", "Create")
    UPDATE = "update", pgettext_lazy("import row action", "Update")
    UNCHANGED = "unchanged", pgettext_lazy("import row action", "Unchanged")
    REJECT = "reject", pgettext_lazy("import row action", "Reject")


class ImportJob(StaffJob, ImportCounts):
    """One file brought into the catalog: staged, previewed, committed, perhaps reverted."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        STAGING = "staging", _("Staging")
        STAGED = "staged", _("Staged")
        COMMITTING = "committing", _("Committing")
        COMMITTED = "committed", _("Committed")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        REVERTED = "reverted", _("Reverted")

    # A job in these states has work left for a worker (and holds or awaits its lease).
    ACTIVE_STATUSES = (Status.QUEUED, Status.STAGING, Status.COMMITTING)

    class MatchOn(models.TextChoices):
        ISBN = "isbn", _("ISBN")
        CONTROL_NUMBER = "control_number", _("Control number (001/003)")
        EITHER = "either", _("ISBN or control number")

    class OnMatch(models.TextChoices):
        UPDATE = "update", _("Update the matched record")
        SKIP = "skip", _("Leave the matched record as it is")
        CREATE = "create", _("Create a new record anyway")

    class Overlay(models.TextChoices):
        REPLACE = "replace", _("Replace the record with the file's")
        FILL_EMPTY = "fill_empty", _("Only fill fields that are empty in Stacks")
        KEEP_LOCAL = "keep_local", _("Keep fields edited in Stacks since the last import")

    class OnNoMatch(models.TextChoices):
        CREATE = "create", _("Create a record")
        SKIP = "skip", _("Skip the record")

    format = models.CharField(max_length=8, choices=Format.choices)
    file = models.FileField(upload_to=import_file_path, max_length=300)
    file_name = models.CharField(max_length=255, blank=True, default="")
    file_size = models.BigIntegerField(default=0)
    match_on = models.CharField(max_length=16, choices=MatchOn.choices, default=MatchOn.EITHER)
    on_match = models.CharField(max_length=8, choices=OnMatch.choices, default=OnMatch.UPDATE)
    on_no_match = models.CharField(
        max_length=8, choices=OnNoMatch.choices, default=OnNoMatch.CREATE
    )
    dry_run = models.BooleanField(default=False)
    overlay = models.CharField(
        max_length=12,
        choices=Overlay.choices,
        default=Overlay.REPLACE,
        help_text="What an update does to a matched record's fields.",
    )
    create_locations = models.BooleanField(
        default=False, help_text="Create the location codes the file names that are missing."
    )
    one_shot = models.BooleanField(default=False, help_text="Commit as soon as staged.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    # A CSV header's columns the import does not read, as the file names them, each with the
    # template's column it probably meant (or ""): the preview says so, in the reader's
    # language (catalog.imports.selectors.import_job_warnings).
    unread_columns = models.JSONField(default=list, blank=True)
    # The columns it reads by another language's name ("Titre"), each with the template's
    # column it reads them as ("title"), which the preview says too.
    columns_read_as = models.JSONField(default=list, blank=True)
    # The encoding a CSV is read in: "utf-8", or "cp1252" for a file that is not UTF-8 (as
    # Excel on Windows saves CSV), which the preview says.
    encoding = models.CharField(max_length=16, blank=True, default="")
    # What a MARC file was read as: "unimarc" for a UNIMARC file (each record written in MARC
    # 21 as it is read), which the preview says; "" for a file read as its format says.
    read_as = models.CharField(max_length=16, blank=True, default="")
    # Checkpoints: rows with a position below these are staged / committed for good.
    staged_through = models.PositiveIntegerField(default=0)
    committed_through = models.PositiveIntegerField(default=0)
    bytes_read = models.BigIntegerField(default=0)
    # The lease: only the holder may work on the job until it expires.
    lease_owner = models.CharField(max_length=64, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # The change feed's last id when the job began deciding: a commit of its preview refuses
    # if records were added or removed after it (catalog.imports.deciding.catalog_moved_on).
    decided_after_change_id = models.BigIntegerField(null=True, blank=True)
    # Change feed ids written by the commit, so a revert knows whether anyone wrote after it.
    first_change_id = models.BigIntegerField(null=True, blank=True)
    last_change_id = models.BigIntegerField(null=True, blank=True)
    worker_peak_rss_kb = models.PositiveIntegerField(null=True, blank=True)
    phase_started_at = models.DateTimeField(null=True, blank=True)
    staged_at = models.DateTimeField(null=True, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(StaffJob.Meta):
        indexes = [models.Index(fields=["status", "lease_expires_at"], name="import_job_lease")]

    def __str__(self) -> str:
        return f"import #{self.pk} ({self.format}, {self.status})"

    def format_shown(self) -> str:
        """The format as the job's page names it: what the file was read as, once known."""
        if self.read_as == "unimarc":
            return gettext("UNIMARC (ISO 2709)")
        return str(self.get_format_display())


def key_label(key: str, control_number: str = "", language: str | None = None) -> str:
    """A match key as the preview names it ("ISBN 9780441172719", "control number 123", or
    "control number OCoLC 123" with its source); `control_number` is those words translated,
    and `language` the language in use, when the caller has them already."""
    kind, _, value = key.partition(":")
    if kind != "cn":
        return identifier_shown(kind, value, language)
    words = control_number or gettext("control number")
    return " ".join(f"{words} {value.replace(':', ' ')}".split())


def row_named(position: int, line: int | None) -> str:
    """A record's place in its file as the librarian finds it: a CSV row by the line it starts
    on (the header is line 1), a MARC file's record by its position."""
    if line is not None:
        return gettext("line %(line)s") % {"line": line}
    return gettext("record %(position)s") % {"position": position}


# What a staged row could match a catalog record on, as one JSON array: the ISBNs of its data
# and its control number (strict paths, and no error raised, so that no odd data can fail a
# COPY). Its GIN index finds, among every staged row, those giving one of a few values (`?|`),
# for the caller to check exactly (the kind, the control number's source); a row's second
# ISBN is found as its first. A query names it alike, or the index goes unused.
_ISBNS = 'strict $.identifiers[*] ? (@.type() == "array" && @.size() > 1 && @[0] == "isbn")[1]'
STAGED_MATCH_VALUES = (
    f"jsonb_path_query_array(data, '{_ISBNS}', '{{}}', true) "
    "|| jsonb_path_query_array(data, 'strict $.control_number', '{}', true)"
)


class ImportRow(models.Model):
    """One record of an import file: what was found, what will be (or was) done, and why."""

    Action = RowAction

    id = models.BigAutoField(primary_key=True)
    # Looked up by job through the (job, position) constraint's index.
    job = models.ForeignKey(
        ImportJob, on_delete=models.CASCADE, related_name="rows", db_index=False
    )
    position = models.PositiveIntegerField(help_text="1-based position of the record in the file")
    line = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="A CSV row's line in the file, where the row starts: the header is line 1, "
        "and a cell with a line break in it takes more than one line. Null for MARC and "
        "MARCXML, whose records are named by position.",
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    reason = models.TextField(blank=True, default="")
    title = models.CharField(max_length=300, blank=True, default="")
    identifiers = models.CharField(max_length=500, blank=True, default="")
    match_key = models.CharField(max_length=100, blank=True, default="")
    match_record_id = models.BigIntegerField(null=True, blank=True)
    match_position = models.PositiveIntegerField(null=True, blank=True)
    data = models.JSONField(null=True, blank=True)
    raw = models.BinaryField(null=True, blank=True)
    committed = models.BooleanField(default=False)
    record_id = models.BigIntegerField(null=True, blank=True)
    previous = models.JSONField(null=True, blank=True)
    created_item_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)

    class Meta:
        ordering = ["job", "position"]
        constraints = [
            models.UniqueConstraint(fields=["job", "position"], name="import_row_position")
        ]
        indexes = [
            models.Index(fields=["job", "match_key"], name="import_row_match_key"),
            models.Index(fields=["job", "action", "position"], name="import_row_action"),
            # Staged rows only (a one-shot job keeps no data): its rows cost these nothing.
            GinIndex(
                RawSQL(STAGED_MATCH_VALUES, []),  # noqa: S611 - a constant
                name="import_row_staged_values",
                fastupdate=False,
                condition=models.Q(data__isnull=False),
            ),
            models.Index(
                fields=["job", "match_record_id"],
                name="import_row_staged_match",
                condition=models.Q(data__isnull=False, match_record_id__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"row {self.position} of import {self.job_id}: {self.action}"


class ExportJob(StaffJob):
    """A file of the catalog (or of the records a filter selects), written on a worker."""

    class ExportFormat(models.TextChoices):
        CSV = "csv", _("CSV")
        MARC = "marc", _("MARC 21 (ISO 2709)")
        MARCXML = "marcxml", _("MARCXML")
        JSONL = "jsonl", _("JSON Lines")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Separator(models.TextChoices):
        COMMA = ",", _("Comma (,)")
        SEMICOLON = ";", _("Semicolon (;)")

    format = models.CharField(max_length=8, choices=ExportFormat.choices)
    filters = models.JSONField(default=dict, blank=True)
    # A CSV's column separator: Excel in French, German or Spanish opens only ";" in columns.
    separator = models.CharField(max_length=1, choices=Separator.choices, default=Separator.COMMA)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(upload_to=export_file_path, max_length=300, blank=True)
    records = models.PositiveIntegerField(default=0)
    # The lease, as an import's: only the holder writes the file until it expires, and a
    # worker finds an export whose holder is gone (killed, or its task lost).
    lease_owner = models.CharField(max_length=64, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # An export written in turns (catalog/imports/exports.py): the id of the last record
    # written, and the files of the turns so far, joined into `file` by the last turn.
    checkpoint = models.BigIntegerField(default=0)
    parts = models.JSONField(default=list, blank=True)

    # An export in these states has work left for a worker.
    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)

    def __str__(self) -> str:
        return f"export #{self.pk} ({self.format}, {self.status})"

    @property
    def format_shown(self) -> str:
        """The format as the staff pages name it; a CSV with its column separator ("CSV (;)"),
        which decides whether a spreadsheet opens it in columns."""
        label = str(self.get_format_display())
        return f"{label} ({self.separator})" if self.format == self.ExportFormat.CSV else label


class ImportLocation(models.Model):
    """A location an import created (a code its file gave that the library did not have),
    removed by the import's revert. Its own table: the job's row is saved whole by its writer."""

    id = models.BigAutoField(primary_key=True)
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="locations_made")
    location_id = models.BigIntegerField()

    def __str__(self) -> str:
        return f"location {self.location_id} of import {self.job_id}"


class LeaseHeartbeat(models.Model):
    """A lease holder's sign of life, stamped every few seconds by a thread of its process
    while it works a turn: a holder whose stamp has run out is gone (killed), and its lease
    is free however long it had left. A row of its own, so that the chunk holding the job's
    row locked never holds up the stamp. Each stamp says until when it counts, so workers
    with other settings judge it alike."""

    owner = models.CharField(max_length=64, primary_key=True)
    alive_until = models.DateTimeField()

    def __str__(self) -> str:
        return f"heartbeat of {self.owner} until {self.alive_until:%H:%M:%S}"
