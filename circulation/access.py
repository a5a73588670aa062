"""Who may do what in circulation: the whole policy in one function, for the API and the pages."""

from typing import Any, Literal

from django.utils.translation import gettext_lazy as _

from staff.roles import may_administer, may_catalogue, may_read, refusal

# read: patrons, loans and holds; desk: check out, check in, renew, holds, patron records;
# manage: the library's lending rules, closed days and settings.
Action = Literal["read", "desk", "manage"]


def circulation_allowed(user: Any, action: Action) -> bool:
    """Staff accounts read; librarians and admins work the desk; admins set the rules. API keys
    need the patron scope, and the write scope for the desk; keys never manage."""
    if not (user is not None and user.is_authenticated and user.is_active):
        return False
    api_key = getattr(user, "api_key", None)
    if api_key is not None:
        if not api_key.can_use_patrons:
            return False
        if action == "read":
            return True
        return action == "desk" and may_catalogue(user)
    if action == "read":
        return True
    if action == "desk":
        return may_catalogue(user)
    return may_administer(user)


# What each action needs, in the sentence a staff page that refuses it shows.
_REFUSALS = {
    "desk": _(
        "Lending, returns, holds and patrons' records need a librarian's or an administrator's "
        "account: a viewer's account may only look."
    ),
    "manage": _(
        "Only an administrator of this library may change its lending rules, closed days and "
        "circulation settings."
    ),
}


def circulation_refusal(action: Action) -> str:
    """The sentence saying what `action` needs."""
    return refusal(may_read) if action == "read" else str(_REFUSALS[action])


# What an API caller refused reads: a key is told what key it needs, and how one is issued.
_API_REFUSALS = {
    "anonymous": _(
        "Patrons, loans and holds need a staff account of this library or an API key with the "
        "patron scope."
    ),
    "no_patron_scope": _(
        "This API key has no patron scope, which patrons, loans and holds need: an "
        'administrator of this library issues a key with it ("Patrons, loans and holds too" '
        'on the staff API keys page, "patrons": true in POST /api/v1/api-keys/, or manage.py '
        "create_api_key --patrons)."
    ),
    "key_desk": _(
        "Lending, returns, holds and changes to patrons need an API key with the write scope as "
        "well as the patron scope (manage.py create_api_key --scope write --patrons); this key "
        "may only read them."
    ),
    "key_manage": _(
        "No API key changes the library's lending rules, closed days or circulation settings: "
        "an administrator of this library does, with their account."
    ),
}


def circulation_api_refusal(user: Any, action: Action) -> str:
    """The sentence an API caller refused `action` reads: what it lacks, and what would do."""
    if not (user is not None and user.is_authenticated and user.is_active):
        return str(_API_REFUSALS["anonymous"])
    api_key = getattr(user, "api_key", None)
    if api_key is None:
        return circulation_refusal(action)
    if not api_key.can_use_patrons:
        return str(_API_REFUSALS["no_patron_scope"])
    return str(_API_REFUSALS["key_desk" if action == "desk" else "key_manage"])
