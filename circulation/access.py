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
