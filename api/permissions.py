"""Who may do what in a library's API: DRF's permission classes over staff.roles' policy."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rest_framework import permissions
from rest_framework.request import Request

from staff.roles import may_administer, may_catalogue, may_import, may_read, refusal

if TYPE_CHECKING:
    from rest_framework.views import APIView

SAFE = permissions.SAFE_METHODS


def public_catalog_open(request: Request) -> bool:
    return bool(getattr(request.tenant, "public_catalog", False))  # type: ignore[attr-defined]


class _PolicyPermission(permissions.BasePermission):
    """A permission of staff.roles' policy: a refusal says what the policy needs."""

    def _decided(self, policy: Callable[[Any], bool], allowed: bool) -> bool:
        # DRF reads the message of the permission that refused (an instance per request): it
        # is translated only then, not for every request let through.
        if not allowed:
            self.message = refusal(policy)
        return allowed


class CatalogAccess(_PolicyPermission):
    """Reads: staff, keys, and anonymous readers when the library's public catalog is on.
    Writes: those who may catalogue (admins and librarians, write keys)."""

    def has_permission(self, request: Request, view: "APIView") -> bool:
        if request.method in SAFE:
            return self._decided(may_read, may_read(request.user) or public_catalog_open(request))
        return self._decided(may_catalogue, may_catalogue(request.user))


class StaffOnly(_PolicyPermission):
    """Imports and exports: staff and keys may look; starting or running one needs may_import."""

    def has_permission(self, request: Request, view: "APIView") -> bool:
        policy = may_read if request.method in SAFE else may_import
        return self._decided(policy, policy(request.user))


class MayExport(_PolicyPermission):
    """An export's file holds staff data (prices, staff notes, item statuses): fetching it needs
    what starting the export needs, whereas a read key may only watch the job."""

    def has_permission(self, request: Request, view: "APIView") -> bool:
        return self._decided(may_import, may_import(request.user))


class LibraryAdminOnly(_PolicyPermission):
    """The library's own administration: staff, keys, domains, settings, audit log."""

    def has_permission(self, request: Request, view: "APIView") -> bool:
        return self._decided(may_administer, may_administer(request.user))
