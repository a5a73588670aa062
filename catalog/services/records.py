"""Records: created, described anew and deleted with their links, search vectors and feed."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain
from operator import attrgetter
from typing import Any, Self

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext

from catalog.identifiers import identifier_normalize
from catalog.languages import MARC_FOR_TERMINOLOGY, MARC_LANGUAGES
from catalog.models import (
    Change,
    Identifier,
    Item,
    Record,
    RecordContributor,
    RecordSubject,
)
from catalog.selectors import record_links_attach
from catalog.services.changes import changes_log, version_check
from catalog.services.covers import cover_files_delete
from catalog.services.headings import contributors_get_or_create, subjects_get_or_create
from catalog.services.items import on_hold_shelf_refuse
from catalog.services.kept import delete_check
from catalog.services.search_index import (
    record_search_refresh,
    search_terms_lock,
    search_words_add,
)
from catalog.text import (
    line_text,
    lines_text,
    name_key,
    nonfiling_of,
    sort_title_for,
    texts_plain,
)
from common.errors import ApplicationError, NotFound, Versions, first_or_not_found

# What a record says of the work, as every reader and writer of a record passes it on: the
# API, the staff pages, drafts, exports, snapshots and the shared pool take the list from here.
RECORD_DESCRIPTION = ("title", "subtitle", "publisher", "publication_year", "edition", "language",
                      "series", "summary")  # fmt: skip
# Where the record came from: kept with the description, never shared in the pool.
RECORD_CONTROL = ("control_number", "control_number_source")
RECORD_FIELDS = (*RECORD_DESCRIPTION, *RECORD_CONTROL)

_DESCRIBED = attrgetter(*RECORD_DESCRIPTION)


def record_description(source: object) -> dict[str, Any]:
    """RECORD_DESCRIPTION's fields of a record, RecordData or any row that has them."""
    return dict(zip(RECORD_DESCRIPTION, _DESCRIBED(source), strict=True))


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
    # (heading, scheme); a heading given with no scheme takes SUBJECT_SCHEME_DEFAULT.
    subjects: Sequence[tuple[str, str]] = field(default_factory=list)
    identifiers: Sequence[tuple[str, str]] = field(default_factory=list)  # (kind, value)
    source_marc: bytes | None = None
    nonfiling: int = 0

    @classmethod
    def of_fields(cls, values: Mapping[str, Any], **links: Any) -> Self:
        """From checked input (a form's or a serializer's): the record's fields found in
        `values`, and its contributors, subjects and identifiers as given."""
        return cls(**{name: values[name] for name in RECORD_FIELDS if name in values}, **links)


# The record's texts of one line; the summary alone may have several.
_ONE_LINE = tuple(name for name in RECORD_FIELDS if name not in ("publication_year", "summary"))
_LINKS = ("contributors", "subjects", "identifiers")
_TEXTS = attrgetter(*_ONE_LINE, "summary")


def record_data_cleaned(data: RecordData) -> tuple[RecordData, list[str]]:
    """`data` with its control characters read as spaces (a summary keeps its line breaks),
    and the names of the fields that had any: every record write stores the cleaned text, so
    that no export writes a MARC delimiter or a bell that the record was given."""
    # Nearly every record has none: one look at all its text, not one at each of its parts.
    if texts_plain(chain(_TEXTS(data), *data.contributors, *data.subjects, *data.identifiers)):
        return data, []
    changes: dict[str, Any] = {}
    for name in _ONE_LINE:
        value = getattr(data, name)
        if value != (cleaned := line_text(value)):
            changes[name] = cleaned
    if data.summary != (summary := lines_text(data.summary)):
        changes["summary"] = summary
    for name in _LINKS:
        pairs = getattr(data, name)
        cleaned_pairs = [(line_text(one), line_text(other)) for one, other in pairs]
        if cleaned_pairs != [tuple(pair) for pair in pairs]:
            changes[name] = cleaned_pairs
    return (replace(data, **changes) if changes else data), list(changes)


def record_language_refusal(language: str) -> str:
    """Why `language` cannot be a record's language, in a sentence; "" for a code of the MARC
    code list for languages (or none given)."""
    if not language or language in MARC_LANGUAGES:
        return ""
    given = language.strip().lower()
    if given in MARC_FOR_TERMINOLOGY:
        return gettext(
            "The language \u201c%(language)s\u201d is an ISO 639-2/T code: MARC writes this "
            "language as \u201c%(marc)s\u201d."
        ) % {"language": language[:40], "marc": MARC_FOR_TERMINOLOGY[given]}
    if given in MARC_LANGUAGES:
        return gettext(
            "The language \u201c%(language)s\u201d is written \u201c%(marc)s\u201d: MARC "
            "language codes are three lower-case letters."
        ) % {"language": language[:40], "marc": given}
    return gettext(
        "The language \u201c%(language)s\u201d is not in the MARC code list for languages: "
        "use its three-letter code, such as eng for English, fre for French or ger for German."
    ) % {"language": language[:40]}


# The columns a record takes from its description as they are (the title is trimmed).
_COPIED = RECORD_FIELDS[1:]


def _record_fields_apply(record: Record, data: RecordData) -> None:
    if not data.title.strip():
        message = gettext("A record needs a title.")
        raise ApplicationError.of_field("title", message)
    # Asked only of a new language: a record stored with another code before still saves.
    refused = record_language_refusal(data.language) if data.language != record.language else ""
    if refused:
        raise ApplicationError(refused, code="language_invalid", fields={"language": [refused]})
    record.title = data.title.strip()
    for name in _COPIED:
        setattr(record, name, getattr(data, name))
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
                record=record, contributor_id=contributors[name_key(name)].pk, role=role, position=i
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
            links.append(RecordSubject(record=record, subject_id=subject.pk, position=i))
    RecordSubject.objects.bulk_create(links)
    identifiers = {(kind, identifier_normalize(kind, value)) for kind, value in data.identifiers}
    Identifier.objects.bulk_create(
        [Identifier(record=record, kind=kind, value=value) for kind, value in sorted(identifiers)]
    )


def _record_columns(record: Record) -> tuple[Any, ...]:
    return (record.title, *(getattr(record, name) for name in _COPIED), record.sort_title,
            bytes(record.source_marc or b""))  # fmt: skip


def _links_written(data: RecordData) -> tuple[list[Any], list[Any], list[Any]]:
    """The links _record_links_replace would write for `data`: contributors and subjects by
    their keys, in order, and identifiers normalised (the same as those a record has)."""
    contributors = [(name_key(name), role) for name, role in data.contributors if name_key(name)]
    subjects = list(dict.fromkeys((scheme, name_key(heading)) for heading, scheme in data.subjects))
    identifiers = sorted(
        {(kind, identifier_normalize(kind, value)) for kind, value in data.identifiers}
    )
    return contributors, [s for s in subjects if s[1]], identifiers


@transaction.atomic
def record_create(*, data: RecordData) -> Record:
    data, _ = record_data_cleaned(data)
    record = Record()
    _record_fields_apply(record, data)
    record.save()
    _record_links_replace(record, data)
    record_search_refresh([record.pk])
    search_words_add([record.pk])
    changes_log(Change.Entity.RECORD, [record.pk], Change.Action.CREATED)
    return record


@transaction.atomic
def record_update(
    *,
    record_id: int,
    data: RecordData,
    expected_version: Versions | None = None,
    logged: bool = True,
) -> Record:
    """Replace a record's description; with `expected_version`, refuse a stale write (412).
    With `logged` off the caller writes the change-feed entry (an import, in its chunk's)."""
    record = first_or_not_found(
        Record.objects.select_for_update().filter(pk=record_id), gettext("No such record.")
    )
    version_check("record", record.version, expected_version)
    data, _ = record_data_cleaned(data)
    before = None
    if logged:  # an import (not logged) has compared the record with its file already
        record_links_attach([record])
        before = (_record_columns(record), _links_written(record_data_of(record)))
    _record_fields_apply(record, data)
    if before == (_record_columns(record), _links_written(data)):
        # Nothing would change: no new version, feed entry or datestamp for harvesters to
        # fetch the record again for.
        return record
    record.version = F("version") + 1
    record.save()
    record.refresh_from_db(fields=["version", "updated_at"])
    _record_links_replace(record, data)
    record_search_refresh([record.pk])
    if logged:
        # An import (not logged) adds its records' new words once it is done: its chunks'
        # long transactions would otherwise hold new words' rows against each other.
        search_words_add([record.pk])
        changes_log(Change.Entity.RECORD, [record.pk], Change.Action.UPDATED)
    return record


def record_data_of(record: Record) -> RecordData:
    """A stored record's description, with the links record_links_attach gave it."""
    return RecordData(
        **{name: getattr(record, name) for name in RECORD_FIELDS},
        contributors=[(c.contributor_name, c.role) for c in record.credit_list],
        subjects=[(s.subject_heading, s.subject_scheme) for s in record.subject_link_list],
        identifiers=[(i.kind, i.value) for i in record.identifier_list],
    )


@transaction.atomic
def record_patch(
    *, record_id: int, changes: dict[str, Any], expected_version: Versions | None = None
) -> Record:
    """Change only the fields in `changes` (RecordData's names), reading the others under the
    record's lock: two people changing different fields at once both keep their change."""
    locked = first_or_not_found(
        Record.objects.select_for_update().filter(pk=record_id), gettext("No such record.")
    )
    record_links_attach([locked])
    data = replace(record_data_of(locked), **changes)
    if data.title == locked.title:
        # Kept while its title stays the same.
        data = replace(data, nonfiling=nonfiling_of(locked.title, locked.sort_title))
    return record_update(record_id=record_id, data=data, expected_version=expected_version)


@transaction.atomic
def record_delete(*, record_id: int, expected_version: Versions | None = None) -> None:
    """Delete a record, its items and its cover; with `expected_version`, refuse a stale
    delete (412); refuse one with a copy on the hold shelf (409 `item_on_hold_shelf`), or one
    another part of the library keeps (catalog.services.kept: a lent copy, 409
    `item_has_loans`; patrons waiting for the title, 409 `record_has_holds`)."""
    search_terms_lock()
    # Locked before its links are gathered: an update committing meanwhile cannot leave a
    # link behind (they have no database foreign key: see RecordContributor).
    record = first_or_not_found(
        Record.objects.select_for_update().filter(pk=record_id), gettext("No such record.")
    )
    if expected_version is not None:
        version_check("record", record.version, expected_version)
    # Locked as a check-out locks its copy: none can go out between the check and the delete.
    items = list(Item.objects.select_for_update().filter(record_id=record_id).order_by("pk"))
    on_hold_shelf_refuse(items)
    delete_check(
        Item.objects.filter(record_id=record_id),
        refusal=gettext("This record cannot be deleted with its copies: %(reason)s"),
    )
    delete_check(
        Record.objects.filter(pk=record_id),
        refusal=gettext("This record cannot be deleted: %(reason)s"),
    )
    item_ids = [item.pk for item in items]
    cover = Record.objects.filter(pk=record_id).values_list("cover", flat=True).first()
    deleted, _ = Record.objects.filter(pk=record_id).delete()
    if not deleted:
        raise NotFound(gettext("No such record."))
    cover_files_delete(cover or "")
    changes_log(Change.Entity.ITEM, item_ids, Change.Action.DELETED)
    changes_log(Change.Entity.RECORD, [record_id], Change.Action.DELETED)
