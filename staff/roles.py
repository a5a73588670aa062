"""Who may do what in a library: the one role policy that the API, the staff pages and the
catalog's pages ask."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import models
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """A staff account's role: what it may do is answered by the may_* functions below."""

    ADMIN = "admin", _("Admin")
    LIBRARIAN = "librarian", _("Librarian")
    VIEWER = "viewer", _("Viewer")


# The roles that create, change and delete the catalog's records, items and headings.
CATALOGUERS = frozenset({Role.ADMIN, Role.LIBRARIAN})


class KeyScope(models.TextChoices):
    """An API key's scope: the key acts in the role key_role gives it."""

    READ = "read", _("Read")
    WRITE = "write", _("Read and write")


# A write key catalogues as a librarian does, a read key reads as a viewer does, and no key
# administers the library.
_KEY_ROLES = {KeyScope.READ: Role.VIEWER, KeyScope.WRITE: Role.LIBRARIAN}


def key_role(scope: str) -> Role:
    """The role an API key of this scope acts in."""
    return _KEY_ROLES[KeyScope(scope)]


def caller_role(caller: Any) -> Role | None:
    """The role a caller acts in: a staff account's own, an API key's by its scope; None for
    anyone else (an anonymous reader, an account switched off)."""
    if not getattr(caller, "is_authenticated", False) or not getattr(caller, "is_active", False):
        return None
    role = getattr(caller, "role", None)
    return Role(role) if role in Role.values else None


def may_read(caller: Any) -> bool:
    """The staff pages, the catalog's admin and everything the API shows its staff: every
    role, and every key."""
    return caller_role(caller) is not None


def may_catalogue(caller: Any) -> bool:
    """Create, change and delete records, items, locations and headings."""
    return caller_role(caller) in CATALOGUERS


def may_import(caller: Any) -> bool:
    """Start, commit, cancel and revert imports, and start exports: those who catalogue, since
    an import changes the catalog and an export copies all of it out."""
    return may_catalogue(caller)


def may_administer(caller: Any) -> bool:
    """The library's own administration: staff, keys, domains, settings, the audit log."""
    return caller_role(caller) == Role.ADMIN


def may_see_staff_fields(caller: Any) -> bool:
    """Prices and staff notes: staff accounts of any role and write keys, never anonymous
    readers or read keys (which often back public discovery layers)."""
    is_key = getattr(caller, "api_key", None) is not None
    return may_catalogue(caller) if is_key else may_read(caller)


# What each permission needs, in the sentence a caller it refuses reads: "You do not have
# permission" alone leaves them guessing whether another key or another account would do.
_REFUSALS: dict[Callable[[Any], bool], Any] = {
    may_read: _("Reading this needs a staff account of this library or one of its API keys."),
    may_catalogue: _(
        "You do not have permission to change this library's catalog: that needs a "
        "librarian's or an administrator's account, or an API key with the write scope."
    ),
    may_import: _(
        "This needs a librarian's or an administrator's account, or an API key with the "
        "write scope: a viewer's account and a read key may only look."
    ),
    may_administer: _(
        "Only an administrator of this library may do this (its settings, staff, API keys, "
        "domains and audit log): use an administrator's account, as no API key may."
    ),
}


def refusal(policy: Callable[[Any], bool]) -> str:
    """The sentence saying what `policy` (one of the may_* functions) needs."""
    return str(_REFUSALS[policy])


# --- The same policy for pages -------------------------------------------------------------

View = Callable[..., HttpResponseBase]


def page_refused(request: HttpRequest, message: str) -> HttpResponseBase:
    """A 403 page saying in `message` what the page needs, not a bare "Forbidden"."""
    context = {"message": message}
    return render(request, "tenants/staff/forbidden.html", context, status=403)


def _refused(request: HttpRequest, policy: Callable[[Any], bool]) -> HttpResponseBase:
    """The refusal page with the API's sentence for the same permission."""
    return page_refused(request, refusal(policy))


def staff_required(view: View) -> View:
    """A page for this library's staff: signed in, any role may look; a POST needs may_import
    (the pages that take POSTs start and run imports and exports)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not may_read(request.user):
            return _refused(request, may_read)
        if request.method == "POST" and not may_import(request.user):
            return _refused(request, may_import)
        return view(request, *args, **kwargs)

    return wrapped


def policy_required(policy: Callable[[Any], bool]) -> Callable[[View], View]:
    """A page only those `policy` allows may open: a page whose only purpose is a write is
    refused on a GET too, before any form is shown, so that nobody fills in a form whose save
    would be refused."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not policy(request.user):
                return _refused(request, policy)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


# A page of the library's administration: signed in, and may_administer.
admin_required = policy_required(may_administer)
