"""Who may do what in a library's API: the whole policy in a few functions."""

from typing import TYPE_CHECKING

from rest_framework import permissions
from rest_framework.request import Request

if TYPE_CHECKING:
    from rest_framework.views import APIView

SAFE = permissions.SAFE_METHODS


def caller_is_staff(request: Request) -> bool:
    """A signed-in staff account or an API key of this library (not an anonymous reader)."""
    user = request.user
    return bool(user and user.is_authenticated and user.is_active)


def caller_can_write_catalog(request: Request) -> bool:
    return caller_is_staff(request) and bool(getattr(request.user, "can_write_catalog", False))


def caller_is_library_admin(request: Request) -> bool:
    return caller_is_staff(request) and bool(getattr(request.user, "is_library_admin", False))


def public_catalog_open(request: Request) -> bool:
    return bool(getattr(request.tenant, "public_catalog", False))  # type: ignore[attr-defined]


class CatalogAccess(permissions.BasePermission):
    """Reads: staff, keys, and anonymous readers when the library's public catalog is on.
    Writes: admins and librarians, and write-scoped keys."""

    message = "You do not have permission to change this library's catalog."

    def has_permission(self, request: Request, view: "APIView") -> bool:
        if request.method in SAFE:
            return caller_is_staff(request) or public_catalog_open(request)
        return caller_can_write_catalog(request)


class StaffOnly(permissions.BasePermission):
    """Staff and keys may read; writing needs catalog write rights (imports, exports)."""

    def has_permission(self, request: Request, view: "APIView") -> bool:
        if request.method in SAFE:
            return caller_is_staff(request)
        return caller_can_write_catalog(request)


class LibraryAdminOnly(permissions.BasePermission):
    """The library's own administration: staff, keys, domains, settings, audit log."""

    def has_permission(self, request: Request, view: "APIView") -> bool:
        return caller_is_library_admin(request)
