"""How API callers prove who they are: API keys, staff tokens, or a staff session."""

from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from staff.models import ApiKey, User
from staff.roles import Role, key_role
from staff.services import api_key_authenticate, staff_token_authenticate


class ApiKeyUser:
    """The caller behind an API key: not a staff account, but it answers the same questions."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False

    def __init__(self, api_key: ApiKey) -> None:
        self.api_key = api_key
        self.pk = None
        self.id = None
        self.email = f"api-key:{api_key.prefix}"

    def __str__(self) -> str:
        return f"API key {self.api_key.name!r}"

    @property
    def role(self) -> Role:
        """The role the key acts in (staff.roles decides what each role may do)."""
        return key_role(self.api_key.scope)


def credential(request: Request, schemes: tuple[bytes, ...], what: str) -> str | None:
    """The credential of an `Authorization: <scheme> <credential>` header in one of `schemes`
    (lower case); None when the header names another scheme, so the next class may try it."""
    parts = authentication.get_authorization_header(request).split()
    if not parts or parts[0].lower() not in schemes:
        return None
    if len(parts) != 2:
        raise exceptions.AuthenticationFailed(_("Invalid %s header.") % what)
    try:
        return str(parts[1].decode())
    except UnicodeError:
        raise exceptions.AuthenticationFailed(_("Invalid %s.") % what) from None


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key <key>`. Keys belong to one library's schema, so a key used on
    another library's host simply matches nothing there."""

    keyword = "Api-Key"

    def authenticate(self, request: Request) -> tuple[ApiKeyUser, ApiKey] | None:
        secret = credential(request, (self.keyword.lower().encode(),), "API key")
        if secret is None:
            return None
        api_key = api_key_authenticate(secret)
        if api_key is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked API key."))
        return ApiKeyUser(api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class StaffTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <token>` or `Token <token>` for a staff account of this library:
    tokens are stored hashed, expire, and stop working when the password changes."""

    def authenticate(self, request: Request) -> tuple[User, str] | None:
        token = credential(request, (b"bearer", b"token"), "token")
        if token is None:
            return None
        if connection.schema_name == "public":  # type: ignore[attr-defined]
            raise exceptions.AuthenticationFailed(
                _("Staff tokens belong to a library: use them on the library's own host.")
            )
        user = staff_token_authenticate(token)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        return user, token

    def authenticate_header(self, request: Request) -> str:
        return "Bearer"
