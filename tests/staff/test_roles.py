"""The role policy: what each kind of caller may do, asked the same way by every interface."""

import pytest
from django.contrib.auth.models import AnonymousUser

from api.authentication import ApiKeyUser
from staff.models import ApiKey, User
from staff.roles import (
    caller_role,
    may_administer,
    may_catalogue,
    may_import,
    may_read,
    may_see_staff_fields,
)

POLICY = [may_read, may_catalogue, may_import, may_administer, may_see_staff_fields]


def _account(role: str, *, active: bool = True) -> User:
    return User(email=f"{role}@alpha.example", role=role, is_active=active)


@pytest.mark.parametrize(
    ("caller", "role", "answers"),
    [
        (_account("admin"), "admin", [True, True, True, True, True]),
        (_account("librarian"), "librarian", [True, True, True, False, True]),
        (_account("viewer"), "viewer", [True, False, False, False, True]),
        (_account("admin", active=False), None, [False] * 5),
        (_account("janitor"), None, [False] * 5),
        (AnonymousUser(), None, [False] * 5),
        (None, None, [False] * 5),
        (ApiKeyUser(ApiKey(name="w", scope="write")), "librarian", [True, True, True, False, True]),
        (ApiKeyUser(ApiKey(name="r", scope="read")), "viewer", [True, False, False, False, False]),
    ],
)
def test_each_caller_may_do_what_its_role_allows(caller, role, answers):
    assert caller_role(caller) == role
    assert [rule(caller) for rule in POLICY] == answers


def test_the_templates_flags_ask_the_same_policy():
    for role, writes, administers in [("admin", True, True), ("librarian", True, False),
                                      ("viewer", False, False)]:  # fmt: skip
        account = _account(role)
        assert (account.can_write_catalog, account.is_library_admin) == (writes, administers)
    switched_off = _account("admin", active=False)
    assert (switched_off.can_write_catalog, switched_off.is_library_admin) == (False, False)
