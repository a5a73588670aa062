"""The audit log of a library's administration: who did what, and when."""

from typing import Any

from django.db.models import QuerySet

from staff.models import AuditEvent


def actor_name(user: Any) -> str:
    """How an account or an API key appears in the audit log."""
    if user is None or not getattr(user, "is_authenticated", False):
        return "system"
    return str(getattr(user, "email", "") or user)


def api_key_label(name: str) -> str:
    """An API key as people are told of it, by its name: "API key 'Integrator'"."""
    return f"API key {name!r}"


def actor_label(user: Any) -> str:
    """How an account or an API key is named to people where it did something (who blocked a
    patron, who started an import): the account's email, or the key's name ("API key
    'Integrator'"), not the audit log's key prefix, which means nothing to a librarian."""
    if getattr(user, "api_key", None) is not None:
        return str(user)
    return actor_name(user)


def audit_record(*, actor: str, action: str, target: str = "", **detail: Any) -> AuditEvent:
    """Record one action; call it inside the transaction of the action it records."""
    return AuditEvent.objects.create(actor=actor, action=action, target=target, detail=detail)


def audit_event_list() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.order_by("-id")
