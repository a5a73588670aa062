"""An API key as the requests that carry it find it: the key read by hand-written SQL is the
ORM's row, and only a usable key of the current library is found."""

from datetime import timedelta

from django.forms.models import model_to_dict
from django.utils import timezone
from django_tenants.utils import schema_context

from staff.models import ApiKey
from staff.services import api_key_authenticate, api_key_create, api_key_revoke


def test_the_key_found_is_the_orm_row(in_library) -> None:
    issued = api_key_create(
        name="Discovery", scope="write", patrons=True,
        expires_at=timezone.now() + timedelta(days=3),
    )  # fmt: skip
    found = api_key_authenticate(issued.secret)
    assert found is not None
    stored = ApiKey.objects.get(pk=issued.api_key.pk)
    assert model_to_dict(found) == model_to_dict(stored)
    assert (found.pk, found.created_at, found.expires_at) == (
        stored.pk, stored.created_at, stored.expires_at,
    )  # fmt: skip
    assert stored.last_used_at is not None  # its use is recorded


def test_revoked_expired_and_unknown_keys_are_not_found(in_library) -> None:
    revoked = api_key_create(name="Old", scope="read")
    api_key_revoke(api_key_id=revoked.api_key.pk)
    expiring = api_key_create(name="Soon", scope="read", expires_at=timezone.now() + timedelta(1))
    ApiKey.objects.filter(pk=expiring.api_key.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert api_key_authenticate(revoked.secret) is None
    assert api_key_authenticate(expiring.secret) is None
    assert api_key_authenticate(revoked.secret + "x") is None


def test_a_key_is_found_only_in_its_own_library(library, other_library) -> None:
    with schema_context(library.schema_name):
        issued = api_key_create(name="Alpha's", scope="read")
    with schema_context(other_library.schema_name):
        assert api_key_authenticate(issued.secret) is None
    with schema_context(library.schema_name):
        found = api_key_authenticate(issued.secret)
        assert found is not None
        assert found.pk == issued.api_key.pk
