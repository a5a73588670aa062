"""Circulation's tables: patrons, rules, loans, holds, notices and stocktakes, per library."""

from django.db import models
from django.db.models import F, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalog.imports.models import ImportCounts, Job, RowAction
from catalog.models import Item, Location, Record
from common.files import library_file_name


class CirculationSettings(models.Model):
    """The library's lending settings: one row (id 1), made with its defaults when first read."""

    # Returned loans keep their patron this many days, then lose it.
    anonymize_after_days = models.PositiveIntegerField(default=30)
    # A trapped hold waits on the hold shelf this many days.
    hold_shelf_days = models.PositiveIntegerField(default=7)
    # A due-soon notice goes this many days before the due date.
    due_soon_days = models.PositiveIntegerField(default=2)

    def __str__(self) -> str:
        return "circulation settings"


# A category is the library's own code; those most libraries use are shown in the page's
# language, and any other as the library typed it.
PATRON_CATEGORIES = {
    "adult": pgettext_lazy("patron category", "adult"),
    "child": pgettext_lazy("patron category", "child"),
    "teen": pgettext_lazy("patron category", "teen"),
    "student": pgettext_lazy("patron category", "student"),
    "senior": pgettext_lazy("patron category", "senior"),
    "staff": pgettext_lazy("patron category", "staff"),
}


def patron_category_label(code: str) -> str:
    """A patron category as people read it: its translation when Stacks knows the code."""
    label = PATRON_CATEGORIES.get(code.strip().lower())
    return str(label) if label is not None else code


class Patron(models.Model):
    """A reader who borrows. Never shown on public pages or to callers without patron access."""

    name = models.CharField(max_length=200)
    barcode = models.CharField(max_length=64)  # unique: see Meta
    email = models.EmailField(blank=True, default="")
    category = models.CharField(max_length=32, default="adult")
    expires_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True, default="")
    # A block stops lending, renewals and holds (circulation.services._card_check) until staff
    # lift it; who set it and when are kept beside the reason the desk shows.
    block_reason = models.CharField(max_length=500, blank=True, default="")
    blocked_at = models.DateTimeField(null=True, blank=True)
    blocked_by = models.CharField(max_length=254, blank=True, default="")
    pin_hash = models.CharField(max_length=128, blank=True, default="", editable=False)
    # One more on each change of the record: an edit made from an older copy is refused.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["barcode"], name="patron_barcode_unique")]
        # A copy is refused a card's barcode in any case (catalog.services.barcodes), and the
        # desk finds a card in whatever case it was typed.
        # The patrons changed since a patron import's preview, found without reading them all.
        indexes = [
            models.Index(Upper("barcode"), name="patron_barcode_upper"),
            models.Index(fields=["updated_at"], name="patron_updated_at"),
        ]

    def __str__(self) -> str:
        return self.barcode

    @property
    def category_label(self) -> str:
        return patron_category_label(self.category)

    @property
    def blocked(self) -> bool:
        return self.blocked_at is not None


class LoanRule(models.Model):
    """Lending terms for a patron category and an item type; an empty one matches any."""

    patron_category = models.CharField(max_length=32, blank=True, default="")
    item_type = models.CharField(max_length=32, blank=True, default="")
    for_loan = models.BooleanField(default=True)
    loan_days = models.PositiveIntegerField(default=21)
    max_loans = models.PositiveIntegerField(default=10)
    renewals = models.PositiveIntegerField(default=2)
    max_holds = models.PositiveIntegerField(default=5)

    class Meta:
        ordering = ["patron_category", "item_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["patron_category", "item_type"], name="loan_rule_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.patron_category or '*'} / {self.item_type or '*'}"

    @property
    def patron_category_label(self) -> str:
        return patron_category_label(self.patron_category)


class ClosedDay(models.Model):
    """A day the library is closed: nothing falls due on it."""

    date = models.DateField(unique=True)
    reason = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return str(self.date)


class ItemCirculation(models.Model):
    """What lending knows of an item beyond the catalog: its type and when it was last seen."""

    item = models.OneToOneField(
        Item, on_delete=models.CASCADE, primary_key=True, related_name="circulation"
    )
    item_type = models.CharField(max_length=32, blank=True, default="")
    last_seen_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"item {self.item_id}"


class Loan(models.Model):
    """An item lent to a patron. Open while `returned_at` is empty; at most one open per item."""

    # A copy with loans is never deleted (circulation.selectors.items_lent_reason says why to
    # whoever tries): its patron has it, or its history counts in the statistics.
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="loans")
    # Emptied some days after the return (CirculationSettings.anonymize_after_days).
    patron = models.ForeignKey(
        Patron, null=True, blank=True, on_delete=models.PROTECT, related_name="loans"
    )
    checked_out_at = models.DateTimeField(auto_now_add=True)
    due_on = models.DateField()
    renewals = models.PositiveIntegerField(default=0)
    returned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["patron"], condition=Q(returned_at__isnull=True), name="loan_open_patron"
            ),
            models.Index(
                fields=["due_on"], condition=Q(returned_at__isnull=True), name="loan_open_due"
            ),
            models.Index(
                fields=["returned_at"],
                condition=Q(returned_at__isnull=False, patron__isnull=False),
                name="loan_returned_named",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["item"], condition=Q(returned_at__isnull=True), name="loan_open_item"
            )
        ]

    def __str__(self) -> str:
        return f"loan of item {self.item_id}"


class Hold(models.Model):
    """A patron's request for a record: queued, then trapped on the hold shelf, then ended."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        READY = "ready", _("On the hold shelf")
        FULFILLED = "fulfilled", _("Fulfilled")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="holds")
    patron = models.ForeignKey(Patron, on_delete=models.CASCADE, related_name="holds")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.WAITING)
    placed_at = models.DateTimeField(auto_now_add=True)
    # The hold is no longer wanted after this day (while it waits).
    expires_on = models.DateField(null=True, blank=True)
    item = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.SET_NULL, related_name="holds"
    )
    # The last day a trapped item waits on the hold shelf.
    shelf_until = models.DateField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    ACTIVE = (Status.WAITING, Status.READY)

    class Meta:
        ordering = ["placed_at", "id"]
        indexes = [models.Index(fields=["record", "status", "placed_at"], name="hold_queue")]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "patron"],
                condition=Q(status__in=["waiting", "ready"]),
                name="hold_active_unique",
            )
        ]

    def __str__(self) -> str:
        return f"hold of patron {self.patron_id} on record {self.record_id}"


class Notice(models.Model):
    """An email sent to a patron; a loan or hold gets each kind once."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Due soon")
        OVERDUE = "overdue", _("Overdue")
        HOLD_READY = "hold_ready", _("Hold ready")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    patron = models.ForeignKey(
        Patron, null=True, blank=True, on_delete=models.SET_NULL, related_name="notices"
    )
    loan = models.ForeignKey(
        Loan, null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    hold = models.ForeignKey(
        Hold, null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    # The due date or shelf date the notice was about: a renewed loan gets its notices again.
    about_date = models.DateField()
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "loan", "about_date"],
                condition=Q(loan__isnull=False),
                name="notice_loan_once",
            ),
            models.UniqueConstraint(
                fields=["kind", "hold"], condition=Q(hold__isnull=False), name="notice_hold_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} notice {self.pk}"


class Stocktake(models.Model):
    """A count of the items at one location, scanned in batches."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="stocktakes")
    started_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"stocktake {self.pk} of {self.location_id}"


class StocktakeScan(models.Model):
    """A barcode scanned during a stocktake (once, however many batches carried it)."""

    stocktake = models.ForeignKey(Stocktake, on_delete=models.CASCADE, related_name="scans")
    barcode = models.CharField(max_length=64)
    scanned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["stocktake", "barcode"], name="stocktake_scan_once")
        ]

    def __str__(self) -> str:
        return self.barcode


def patron_import_file_path(instance: models.Model, filename: str) -> str:
    """`<schema>/patron-imports/<year>/<month>/<name>`, with the library's other files."""
    return library_file_name("patron-imports", f"{timezone.now():%Y/%m}", filename)


class PatronImport(Job, ImportCounts):
    """A CSV file of patrons: read by the worker into staged rows (each with its action and
    reason), previewed, then written by the worker once confirmed."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued: the file is being read")
        STAGED = "staged", _("Staged (preview)")
        COMMITTING = "committing", _("Writing the patrons")
        COMMITTED = "committed", _("Committed")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Failed")

    ACTIVE_STATUSES = (Status.QUEUED, Status.COMMITTING)

    file_name = models.CharField(max_length=255)
    file = models.FileField(upload_to=patron_import_file_path, max_length=300, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    # Lines written so far while committing: the worker's progress, and where it resumes.
    processed = models.PositiveIntegerField(default=0)
    written_through = models.PositiveIntegerField(default=0)
    committed_at = models.DateTimeField(null=True, blank=True)
    # The encoding the file is read in: "utf-8", or "cp1252" for one that is not UTF-8 (as
    # Excel on Windows saves CSV), which the preview says as a catalog import's does.
    encoding = models.CharField(max_length=16, blank=True, default="")
    # The categories committing it created (no patron or rule had them before), by code: what
    # the preview said it would create, kept once it has.
    categories_created = models.JSONField(default=list, blank=True)
    # When the preview began reading the patrons its lines are decided against: a commit is
    # refused if one of them changed (or a card it would create was added) since.
    decided_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"patron import {self.pk} ({self.status})"


class PatronImportRow(models.Model):
    """One line of a patron file and what committing it does (or why it cannot)."""

    Action = RowAction

    job = models.ForeignKey(PatronImport, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveIntegerField(help_text="1-based line of the record in the file")
    action = models.CharField(max_length=10, choices=Action.choices)
    reason = models.TextField(blank=True, default="")
    data = models.JSONField(default=dict)
    raw = models.JSONField(default=list, help_text="The line's cells as read.")

    class Meta:
        ordering = ["job", "position"]
        constraints = [
            models.UniqueConstraint(fields=["job", "position"], name="patron_import_row_unique")
        ]
        # A job's lines by card in any case: those of the patrons changed since its preview.
        indexes = [
            models.Index(
                F("job"), Upper(KeyTextTransform("barcode", "data")), name="patron_import_row_card"
            )
        ]

    def __str__(self) -> str:
        return f"row {self.position} of patron import {self.job_id}"
