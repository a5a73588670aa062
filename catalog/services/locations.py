"""Locations: the branches and shelves items are kept at, each known by a unique code."""

from collections.abc import Callable

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext

from catalog.models import Change, Item, Location
from catalog.services.changes import changes_log, datestamps_move
from common.errors import ApplicationError, Conflict, first_or_not_found
from common.language import quoted

# As long as the column holds.
CODE_LENGTH = Location._meta.get_field("code").max_length or 32

# Called with (code before, code after; "" when the location is deleted), in the transaction
# of the change.
CodeFollower = Callable[[str, str], None]
_FOLLOWERS: list[CodeFollower] = []


def location_code_follow_register(follower: CodeFollower) -> None:
    """Have every change of a location's code, and every deletion, tell `follower`: what refers
    to a location by its code outside the catalog (the library's default location) follows it."""
    _FOLLOWERS.append(follower)


def _code_followers_tell(before: str, after: str) -> None:
    for follower in _FOLLOWERS:
        follower(before, after)


def _code_given(code: str) -> str:
    code = code.strip()
    if not code:
        message = gettext("A location needs a code.")
        raise ApplicationError.of_field("code", message)
    return code


def location_code_check(code: str, *, location_id: int | None = None) -> str:
    """A location code as typed, trimmed: present, and no other location's, in any case (a
    scan or a file's code is matched whatever its case). Only a new code is asked about case:
    two locations that differ only by case from before still save."""
    code = _code_given(code)
    others = Location.objects.all()
    if location_id is not None:
        others = others.exclude(pk=location_id)
    if others.filter(code=code).exists():
        message = gettext("A location with code %(code)s already exists.") % {"code": quoted(code)}
        raise ApplicationError.of_field("code", message, code="location_code_taken")
    unchanged = location_id is not None and Location.objects.filter(pk=location_id, code=code)
    alike = None if unchanged else others.filter(code__iexact=code).first()
    if alike is not None:
        message = gettext(
            "Location %(stored)s already has this code in another case: use %(stored)s, or "
            "give this location a code of its own."
        ) % {"stored": quoted(alike.code)}
        raise ApplicationError.of_field("code", message, code="location_code_taken")
    return code


def location_get_or_create(*, code: str, name: str = "") -> Location:
    """The location with this code, made (named after its code unless named) if missing."""
    code = _code_given(code)[:CODE_LENGTH]
    location, _ = Location.objects.get_or_create(code=code, defaults={"name": name or code})
    return location


@transaction.atomic
def location_create(*, code: str, name: str) -> Location:
    code = location_code_check(code)
    return Location.objects.create(code=code, name=name.strip() or code)


@transaction.atomic
def location_update(
    *, location_id: int, code: str | None = None, name: str | None = None
) -> Location:
    """Change a location's code or name (None keeps it). Its copies point at it by id, so a
    new code keeps every copy there; they are fed anew, and their records harvested anew."""
    location = first_or_not_found(
        Location.objects.select_for_update().filter(pk=location_id), gettext("No such location.")
    )
    before = (location.code, location.name)
    code = location.code if code is None else code
    location.code = location_code_check(code, location_id=location_id)
    location.name = location.name if name is None else (name.strip() or location.code)
    location.save()
    if (location.code, location.name) != before:
        _items_moved(location_id)
    if location.code != before[0]:
        # The records held there have new 852 $b and sets (the name is in neither).
        datestamps_move(Item.objects.filter(location_id=location_id).values("record_id"))
        _code_followers_tell(before[0], location.code)
    return location


def _items_moved(location_id: int) -> None:
    """Items whose description changed with their location's code or name: versioned and fed
    anew, so a client syncing the feed (and the public pages' cache) sees the new name."""
    items = Item.objects.filter(location_id=location_id)
    ids = list(items.values_list("pk", flat=True))
    items.update(version=F("version") + 1)
    changes_log(Change.Entity.ITEM, ids, Change.Action.UPDATED)


@transaction.atomic
def location_delete(*, location_id: int) -> None:
    location = first_or_not_found(
        Location.objects.select_for_update().filter(pk=location_id), gettext("No such location.")
    )
    if Item.objects.filter(location_id=location_id).exists():
        raise Conflict(
            gettext("Items are still kept at this location: move them before deleting it."),
            code="location_in_use",
        )
    location.delete()
    _code_followers_tell(location.code, "")
