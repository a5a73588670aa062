"""A library is a tenant: one PostgreSQL schema, reached on one or more host names."""

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
    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain
