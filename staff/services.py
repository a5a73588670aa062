"""Staff accounts and API keys of the current library."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext

from common.errors import ApplicationError, first_or_not_found
from common.language import quoted
from staff.models import ApiKey, StaffToken, User
from staff.roles import Role

API_KEY_PREFIX_BYTES = 6
_LAST_USED_GRANULARITY = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedApiKey:
    api_key: ApiKey
    secret: str


def user_create(*, email: str, role: str, password: str | None = None) -> User:
    email = email.strip().lower()
    if role not in Role.values:
        message = gettext("Unknown role %(role)s.") % {"role": quoted(role)}
        raise ApplicationError.of_field("role", message)
    if User.objects.filter(email=email).exists():
        message = gettext("A staff account for %(email)s already exists.") % {"email": email}
        raise ApplicationError.of_field("email", message, code="email_taken")
    return User.objects.create_user(
        email=email, password=password, role=role, is_staff=role == Role.ADMIN
    )


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_key_create(
    *,
    name: str,
    scope: str,
    created_by: User | None = None,
    expires_at: datetime | None = None,
    patrons: bool = False,
) -> IssuedApiKey:
    """Issue a key. The secret is returned once; only its hash is kept."""
    name = name.strip()
    if not name or len(name) > 100:
        message = gettext("An API key needs a name of 1 to 100 characters.")
        raise ApplicationError.of_field("name", message)
    if scope not in ApiKey.Scope.values:
        message = gettext("Unknown scope %(scope)s: use read or write.") % {"scope": quoted(scope)}
        raise ApplicationError.of_field("scope", message)
    if expires_at is not None and expires_at <= timezone.now():
        message = gettext("The expiry must be in the future.")
        raise ApplicationError.of_field("expires_at", message)
    prefix = secrets.token_hex(API_KEY_PREFIX_BYTES)
    secret = f"stk_{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        name=name,
        prefix=prefix,
        key_hash=_hash(secret),
        scope=scope,
        patrons=patrons,
        created_by=created_by,
        expires_at=expires_at,
    )
    return IssuedApiKey(api_key=api_key, secret=secret)


# Every API request with a key reads it: written out, the lookup skips the ORM's query
# building, which costs more than the statement itself.
_API_KEY_FIELDS = ApiKey._meta.concrete_fields
_API_KEY_ATTNAMES = [field.attname for field in _API_KEY_FIELDS]
_API_KEY_BY_HASH_SQL = f"""
SELECT {", ".join(field.column for field in _API_KEY_FIELDS)}
FROM {ApiKey._meta.db_table} WHERE key_hash = %s
"""  # noqa: S608 - column names only


def api_key_authenticate(secret: str) -> ApiKey | None:
    """The usable key of the current library matching `secret`, recording its use."""
    with connection.cursor() as cursor:
        cursor.execute(_API_KEY_BY_HASH_SQL, [_hash(secret)])
        row = cursor.fetchone()
    if row is None:
        return None
    api_key = ApiKey.from_db("default", _API_KEY_ATTNAMES, row)
    if not api_key.is_usable:
        return None
    api_key_use_record(api_key)
    return api_key


def api_key_of_header(authorization: str) -> ApiKey | None:
    """The usable key of the current library that an `Authorization: Api-Key <key>` header
    gives, for the pages outside the API (its protocols) that take keys as the API does."""
    parts = authorization.split()
    if len(parts) != 2 or parts[0].lower() != "api-key":
        return None
    return api_key_authenticate(parts[1])


def api_key_use_record(api_key: ApiKey) -> None:
    """Note when the key was last used, to the minute (a write at most once a minute)."""
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > _LAST_USED_GRANULARITY:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now


def api_key_revoke(*, api_key_id: int) -> ApiKey:
    api_key = first_or_not_found(ApiKey.objects.filter(pk=api_key_id), gettext("No such API key."))
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


@dataclass(frozen=True)
class IssuedStaffToken:
    staff_token: StaffToken
    secret: str

    @property
    def user(self) -> User:
        return self.staff_token.user


def staff_token_create(*, user: User) -> IssuedStaffToken:
    """A new token for `user`, valid for STACKS_STAFF_TOKEN_HOURS. The secret is returned once;
    only its hash is kept. The account's expired tokens are removed on the way."""
    now = timezone.now()
    StaffToken.objects.filter(user=user, expires_at__lte=now).delete()
    secret = f"stt_{secrets.token_urlsafe(32)}"
    staff_token = StaffToken.objects.create(
        user=user,
        token_hash=_hash(secret),
        password_fingerprint=user.get_session_auth_hash(),
        expires_at=now + timedelta(hours=settings.STACKS_STAFF_TOKEN_HOURS),
    )
    return IssuedStaffToken(staff_token=staff_token, secret=secret)


def staff_token_issue(
    *, email: str, password: str, request: HttpRequest | None = None
) -> IssuedStaffToken | None:
    """A new API token for this library's active staff account with these credentials, or None
    when they match no account here."""
    user = authenticate(request, email=email.strip().lower(), password=password)
    if user is None or not user.is_active:
        return None
    # A token is a sign-in: the account's last sign-in says so, as the staff pages' does.
    update_last_login(type(user), user)
    return staff_token_create(user=user)


def staff_token_authenticate(secret: str) -> User | None:
    """The active account whose unexpired token is `secret`, if its password has not changed
    since the token was issued."""
    staff_token = (
        StaffToken.objects.select_related("user")
        .filter(token_hash=_hash(secret), expires_at__gt=timezone.now())
        .first()
    )
    if staff_token is None or not staff_token.user.is_active:
        return None
    if not constant_time_compare(
        staff_token.password_fingerprint, staff_token.user.get_session_auth_hash()
    ):
        return None
    return staff_token.user
