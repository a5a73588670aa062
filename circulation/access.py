"""Who may do what in circulation: the whole policy in one function, for the API and the pages."""

from typing import Any, Literal

from staff.roles import may_administer, may_catalogue

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
