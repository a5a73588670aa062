"""A library is a tenant: one PostgreSQL schema, reached on one or more host names."""

import uuid

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin


class Library(TenantMixin):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    name = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    public_catalog = models.BooleanField(
        default=True, help_text="Whether anonymous readers may browse and search the catalog."
    )
    default_location_code = models.CharField(
        max_length=32, blank=True, default="", help_text="Location code new items get by default."
    )
    share_records = models.BooleanField(
        default=False,
        help_text="Whether the library's bibliographic records join the platform's shared pool.",
    )
    language = models.CharField(
        max_length=8,
        default="en",
        help_text="The catalog's language for readers whose browser asks for none it speaks.",
    )
    time_zone = models.CharField(
        max_length=64, default="UTC", help_text="The zone dates and times are shown in."
    )
    contact_email = models.EmailField(
        blank=True, default="", help_text="Where readers' replies to the library's mail go."
    )
    cors_origins = ArrayField(
        models.CharField(max_length=255),
        default=list,
        blank=True,
        help_text="Web origins (https://example.org) whose pages may read the API.",
    )
    settings_version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Moves on with each save of the settings."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Schemas are created by tenants.services.library_create, never as a side effect of save().
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["schema_name"]
        verbose_name_plural = "libraries"

    def __str__(self) -> str:
        return f"{self.name} ({self.schema_name})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class Domain(DomainMixin):
    # A library admin's custom domain routes only once a DNS record proves the library controls
    # it (tenants.dns); the platform's own names and those operators add are trusted.
    is_verified = models.BooleanField(default=True)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain


class Signup(models.Model):
    """A self-service request for a new library, provisioned by a worker.

    It is looked up by its random `public_id` (the status page's address), never by its
    sequential id, so one applicant cannot watch another's progress.
    """

    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", _("Waiting for the email address to be confirmed")
        PENDING = "pending", _("Waiting for the library's creation to start")
        PROVISIONING = "provisioning", _("Creating the library")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    subdomain = models.CharField(max_length=63)
    admin_email = models.EmailField()
    # The language the admin signed up in: the new library's, and its mails' (empty: the
    # platform's default).
    language = models.CharField(max_length=8, blank=True, default="")
    # The new library's time zone: the browser's, else one that fits the language or country
    # the admin signed up in (tenants.locale.signup_time_zone); empty: UTC.
    time_zone = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True, default="")
    # The SHA-256 of the link's token emailed to the admin; nothing is built until it is used.
    confirm_token_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    library = models.ForeignKey(
        Library, null=True, blank=True, on_delete=models.SET_NULL, related_name="signups"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Two sign-ups in flight cannot claim the same subdomain.
            models.UniqueConstraint(
                fields=["subdomain"],
                condition=models.Q(status__in=["pending", "provisioning"]),
                name="signup_subdomain_in_flight_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subdomain} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.READY, self.Status.FAILED)


class PoolRecord(models.Model):
    """A sharing library's record in the platform's shared pool: bibliographic data only
    (never copies, prices or notes), copied from the library's catalog by tenants.pool."""

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="pool_records")
    record_id = models.BigIntegerField()
    title = models.CharField(max_length=1000)
    subtitle = models.CharField(max_length=1000, blank=True, default="")
    publisher = models.CharField(max_length=500, blank=True, default="")
    publication_year = models.SmallIntegerField(null=True, blank=True)
    edition = models.CharField(max_length=200, blank=True, default="")
    language = models.CharField(max_length=3, blank=True, default="")
    series = models.CharField(max_length=500, blank=True, default="")
    summary = models.TextField(blank=True, default="")
    # [[name, role], ...], [[heading, scheme], ...], [[kind, value], ...]
    contributors = models.JSONField(default=list)
    subjects = models.JSONField(default=list)
    identifiers = models.JSONField(default=list)
    isbns = ArrayField(models.CharField(max_length=13), default=list)
    vector = SearchVectorField(null=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["library", "record_id"]
        constraints = [
            models.UniqueConstraint(fields=["library", "record_id"], name="pool_record_unique")
        ]
        indexes = [
            GinIndex(fields=["isbns"], name="pool_record_isbns"),
            GinIndex(fields=["vector"], name="pool_record_vector"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.library_id}:{self.record_id})"


class PoolFeed(models.Model):
    """How far the pool has read a sharing library's change feed."""

    library = models.OneToOneField(Library, on_delete=models.CASCADE, related_name="pool_feed")
    position = models.BigIntegerField(default=0)
    synced_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.library_id} at {self.position}"
