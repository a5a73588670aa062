"""Writes to the catalog. Each service owns its transaction and records its changes in the feed."""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F

from catalog.identifiers import identifier_normalize
from catalog.models import (
    Change,
    Contributor,
    Identifier,
    Item,
    Location,
    Record,
    RecordContributor,
    RecordSubject,
    Subject,
)
from config.errors import ApplicationError, PreconditionFailed

SEARCH_CONFIG = "english"
_LEADING_ARTICLE = re.compile(r"^(the|a|an)\s+", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


@dataclass
class RecordData:
    """What a record says, already checked: the input every record write takes."""

    title: str
    subtitle: str = ""
    publisher: str = ""
    publication_year: int | None = None
    edition: str = ""
    language: str = ""
    series: str = ""
    summary: str = ""
    control_number: str = ""
    control_number_source: str = ""
    contributors: Sequence[tuple[str, str]] = field(default_factory=list)  # (name, role)
    subjects: Sequence[tuple[str, str]] = field(default_factory=list)  # (heading, scheme)
    identifiers: Sequence[tuple[str, str]] = field(default_factory=list)  # (kind, value)
    source_marc: bytes | None = None
    nonfiling: int = 0


def name_key(name: str) -> str:
    """A name folded for matching: case, accents, punctuation and spacing ignored."""
    folded = unicodedata.normalize("NFKD", name)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = re.sub(r"[^\w\s]", " ", folded.casefold())
    return _SPACES.sub(" ", folded).strip()[:500]


def sort_title_for(title: str, nonfiling: int = 0) -> str:
    title = title[nonfiling:] if 0 < nonfiling < len(title) else _LEADING_ARTICLE.sub("", title)
    return name_key(title)[:1000]


def changes_log(entity: str, ids: Iterable[int], action: str) -> None:
    Change.objects.bulk_create([Change(entity=entity, entity_id=pk, action=action) for pk in ids])


def record_search_refresh(record_ids: Sequence[int]) -> None:
    """Recompute the stored search vectors: title above contributors above subjects."""
    if not record_ids:
        return
    config = SEARCH_CONFIG
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE catalog_record r SET search_vector =
              setweight(to_tsvector('{config}', r.title || ' ' || r.subtitle), 'A')
              || setweight(to_tsvector('{config}', coalesce((
                   SELECT string_agg(c.name, ' ') FROM catalog_recordcontributor rc
                   JOIN catalog_contributor c ON c.id = rc.contributor_id
                   WHERE rc.record_id = r.id), '')), 'B')
              || setweight(to_tsvector('{config}', coalesce((
                   SELECT string_agg(s.heading, ' ') FROM catalog_recordsubject rs
                   JOIN catalog_subject s ON s.id = rs.subject_id
                   WHERE rs.record_id = r.id), '')), 'C')
              || setweight(to_tsvector('{config}',
                   r.series || ' ' || r.publisher || ' ' || r.summary), 'D')
            WHERE r.id = ANY(%s)
            """,  # noqa: S608 - config is a module constant
            [list(record_ids)],
        )


def contributors_get_or_create(names: Iterable[str]) -> dict[str, Contributor]:
    """Contributors by name key, creating the missing ones in one statement."""
    wanted = {name_key(n): n.strip()[:500] for n in names if name_key(n)}
    if not wanted:
        return {}
    Contributor.objects.bulk_create(
        [Contributor(name=n, name_key=k) for k, n in wanted.items()], ignore_conflicts=True
    )
    return {c.name_key: c for c in Contributor.objects.filter(name_key__in=wanted)}


def subjects_get_or_create(headings: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Subject]:
    wanted = {(scheme, name_key(h)): h.strip()[:500] for h, scheme in headings if name_key(h)}
    if not wanted:
        return {}
    Subject.objects.bulk_create(
        [Subject(heading=h, scheme=s, heading_key=k) for (s, k), h in wanted.items()],
        ignore_conflicts=True,
    )
    found = Subject.objects.filter(heading_key__in={k for _, k in wanted})
    return {(s.scheme, s.heading_key): s for s in found if (s.scheme, s.heading_key) in wanted}


def _record_fields_apply(record: Record, data: RecordData) -> None:
    if not data.title.strip():
        raise ApplicationError("A record needs a title.", fields={"title": ["required"]})
    record.title = data.title.strip()
    record.subtitle = data.subtitle
    record.publisher = data.publisher
    record.publication_year = data.publication_year
    record.edition = data.edition
    record.language = data.language
    record.series = data.series
    record.summary = data.summary
    record.control_number = data.control_number
    record.control_number_source = data.control_number_source
    if data.source_marc is not None:
        record.source_marc = data.source_marc
    record.sort_title = sort_title_for(record.title, data.nonfiling)


def _record_links_replace(record: Record, data: RecordData) -> None:
    contributors = contributors_get_or_create(name for name, _ in data.contributors)
    subjects = subjects_get_or_create(data.subjects)
    RecordContributor.objects.filter(record=record).delete()
    RecordSubject.objects.filter(record=record).delete()
    Identifier.objects.filter(record=record).delete()
    RecordContributor.objects.bulk_create(
        [
            RecordContributor(
                record=record, contributor=contributors[name_key(name)], role=role, position=i
            )
            for i, (name, role) in enumerate(data.contributors)
            if name_key(name)
        ]
    )
    seen_subjects: set[int] = set()
    links = []
    for i, (heading, scheme) in enumerate(data.subjects):
        subject = subjects.get((scheme, name_key(heading)))
        if subject is not None and subject.pk not in seen_subjects:
            seen_subjects.add(subject.pk)
            links.append(RecordSubject(record=record, subject=subject, position=i))
    RecordSubject.objects.bulk_create(links)
    identifiers = {(kind, identifier_normalize(kind, value)) for kind, value in data.identifiers}
    Identifier.objects.bulk_create(
        [Identifier(record=record, kind=kind, value=value) for kind, value in sorted(identifiers)]
    )


@transaction.atomic
def record_create(*, data: RecordData) -> Record:
    record = Record()
    _record_fields_apply(record, data)
    record.save()
    _record_links_replace(record, data)
    record_search_refresh([record.pk])
    changes_log(Change.Entity.RECORD, [record.pk], Change.Action.CREATED)
    return record


@transaction.atomic
def record_update(
    *, record_id: int, data: RecordData, expected_version: int | None = None
) -> Record:
    """Replace a record's description; with `expected_version`, refuse a stale write (412)."""
    record = Record.objects.select_for_update().filter(pk=record_id).first()
    if record is None:
        from config.errors import NotFound

        raise NotFound("No such record.")
    if expected_version is not None and record.version != expected_version:
        raise PreconditionFailed(
            f"The record changed since you read it (version {record.version}, "
            f"you sent {expected_version}). Fetch it again and reapply your change."
        )
    _record_fields_apply(record, data)
    record.version = F("version") + 1
    record.save()
    record.refresh_from_db(fields=["version", "updated_at"])
    _record_links_replace(record, data)
    record_search_refresh([record.pk])
    changes_log(Change.Entity.RECORD, [record.pk], Change.Action.UPDATED)
    return record


@transaction.atomic
def record_delete(*, record_id: int) -> None:
    item_ids = list(Item.objects.filter(record_id=record_id).values_list("pk", flat=True))
    deleted, _ = Record.objects.filter(pk=record_id).delete()
    if deleted:
        changes_log(Change.Entity.ITEM, item_ids, Change.Action.DELETED)
        changes_log(Change.Entity.RECORD, [record_id], Change.Action.DELETED)


def location_get_or_create(*, code: str, name: str = "") -> Location:
    code = code.strip()[:32]
    if not code:
        raise ApplicationError("A location needs a code.", fields={"code": ["required"]})
    location, _ = Location.objects.get_or_create(code=code, defaults={"name": name or code})
    return location
