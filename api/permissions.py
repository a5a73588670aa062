"""Who may do what in a library's API: DRF's permission classes over staff.roles' policy."""

from typing import TYPE_CHECKING

from rest_framework import permissions
from rest_framework.request import Request

from staff.roles import may_administer, may_catalogue, may_import, may_read, refusal

if TYPE_CHECKING:
    from rest_framework.views import APIView

SAFE = permissions.SAFE_METHODS


def public_catalog_open(request: Request) -> bool:
    return bool(getattr(request.tenant, "public_catalog", False))  # type: ignore[attr-defined]


class CatalogAccess(permissions.BasePermission):
    """Reads: staff, keys, and anonymous readers when the library's public catalog is on.
    Writes: those who may catalogue (admins and librarians, write keys)."""

    def has_permission(self, request: Request, view: "APIView") -> bool:
        # DRF reads the message of the permission that refused, an instance per request.
        if request.method in SAFE:
            self.message = refusal(may_read)
            return may_read(request.user) or public_catalog_open(request)
        self.message = refusal(may_catalogue)
        return may_catalogue(request.user)


class StaffOnly(permissions.BasePermission):
    """Imports and exports: staff and keys may look; starting or running one needs may_import."""

    def has_permission(self, request: Request, view: "APIView") -> bool:
        policy = may_read if request.method in SAFE else may_import
        self.message = refusal(policy)
        return policy(request.user)


class MayExport(permissions.BasePermission):
    """An export's file holds staff data (prices, staff notes, item statuses): fetching it needs
    what starting the export needs, whereas a read key may only watch the job."""

    def has_permission(self, request: Request, view: "APIView") -> bool:
        self.message = refusal(may_import)
        return may_import(request.user)


class LibraryAdminOnly(permissions.BasePermission):
    """The library's own administration: staff, keys, domains, settings, audit log."""

    def has_permission(self, request: Request, view: "APIView") -> bool:
        self.message = refusal(may_administer)
        return may_administer(request.user)
