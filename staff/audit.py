"""The audit log of a library's administration: who did what, and when."""

from typing import Any

from django.db.models import QuerySet

from staff.models import AuditEvent


def actor_name(user: Any) -> str:
    """How an account or an API key appears in the audit log."""
    if user is None or not getattr(user, "is_authenticated", False):
        return "system"
    return str(getattr(user, "email", "") or user)


def audit_record(*, actor: str, action: str, target: str = "", **detail: Any) -> AuditEvent:
    """Record one action; call it inside the transaction of the action it records."""
    return AuditEvent.objects.create(actor=actor, action=action, target=target, detail=detail)


def audit_event_list() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.order_by("-id")
