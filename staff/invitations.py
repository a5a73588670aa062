"""Staff invitations: one-time links to set a password, and what an admin does with staff."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext

from common.emails import LibrarySender, is_email_address, library_mail_send, library_sender
from common.errors import ApplicationError, Conflict, NotFound, first_or_not_found
from common.language import library_language, library_name, quoted
from staff.audit import audit_record
from staff.models import Invitation, StaffToken, User
from staff.roles import Role
from staff.services import user_create

INVITATION_TTL = timedelta(days=7)


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_link(*, host: str, token: str) -> str:
    return f"{settings.STACKS_SITE_SCHEME}://{host}/staff/invitations/{token}/"


def _invitation_issue(
    *, user: User, invited_by: User | None, host: str | None, signed_up: bool = False
) -> IssuedInvitation:
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        user=user,
        token_hash=_hash(token),
        invited_by=invited_by,
        expires_at=timezone.now() + INVITATION_TTL,
    )
    if host:
        link = invitation_link(host=host, token=token)
        email = user.email
        # The library's language and sender now: once the transaction commits, the connection
        # may be back on another schema (a library just made is left before its commit).
        language = library_language()
        name = library_name() or host
        sender = library_sender()
        transaction.on_commit(
            lambda: _invitation_send(
                email=email,
                link=link,
                name=name,
                language=language,
                sender=sender,
                signed_up=signed_up,
            )
        )
    return IssuedInvitation(invitation=invitation, token=token)


def _invitation_send(
    *, email: str, link: str, name: str, language: str, sender: LibrarySender, signed_up: bool
) -> None:
    # In the library's language: the invitee has chosen none yet. The library by the name it
    # gave itself; its host is in the link. Whoever signed the library up made it: nobody
    # invited them.
    with translation.override(language):
        values = {"library": name, "days": INVITATION_TTL.days, "link": link}
        if signed_up:
            subject = gettext("Your library %(library)s is ready") % values
            body = gettext(
                "You have created the library %(library)s, and you are its first admin.\n\n"
                "Set your password here (the link works once, for %(days)s days):\n"
                "%(link)s\n"
            )
        else:
            subject = gettext("Your staff account at %(library)s") % values
            body = gettext(
                "You have been invited to the staff of %(library)s.\n\n"
                "Set your password here (the link works once, for %(days)s days):\n"
                "%(link)s\n"
            )
        library_mail_send(subject=subject, body=body % values, to=[email], sender=sender)


def _is_pending(user: User) -> bool:
    return not user.has_usable_password() and user.last_login is None


def staff_list() -> QuerySet[User]:
    return User.objects.order_by("email")


def staff_get(*, user_id: int) -> User:
    user = first_or_not_found(User.objects.filter(pk=user_id), gettext("No such staff account."))
    return user


@transaction.atomic
def staff_invite(
    *,
    email: str,
    role: str,
    invited_by: User | None,
    host: str | None,
    actor: str = "system",
    signed_up: bool = False,
) -> IssuedInvitation:
    """An inactive account without a password, and a one-time link emailed to set one (saying
    they made the library when `signed_up`: the founder who signed it up)."""
    email = email.strip().lower()
    if not is_email_address(email):
        message = gettext("Invalid email %(email)s.") % {"email": quoted(email)}
        raise ApplicationError.of_field("email", message, code="invalid_email")
    user = user_create(email=email, role=role, password=None)
    user.is_active = False
    user.save(update_fields=["is_active"])
    issued = _invitation_issue(user=user, invited_by=invited_by, host=host, signed_up=signed_up)
    audit_record(actor=actor, action="staff.invite", target=email, role=role)
    return issued


@transaction.atomic
def staff_invitation_resend(
    *, user_id: int, invited_by: User | None, host: str, actor: str
) -> IssuedInvitation:
    """A fresh link for someone who has not accepted yet; earlier links stop working."""
    user = staff_get(user_id=user_id)
    if not _is_pending(user):
        raise Conflict(
            gettext("%(email)s has already joined.") % {"email": user.email},
            code="invitation_accepted",
        )
    Invitation.objects.filter(user=user, revoked_at=None, accepted_at=None).update(
        revoked_at=timezone.now()
    )
    issued = _invitation_issue(user=user, invited_by=invited_by, host=host)
    audit_record(actor=actor, action="staff.invitation_resend", target=user.email)
    return issued


@transaction.atomic
def staff_invitation_revoke(*, user_id: int, actor: str) -> None:
    """Withdraw an invitation not accepted yet; the account that waited for it goes too."""
    user = staff_get(user_id=user_id)
    if not _is_pending(user):
        raise Conflict(
            gettext("%(email)s has already joined; deactivate the account instead.")
            % {"email": user.email},
            code="invitation_accepted",
        )
    audit_record(actor=actor, action="staff.invitation_revoke", target=user.email)
    user.delete()


@transaction.atomic
def staff_deactivate(*, user_id: int, by: User | None, actor: str) -> User:
    """The account can no longer sign in: its sessions, token and open links stop working."""
    user = staff_get(user_id=user_id)
    if by is not None and user.pk == by.pk:
        raise ApplicationError(
            gettext("You cannot deactivate your own account."), code="self_deactivate"
        )
    if (
        user.role == Role.ADMIN
        and user.is_active
        and not User.objects.filter(role=Role.ADMIN, is_active=True).exclude(pk=user.pk).exists()
    ):
        raise ApplicationError(
            gettext("A library keeps at least one active admin."), code="last_admin"
        )
    user.is_active = False
    user.save(update_fields=["is_active"])
    StaffToken.objects.filter(user=user).delete()
    Invitation.objects.filter(user=user, revoked_at=None, accepted_at=None).update(
        revoked_at=timezone.now()
    )
    # Sessions store the account id in their encoded data; a library's staff is small.
    stale = [
        s.session_key
        for s in Session.objects.filter(expire_date__gt=timezone.now())
        if s.get_decoded().get("_auth_user_id") == str(user.pk)
    ]
    Session.objects.filter(session_key__in=stale).delete()
    audit_record(actor=actor, action="staff.deactivate", target=user.email)
    return user


def invitation_get(*, token: str) -> Invitation:
    """The invitation behind a link, or an error saying why the link does not work."""
    invitation = Invitation.objects.select_related("user").filter(token_hash=_hash(token)).first()
    if invitation is None:
        raise NotFound(
            gettext("This invitation link is not valid here."), code="invitation_invalid"
        )
    if invitation.accepted_at is not None:
        raise Conflict(
            gettext("This invitation link has already been used."), code="invitation_used"
        )
    if invitation.revoked_at is not None:
        raise Conflict(
            gettext("This invitation link has been withdrawn."), code="invitation_revoked"
        )
    if invitation.expires_at <= timezone.now():
        raise Conflict(
            gettext("This invitation link has expired; ask an admin to resend it."),
            code="invitation_expired",
        )
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> User:
    found = invitation_get(token=token)
    # Two submissions of the same link: the second waits here and then finds it used.
    invitation = Invitation.objects.select_for_update().select_related("user").get(pk=found.pk)
    if invitation.accepted_at is not None:
        raise Conflict(
            gettext("This invitation link has already been used."), code="invitation_used"
        )
    user = invitation.user
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ApplicationError(
            " ".join(exc.messages), code="weak_password", fields={"password": exc.messages}
        ) from None
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit_record(actor=user.email, action="staff.invitation_accept", target=user.email)
    return user
