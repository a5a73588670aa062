"""Signed-in clients and small checks shared by the onboarding and administration tests."""

import re

from django.core import mail
from django.test import Client
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from staff.models import User
from tests.conftest import PASSWORD

LINK_RE = re.compile(r"https?://(?P<host>[^/\s]+)(?P<path>/staff/invitations/[^/\s]+/)")
CONFIRM_RE = re.compile(r"https?://[^/\s]+(?P<path>/signup/confirm/(?P<token>[^/\s]+)/)")


def signed_in(host: str, schema: str, email: str, client_class: type[Client] = APIClient) -> Client:
    """A client with a real session of `email`, stored in `schema` (where the host reads it)."""
    client = client_class(HTTP_HOST=host)
    if isinstance(client, APIClient):
        client.default_format = "json"
    with schema_context(schema):
        client.force_login(User.objects.get(email=email))
    return client


def operator_signed_in(client_class: type[Client] = APIClient) -> Client:
    """A platform operator's client on the platform host, signed in."""
    with schema_context("public"):
        User.objects.create_user(
            email="ops@stacks.example", password=PASSWORD, role="admin", is_staff=True
        )
    return signed_in("localhost", "public", "ops@stacks.example", client_class=client_class)


def last_invitation_link() -> tuple[str, str]:
    """(host, path) of the invitation link in the last email sent."""
    match = LINK_RE.search(mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match["host"], match["path"]


def confirmation_link() -> re.Match[str]:
    """The sign-up confirmation link in the last email sent."""
    match = CONFIRM_RE.search(mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match
