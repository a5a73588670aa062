"""How API callers prove who they are: API keys, staff tokens, or a staff session.

A web process keeps the keys it has found in memory, each stamped with the shared host
generation the request read (tenants.domains): a request whose lookup read the same
generation, within STACKS_HOST_CACHE_SECONDS, uses the key without asking the database. A
revoked key moves the generation on, so every process refuses it from its next request.
"""

import copy
import hashlib
import time

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from staff.audit import api_key_label
from staff.models import ApiKey, User
from staff.roles import Role, key_role
from staff.services import api_key_authenticate, api_key_use_record, staff_token_authenticate
from tenants.domains import host_generation

# (schema, SHA-256 of the secret) -> (monotonic time it expires, generation, key)
_keys: dict[tuple[str, str], tuple[float, object, ApiKey]] = {}
_KEYS_MAX = 1000


def api_key_cache_clear() -> None:
    """Forget every key this process holds in memory."""
    _keys.clear()


def _api_key_find(secret: str) -> ApiKey | None:
    """The usable key of the current library for `secret`, from memory when the copy held is
    as fresh as the request's host lookup; a copy (a request may change it)."""
    generation = host_generation()
    held_as = (connection.schema_name, hashlib.sha256(secret.encode()).hexdigest())  # type: ignore[attr-defined]
    now = time.monotonic()
    held = _keys.get(held_as)
    if held is not None and generation is not None and held[1] == generation and held[0] > now:
        api_key = held[2]
        if not api_key.is_usable:  # expired since
            return None
        api_key_use_record(api_key)
        return copy.copy(api_key)
    found = api_key_authenticate(secret)
    if found is None or generation is None:
        _keys.pop(held_as, None)
        return found
    if len(_keys) >= _KEYS_MAX:
        _keys.clear()
    _keys[held_as] = (now + settings.STACKS_HOST_CACHE_SECONDS, generation, found)
    return copy.copy(found)


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
        return api_key_label(self.api_key.name)

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
        api_key = _api_key_find(secret)
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
        if token.startswith("stk_"):  # an API key, sent under a token's scheme
            raise exceptions.AuthenticationFailed(
                _("This is an API key, not a staff token: send it as Authorization: Api-Key <key>.")
            )
        user = staff_token_authenticate(token)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        return user, token

    def authenticate_header(self, request: Request) -> str:
        return "Bearer"


class UnknownSchemeAuthentication(authentication.BaseAuthentication):
    """Last in line: an `Authorization` header no class above took is refused, rather than read
    as no credential at all, so a mistyped scheme (`ApiKey`, `Token-Key`) is not served as an
    anonymous caller. `Basic` is left alone: a proxy in front of the site may ask for it."""

    _PASSED_ON = (b"basic",)

    def authenticate(self, request: Request) -> None:
        parts = authentication.get_authorization_header(request).split()
        if parts and parts[0].lower() not in self._PASSED_ON:
            scheme = parts[0].decode("latin-1")
            raise exceptions.AuthenticationFailed(
                _(
                    "The Authorization header's scheme %(scheme)s is not one this API takes: "
                    "use Api-Key <key> or Bearer <token>."
                )
                % {"scheme": scheme}
            )
        return None
