"""Contributors stored before names were read without ISBD's punctuation, named anew from the
MARC they came in as, where no librarian has renamed them since."""

from django.db import connection, transaction
from django.db.models import F

from catalog.imports.formats.marc import marc_read
from catalog.imports.formats.marc21 import CONTRIBUTOR_TAGS, MarcFields, contributor_name
from catalog.imports.formats.source import RecordRejected
from catalog.models import Change, Contributor, Record, RecordContributor
from catalog.services import changes_log, datestamps_move
from catalog.text import name_key

# How the mapping named a contributor before: its name's subfields and a person's dates as
# written, only a closing comma taken off ("Hunter, Dan, 1966-", "Wall, Larry.").
_FORMER_CODES = ("a", "b", "c", "q", "d")
# A name the mapping now reads otherwise ends in ISBD's punctuation or holds a date.
_CANDIDATE = r"[.,;:/=]$|[0-9]"
_BATCH = 1000


def _former_name(codes: list[tuple[str, str]]) -> str:
    return " ".join([v for c, v in codes if c in _FORMER_CODES]).strip().rstrip(",").strip()[:500]


def _renamings(marc: bytes) -> dict[str, str]:
    """The source's contributors as the mapping named them before, with their name now."""
    try:
        record = marc_read(marc)
    except (RecordRejected, ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(record, MarcFields):
        record = MarcFields.of_record(record)
    return {
        _former_name(codes): contributor_name(tag, codes)
        for tag, _, _, codes in record.get_fields(*CONTRIBUTOR_TAGS)
    }


def contributor_names_remapped() -> int:
    """Rename each contributor whose name is still the one an import made of its source MARC
    before (the source of the first record crediting it says so, to the letter: a librarian's
    rename says otherwise and is kept) to the name the mapping reads now; its key is the
    same, so matching and the MARC export are unchanged. The records crediting a renamed
    contributor are versioned and fed anew, as a rename by hand does. Commits batch by batch;
    gives how many contributors were renamed."""
    renamed = 0
    after = 0
    while True:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT DISTINCT ON (c.id) c.id, c.name, c.name_key, r.source_marc "
                    "FROM catalog_contributor c "
                    "JOIN catalog_recordcontributor rc ON rc.contributor_id = c.id "
                    "JOIN catalog_record r ON r.id = rc.record_id "
                    "WHERE c.id > %s AND c.name ~ %s AND r.source_marc IS NOT NULL "
                    "ORDER BY c.id, r.id LIMIT %s",
                    [after, _CANDIDATE, _BATCH],
                )
                rows = cursor.fetchall()
            if not rows:
                return renamed
            after = rows[-1][0]
            names = {}
            for pk, name, key, marc in rows:
                now = _renamings(bytes(marc)).get(name)
                if now and now != name and name_key(now) == key:
                    names[pk] = now
            contributors = list(Contributor.objects.select_for_update().filter(pk__in=names))
            for contributor in contributors:
                contributor.name = names[contributor.pk]
            Contributor.objects.bulk_update(contributors, ["name"])
            record_ids = list(
                RecordContributor.objects.filter(contributor_id__in=names)
                .values_list("record_id", flat=True)
                .distinct()
            )
            if record_ids:
                Record.objects.filter(pk__in=record_ids).update(version=F("version") + 1)
                changes_log(Change.Entity.RECORD, record_ids, Change.Action.UPDATED)
                datestamps_move(record_ids)
            renamed += len(contributors)
