"""A library is a tenant: one PostgreSQL schema, reached on one or more host names."""

import uuid

from django.db import models
from django_tenants.models import DomainMixin, TenantMixin


class Library(TenantMixin):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    name = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    public_catalog = models.BooleanField(
        default=True, help_text="Whether anonymous readers may browse and search the catalog."
    )
    default_location_code = models.CharField(
        max_length=32, blank=True, default="", help_text="Location code new items get by default."
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
        UNCONFIRMED = "unconfirmed", "Waiting for the email address to be confirmed"
        PENDING = "pending", "Waiting for a worker"
        PROVISIONING = "provisioning", "Creating the library"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    subdomain = models.CharField(max_length=63)
    admin_email = models.EmailField()
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
