"""Deletions the catalog asks other parts of the library about first.

The catalog deletes records and copies (a record, an item, an import reverted) without knowing
who else has a stake in them: circulation's loans of a copy, its patrons' holds on a title.
Each such part registers a check for the model it cares about; every deletion asks them all,
so that none takes a patron's copy, hold or the lending history with it.
"""

from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import Model, QuerySet

from common.errors import Conflict

# Why objects about to be deleted must stay (a sentence naming them and what to do instead), or
# "" when they may go.
KeptCheck = Callable[[QuerySet[Any]], str]
_CHECKS: dict[type[Model], dict[str, KeptCheck]] = defaultdict(dict)


def kept_check_register(model: type[Model], code: str, check: KeptCheck) -> None:
    """Have every deletion of `model`'s objects ask `check` first; its refusal carries `code`."""
    _CHECKS[model][code] = check


def _reasons(objects: QuerySet[Any]) -> Iterator[tuple[str, str]]:
    for code, check in _CHECKS[objects.model].items():
        reason = check(objects)
        if reason:
            yield code, reason


def delete_reasons(objects: QuerySet[Any]) -> list[str]:
    """Every registered check's reason to keep `objects` (none when they may go), for a
    refusal that says all of them."""
    return [reason for _, reason in _reasons(objects)]


def delete_check(
    objects: QuerySet[Any], *, refusal: str, values: dict[str, object] | None = None,
    code: str = "",
) -> None:  # fmt: skip
    """Refuse (409) to delete `objects` when a registered check keeps some of them: `refusal`
    says what cannot be done, filled with `values` and with `%(reason)s`, the check's
    sentence; the error's code is `code`, or else the check's."""
    for check_code, reason in _reasons(objects):
        raise Conflict(refusal % {**(values or {}), "reason": reason}, code=code or check_code)
