"""Staff accounts and API keys. Each library's schema has its own tables of both."""

from typing import ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from staff.roles import KeyScope, Role, may_administer, may_catalogue


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> "User":
        """Sign-in finds the account whatever the case of the email typed."""
        return self.get(email__iexact=username)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.update(is_staff=True, is_superuser=True, role=Role.ADMIN)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A staff member of one library (or, in the public schema, a platform operator)."""

    username = None  # type: ignore[assignment]
    # Named in the reader's language where Django names it ("too similar to the email address").
    email = models.EmailField(_("email address"), unique=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        ordering = ["email"]
        constraints = [
            # Addresses are stored in lower case; this holds the line for any other writer.
            models.UniqueConstraint(Lower("email"), name="staff_user_email_unique_any_case"),
        ]

    def __str__(self) -> str:
        return self.email

    # For templates, which cannot call staff.roles' functions.
    @property
    def can_write_catalog(self) -> bool:
        return may_catalogue(self)

    @property
    def is_library_admin(self) -> bool:
        return may_administer(self)


class Revocable(models.Model):
    """A secret handed out to someone, and the moments it was made and (perhaps) taken back."""

    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]


class ApiKey(Revocable):
    """A key for an integrator. Only the SHA-256 of the key is stored; the key is shown once."""

    Scope = KeyScope

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.READ)
    # The patron scope: patrons, loans and holds (with write, the circulation desk's actions).
    patrons = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="api_keys"
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @property
    def can_use_patrons(self) -> bool:
        return self.patrons


class Invitation(Revocable):
    """A one-time link that lets a person set their password and join the library's staff.

    The account exists (inactive, without a password) from the moment of the invitation, so
    the email cannot be invited twice. Only the SHA-256 of the link's token is stored.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"invitation of {self.user_id}"

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


# What each audit log action means, in words a librarian reads (the log keeps the code).
AUDIT_ACTIONS = {
    "api_key.create": _("API key created"),
    "api_key.revoke": _("API key revoked"),
    "domain.add": _("Domain added"),
    "domain.verify": _("Domain verified"),
    "domain.make_primary": _("Domain made primary"),
    "domain.remove": _("Domain removed"),
    "settings.update": _("Settings changed"),
    "staff.invite": _("Staff member invited"),
    "staff.invitation_resend": _("Invitation sent again"),
    "staff.invitation_revoke": _("Invitation revoked"),
    "staff.invitation_accept": _("Invitation accepted"),
    "staff.deactivate": _("Staff member deactivated"),
    "patron.block": _("Patron blocked"),
    "patron.unblock": _("Patron's block lifted"),
}


class AuditEvent(models.Model):
    """One administrative action in this library: who did what to what, and when."""

    actor = models.CharField(
        max_length=254, help_text="Email of the account or 'api-key:<prefix>'."
    )
    action = models.CharField(max_length=64)
    target = models.CharField(max_length=254, blank=True, default="")
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.actor} {self.action} {self.target}"

    @property
    def action_label(self) -> str:
        """The action in words, in the reader's language (its code when it has none)."""
        return str(AUDIT_ACTIONS.get(self.action, self.action))


class StaffToken(models.Model):
    """A staff account's API token. Only the SHA-256 of the token is stored; it expires, and it
    stops working when the account's password changes (it carries the password's fingerprint,
    as sessions do)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    password_fingerprint = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"token of {self.user_id}"
