"""The catalog's records and what they link to: locations, contributors, subjects, identifiers,
copies (items), and the feed of their changes."""

import functools
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any, NamedTuple, Self

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import signals
from django.db.models.base import ModelState
from django.db.models.functions import Now, Upper
from django.utils.translation import get_language, gettext, override
from django.utils.translation import gettext_lazy as _

from common.language import in_sentence

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MAX_YEAR = 2100


class Location(models.Model):
    """A branch or a shelf where items are kept."""

    code = models.CharField(_("Code"), max_length=32, unique=True)
    name = models.CharField(_("Name"), max_length=200)

    class Meta:
        ordering = ["code"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self) -> str:
        # The menus that list locations read it, in the language's punctuation.
        return gettext("%(code)s: %(name)s") % {"code": self.code, "name": self.name}


class Contributor(models.Model):
    """A person or body credited on records, kept once per library by its normalised name."""

    name = models.CharField(_("Name"), max_length=500)
    name_key = models.CharField(max_length=500, unique=True)

    class Meta:
        ordering = ["name_key"]
        verbose_name = _("contributor")
        verbose_name_plural = _("contributors")

    def __str__(self) -> str:
        return self.name


# The scheme of a subject heading given without one, by every writer (the API, imports, the
# staff pages, the admin's form): a heading typed with no scheme is the library's own, not a
# Library of Congress heading.
SUBJECT_SCHEME_DEFAULT = "local"


class Subject(models.Model):
    """A subject heading in a scheme (LCSH, MeSH, local ...)."""

    heading = models.CharField(_("Heading"), max_length=500)
    scheme = models.CharField(_("Scheme"), max_length=32, default=SUBJECT_SCHEME_DEFAULT)
    heading_key = models.CharField(max_length=500)

    class Meta:
        ordering = ["heading_key"]
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "heading_key"], name="subject_unique_key")
        ]

    def __str__(self) -> str:
        return self.heading


# The shapes a record's links are attached in (catalog.selectors.record_links_attach).
class Credit(NamedTuple):
    contributor_id: int
    contributor_name: str
    role: str

    @property
    def role_label(self) -> str:
        return str(RecordContributor.Role(self.role).label)


class SubjectLink(NamedTuple):
    subject_id: int
    subject_heading: str
    subject_scheme: str


class IdentifierValue(NamedTuple):
    kind: str
    value: str

    @property
    def kind_label(self) -> str:
        return str(Identifier.Kind(self.kind).label)


def identifier_shown(kind: str, value: str, language: str | None = None) -> str:
    """An identifier as a reader writes it in the language in use (or `language`), its kind
    named as it is printed ("ISBN 978…"), not as it is stored ("isbn")."""
    return f"{_kind_labels(language or get_language() or '').get(kind, kind)} {value}"


@functools.cache
def _kind_labels(language: str) -> dict[str, str]:
    # An import labels every row with its identifiers: the kinds' words are looked up once a
    # language, not once an identifier.
    with override(language or None):
        return {kind: str(label) for kind, label in Identifier.Kind.choices}


def credit_shown(name: str, role: str) -> str:
    """A contributor and their role, the role in words ("Camus, Albert (author)")."""
    roles = RecordContributor.Role
    label = in_sentence(str(roles(role).label)) if role in roles.values else role
    return f"{name} ({label})"


class Record(models.Model):
    """A bibliographic record: what a work is, independent of the copies the library holds."""

    title = models.CharField(_("Title"), max_length=1000)
    subtitle = models.CharField(_("Subtitle"), max_length=1000, blank=True, default="")
    publisher = models.CharField(_("Publisher"), max_length=500, blank=True, default="")
    publication_year = models.SmallIntegerField(
        _("Publication year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_YEAR)],
    )
    edition = models.CharField(_("Edition"), max_length=200, blank=True, default="")
    language = models.CharField(
        _("Language"), max_length=3, blank=True, default="", help_text="ISO 639-2/B"
    )
    series = models.CharField(_("Series"), max_length=500, blank=True, default="")
    summary = models.TextField(_("Summary"), blank=True, default="")
    control_number = models.CharField(_("Control number"), max_length=64, blank=True, default="")
    control_number_source = models.CharField(
        _("Control number source"), max_length=64, blank=True, default=""
    )
    # The record as it arrived (ISO 2709 bytes), so a MARC export gives back what came in.
    source_marc = models.BinaryField(null=True, blank=True, editable=False)
    sort_title = models.CharField(max_length=1000, editable=False, default="")
    contributors: "models.ManyToManyField[Contributor, RecordContributor]" = models.ManyToManyField(
        Contributor, through="RecordContributor", related_name="records"
    )
    subjects: "models.ManyToManyField[Subject, RecordSubject]" = models.ManyToManyField(
        Subject, through="RecordSubject", related_name="records"
    )
    # The cover (catalog.services.covers): the storage name its files start with
    # (`<cover>-thumb.webp`, `<cover>-large.webp`), "" for none, and each size's pixels for
    # the pages' width and height. Database defaults, since imports insert named columns.
    cover = models.CharField(max_length=300, blank=True, default="", db_default="", editable=False)
    cover_thumb_width = models.PositiveSmallIntegerField(default=0, db_default=0, editable=False)
    cover_thumb_height = models.PositiveSmallIntegerField(default=0, db_default=0, editable=False)
    cover_large_width = models.PositiveSmallIntegerField(default=0, db_default=0, editable=False)
    cover_large_height = models.PositiveSmallIntegerField(default=0, db_default=0, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    # Its OAI-PMH datestamp: when what harvesters get of it last changed, its copies' 852s and
    # sets included. A save of the record moves it; writes that change the record otherwise (a
    # copy added, changed, moved or deleted, a location recoded, a heading renamed) move it
    # with catalog.services.datestamps_move. Imports' inserts take the database's time.
    harvest_datestamp = models.DateTimeField(auto_now=True, db_default=Now(), db_index=True)

    if TYPE_CHECKING:
        # Not columns: catalog.selectors.record_links_attach sets them (on the records of
        # record_get, record_page and record_slice too); other records lack them.
        credit_list: list[Credit]
        subject_link_list: list[SubjectLink]
        identifier_list: list[IdentifierValue]

    class Meta:
        ordering = ["id"]
        verbose_name = _("record")
        verbose_name_plural = _("records")
        indexes = [
            models.Index(fields=["sort_title", "id"], name="record_sort_title"),
            models.Index(fields=["publication_year", "id"], name="record_year"),
            models.Index(fields=["language"], name="record_language"),
            models.Index(
                fields=["control_number_source", "control_number"], name="record_control_number"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def cover_token(self) -> str:
        """The cover's part of its addresses (a new one for each new cover), "" for none."""
        return self.cover.rsplit("/", 1)[-1] if self.cover else ""

    @classmethod
    def from_db(cls, db: str | None, field_names: Collection[str], values: Collection[Any]) -> Self:
        """A record loaded from a row without running __init__ (Record.from_rows)."""
        return cls.from_rows(db, field_names, [values])[0]

    @classmethod
    def from_rows(
        cls, db: str | None, field_names: Collection[str], rows: Iterable[Collection[Any]]
    ) -> list[Self]:
        """Records loaded from rows without running __init__ (which sets each field in turn
        and fills deferred ones with placeholders): a page of the record list builds fifty,
        so the list's time follows this loop. Deferred fields are left out of each instance's
        dict, which is how Django tells them (they load on first access). With init signal
        receivers connected for records, Django's own loading runs instead."""
        if signals.pre_init.has_listeners(cls) or signals.post_init.has_listeners(cls):
            load = super().from_db
            return [load(db, field_names, values) for values in rows]
        names = tuple(field_names)
        records = []
        for values in rows:
            record = cls.__new__(cls)
            record.__dict__.update(zip(names, values, strict=True))
            state = record._state = ModelState()
            state.adding = False
            state.db = db
            records.append(record)
        return records


# No database foreign key on a record's links (credits, subject links, identifiers): an import
# writes hundreds of thousands a minute, and checking each against its record and heading row
# by row cost as much as writing them. Records are deleted only by record_delete and an
# import's revert, which lock the record first (the ORM removes its links); contributors and
# subjects are never deleted. The ids come from the one write path: the services and the
# import's writer.


def _record_link(related_name: str) -> "models.ForeignKey[Record, Record]":
    """A link's record: no database foreign key, and no index of its own (each link is
    looked up by record through its unique constraint's index, record first)."""
    return models.ForeignKey(
        Record, on_delete=models.CASCADE, related_name=related_name, db_index=False,
        db_constraint=False,
    )  # fmt: skip


def _heading_link(
    heading: type[models.Model], related_name: str, verbose_name: "StrOrPromise"
) -> "models.ForeignKey[Any, Any]":
    return models.ForeignKey(
        heading, on_delete=models.PROTECT, related_name=related_name, db_constraint=False,
        verbose_name=verbose_name,
    )  # fmt: skip


class RecordContributor(models.Model):
    class Role(models.TextChoices):
        AUTHOR = "author", _("Author")
        EDITOR = "editor", _("Editor")
        ILLUSTRATOR = "illustrator", _("Illustrator")
        TRANSLATOR = "translator", _("Translator")
        CONTRIBUTOR = "contributor", _("Contributor")
        CORPORATE = "corporate", _("Corporate author")

    record = _record_link("credits")
    contributor = _heading_link(Contributor, "credits", _("Contributor"))
    role = models.CharField(_("Role"), max_length=16, choices=Role.choices, default=Role.AUTHOR)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["record", "position"]
        constraints = [
            models.UniqueConstraint(fields=["record", "position"], name="credit_position_unique")
        ]

    def __str__(self) -> str:
        return gettext("%(contributor)s (%(role)s) of record %(record)s") % {
            "contributor": self.contributor_id,
            "role": self.get_role_display(),
            "record": self.record_id,
        }


class RecordSubject(models.Model):
    record = _record_link("subject_links")
    subject = _heading_link(Subject, "record_links", _("Subject"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["record", "position"]
        constraints = [
            models.UniqueConstraint(fields=["record", "subject"], name="record_subject_unique")
        ]

    def __str__(self) -> str:
        return gettext("subject %(subject)s of record %(record)s") % {
            "subject": self.subject_id,
            "record": self.record_id,
        }


class Identifier(models.Model):
    """A standard identifier of a record, stored normalised (ISBN-13, ISSN with hyphen, ...)."""

    class Kind(models.TextChoices):
        ISBN = "isbn", _("ISBN")
        # An ISBN with a wrong check digit, kept so the record is found by it; never matched on.
        ISBN_INVALID = "isbn_bad", _("ISBN (invalid)")
        ISSN = "issn", _("ISSN")
        LCCN = "lccn", _("LCCN")
        OCLC = "oclc", _("OCLC number")

    record = _record_link("identifiers")
    kind = models.CharField(_("Kind"), max_length=8, choices=Kind.choices)
    value = models.CharField(_("Value"), max_length=64)

    class Meta:
        ordering = ["record", "kind", "id"]
        indexes = [models.Index(fields=["kind", "value"], name="identifier_lookup")]
        constraints = [
            models.UniqueConstraint(fields=["record", "kind", "value"], name="identifier_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class Item(models.Model):
    """A physical copy of a record."""

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        ON_LOAN = "on_loan", _("On loan")
        MISSING = "missing", _("Missing")
        LOST = "lost", _("Lost")
        DAMAGED = "damaged", _("Damaged")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        IN_PROCESSING = "in_processing", _("In processing")
        # Kept for the patron whose hold trapped it: set and cleared by circulation alone
        # (catalog.services.items refuses it to every other write), never read from a file.
        ON_HOLD_SHELF = "on_hold_shelf", _("On the hold shelf")

    # The statuses a loan or a hold of this catalog stands behind, which only the desk sets:
    # neither travels in a file, so an import brings a new copy given one in as available.
    DESK_STATUSES = frozenset({Status.ON_LOAN.value, Status.ON_HOLD_SHELF.value})

    # Looked up by record through the (record, status) index.
    record = models.ForeignKey(
        Record,
        on_delete=models.CASCADE,
        related_name="items",
        db_index=False,
        verbose_name=_("Record"),
    )
    barcode = models.CharField(_("Barcode"), max_length=64)  # unique: see Meta
    call_number = models.CharField(_("Call number"), max_length=200, blank=True, default="")
    location = models.ForeignKey(
        Location,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="items",
        verbose_name=_("Location"),
    )
    status = models.CharField(
        _("Status"), max_length=16, choices=Status.choices, default=Status.AVAILABLE
    )
    price = models.DecimalField(_("Price"), max_digits=10, decimal_places=2, null=True, blank=True)
    acquired_on = models.DateField(_("Acquired on"), null=True, blank=True)
    public_note = models.CharField(_("Public note"), max_length=1000, blank=True, default="")
    staff_note = models.CharField(_("Staff note"), max_length=1000, blank=True, default="")
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("copy")
        verbose_name_plural = _("copies")
        indexes = [
            models.Index(fields=["record", "status"], name="item_record_status"),
            # A card is refused a copy's barcode in any case (catalog.services.barcodes), and
            # the desk finds a copy in whatever case it was typed.
            models.Index(Upper("barcode"), name="item_barcode_upper"),
        ]
        # A constraint rather than unique=True, which adds a LIKE-pattern index no query uses.
        constraints = [models.UniqueConstraint(fields=["barcode"], name="item_barcode_unique")]

    def __str__(self) -> str:
        return self.barcode


class Change(models.Model):
    """One entry of the change feed: a record or item created, updated or deleted, in order."""

    class Entity(models.TextChoices):
        RECORD = "record", _("Record")
        ITEM = "item", _("Item")

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        DELETED = "deleted", _("Deleted")

    id = models.BigAutoField(primary_key=True)
    entity = models.CharField(max_length=8, choices=Entity.choices)
    entity_id = models.BigIntegerField()
    action = models.CharField(max_length=8, choices=Action.choices)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["entity", "entity_id"], name="change_entity")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.entity} {self.entity_id} {self.action}"
