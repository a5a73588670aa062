"""Contributors and subjects: found or made by their folded names, and renamed with the records
that use them."""

from collections.abc import Iterable
from typing import NamedTuple

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext

from catalog.models import Change, Contributor, Record, Subject
from catalog.services.changes import changes_log, datestamps_move
from catalog.services.search_index import record_search_refresh, search_words_add
from catalog.text import line_text, name_key
from common.errors import ApplicationError, first_or_not_found
from common.sql import bulk_cursor


class Heading(NamedTuple):
    """A contributor or subject as a record links to it: its id and the name it is kept under."""

    pk: int
    name: str


def contributors_get_or_create(names: Iterable[str]) -> dict[str, Heading]:
    """Contributors by name key, creating the missing ones."""
    return contributors_by_key({name_key(n): n.strip()[:500] for n in names if name_key(n)})


def contributors_by_key(wanted: dict[str, str]) -> dict[str, Heading]:
    """Contributors for {name key: name}, creating the missing ones: two statements whatever
    the count (arrays as parameters, so a large import's thousand names cost no more to send)."""
    if not wanted:
        return {}
    keys = list(wanted)
    with bulk_cursor() as cursor:
        cursor.execute(
            "INSERT INTO catalog_contributor (name, name_key) "
            "SELECT * FROM unnest(%s::text[], %s::text[]) ON CONFLICT DO NOTHING",
            [list(wanted.values()), keys],
        )
        cursor.execute(
            "SELECT id, name, name_key FROM catalog_contributor WHERE name_key = ANY(%s)", [keys]
        )
        rows = cursor.fetchall()
    return {key: Heading(pk, name) for pk, name, key in rows}


def subjects_get_or_create(headings: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Heading]:
    """Subjects by (scheme, heading key), creating the missing ones."""
    wanted = {(scheme, name_key(h)): h.strip()[:500] for h, scheme in headings if name_key(h)}
    return subjects_by_key(wanted)


def subjects_by_key(wanted: dict[tuple[str, str], str]) -> dict[tuple[str, str], Heading]:
    """Subjects for {(scheme, heading key): heading}, creating the missing ones; found through
    the (scheme, heading key) unique index."""
    if not wanted:
        return {}
    schemes = [s for s, _ in wanted]
    keys = [k for _, k in wanted]
    with bulk_cursor() as cursor:
        cursor.execute(
            "INSERT INTO catalog_subject (heading, scheme, heading_key) "
            "SELECT * FROM unnest(%s::text[], %s::text[], %s::text[]) ON CONFLICT DO NOTHING",
            [list(wanted.values()), schemes, keys],
        )
        cursor.execute(
            "SELECT s.id, s.heading, s.scheme, s.heading_key FROM catalog_subject s "
            "JOIN unnest(%s::text[], %s::text[]) AS w(scheme, heading_key) "
            "ON s.scheme = w.scheme AND s.heading_key = w.heading_key",
            [schemes, keys],
        )
        rows = cursor.fetchall()
    return {(scheme, key): Heading(pk, heading) for pk, heading, scheme, key in rows}


def heading_key_check(
    field: str, name: str, *, taken: "Iterable[object]", heading_id: int | None = None
) -> str:
    """The folded key of a contributor's name or a subject's heading typed by hand: it must
    hold a letter or digit, and no other heading (`taken`, those with the same key) may
    have it, since records link to the one kept under a key."""
    key = name_key(name)
    if not key:
        message = "Give a name with at least one letter or digit."
        raise ApplicationError.of_field(field, message)
    if any(pk != heading_id for pk in taken):
        message = "This one exists already: choose it from the list."
        raise ApplicationError.of_field(field, message, code="heading_taken")
    return key


def contributor_name_check(name: str, *, contributor_id: int | None = None) -> str:
    """The name key of a contributor named by hand (see heading_key_check)."""
    same = Contributor.objects.filter(name_key=name_key(name)).values_list("pk", flat=True)
    return heading_key_check("name", name, taken=same, heading_id=contributor_id)


def subject_heading_check(heading: str, scheme: str, *, subject_id: int | None = None) -> str:
    """The heading key of a subject named by hand, unique in its scheme (see heading_key_check)."""
    same = Subject.objects.filter(scheme=scheme, heading_key=name_key(heading))
    return heading_key_check(
        "heading", heading, taken=same.values_list("pk", flat=True), heading_id=subject_id
    )


@transaction.atomic
def contributor_create(*, name: str) -> Contributor:
    name = line_text(name)
    key = contributor_name_check(name)
    return Contributor.objects.create(name=name.strip(), name_key=key)


@transaction.atomic
def contributor_update(*, contributor_id: int, name: str) -> Contributor:
    """Rename a contributor; the records crediting it are searched, versioned and fed anew."""
    contributor = first_or_not_found(
        Contributor.objects.select_for_update().filter(pk=contributor_id),
        gettext("No such contributor."),
    )
    name = line_text(name)
    contributor.name_key = contributor_name_check(name, contributor_id=contributor_id)
    contributor.name = name.strip()
    contributor.save()
    _records_renamed(contributor.records.values_list("pk", flat=True))
    return contributor


@transaction.atomic
def subject_create(*, heading: str, scheme: str) -> Subject:
    heading, scheme = line_text(heading), line_text(scheme)
    key = subject_heading_check(heading, scheme)
    return Subject.objects.create(heading=heading.strip(), scheme=scheme, heading_key=key)


@transaction.atomic
def subject_update(*, subject_id: int, heading: str, scheme: str) -> Subject:
    """Rename a subject or move it to another scheme; its records are searched, versioned and
    fed anew."""
    subject = first_or_not_found(
        Subject.objects.select_for_update().filter(pk=subject_id), gettext("No such subject.")
    )
    heading, scheme = line_text(heading), line_text(scheme)
    subject.heading_key = subject_heading_check(heading, scheme, subject_id=subject_id)
    subject.heading = heading.strip()
    subject.scheme = scheme
    subject.save()
    _records_renamed(subject.records.values_list("pk", flat=True))
    return subject


def _records_renamed(record_ids: Iterable[int]) -> None:
    """Records whose description changed with the name of a heading they link to."""
    ids = list(record_ids)
    record_search_refresh(ids)
    search_words_add(ids)
    Record.objects.filter(pk__in=ids).update(version=F("version") + 1)
    changes_log(Change.Entity.RECORD, ids, Change.Action.UPDATED)
    datestamps_move(ids)
