"""Whether a preview still holds when it is committed: the records changed after it began
deciding that could turn its decisions, and the refusal that names them."""

from django.db.models import Max
from django.utils.translation import gettext, ngettext

from catalog.imports.models import STAGED_MATCH_VALUES, ImportJob
from catalog.models import Change
from common.errors import Conflict
from common.sql import bulk_cursor


class CatalogMovedOn(Conflict):
    """The catalog changed after a preview decided what its commit would do: `record_ids` are
    the records that changed (see records_changed_since_preview), for an answer to name."""

    code = "catalog_changed_since_preview"

    def __init__(self, message: str, *, record_ids: list[int]) -> None:
        super().__init__(message)
        self.record_ids = record_ids


def feed_position() -> int:
    """The change feed's last id (0 while it is empty): where a job begins deciding."""
    return Change.objects.aggregate(last=Max("id"))["last"] or 0


# The records of the catalog a preview's decisions rest on, among those changed (added,
# edited or removed) after it began deciding: those it matched a row of the file to, and
# those that now hold an ISBN or control number the file gives (a match it would find now).
# A record changed elsewhere in the catalog cannot turn any of its decisions. It starts from
# the few changed records (the feed by its key) and their ISBNs and control numbers, and
# looks those up among the job's rows through the staged rows' indexes, so its cost follows
# the changes, not the file; the rows found are checked exactly (an ISBN, not another kind
# of identifier; the control number's source).
_RECORDS_THAT_MATTER = f"""
WITH changed AS (
    SELECT DISTINCT entity_id AS id FROM catalog_change WHERE entity = 'record' AND id > %(after)s
), isbns AS (
    SELECT i.record_id AS id, i.value FROM catalog_identifier i
    JOIN changed c ON c.id = i.record_id WHERE %(isbn)s AND i.kind = 'isbn'
), numbers AS (
    SELECT r.id, r.control_number_source AS source, r.control_number AS number
    FROM catalog_record r JOIN changed c ON c.id = r.id WHERE %(cn)s AND r.control_number <> ''
), found AS (
    SELECT data FROM imports_importrow
    WHERE job_id = %(job)s AND action <> 'reject' AND data IS NOT NULL
    AND ({STAGED_MATCH_VALUES})
        ?| ARRAY(SELECT value::text FROM isbns UNION SELECT number::text FROM numbers)
)
SELECT c.id FROM changed c WHERE EXISTS (
    SELECT FROM imports_importrow r WHERE r.job_id = %(job)s AND r.match_record_id = c.id
    AND r.action <> 'reject' AND r.data IS NOT NULL
)
UNION
SELECT k.id FROM isbns k JOIN found r ON EXISTS (
    SELECT FROM jsonb_array_elements(r.data->'identifiers') i
    WHERE i->>0 = 'isbn' AND i->>1 = k.value
)
UNION
SELECT k.id FROM numbers k JOIN found r ON r.data->>'control_number' = k.number
    AND coalesce(r.data->>'control_number_source', '') = k.source
ORDER BY id
"""  # noqa: S608 - a constant expression


def records_changed_since_preview(job: ImportJob) -> list[int]:
    """The records, by id, changed after the job began deciding in a way that could turn its
    decisions (see _RECORDS_THAT_MATTER); none for a preview that writes nothing, or for a
    job that never previewed (a one-shot import decides as it writes)."""
    if job.decided_after_change_id is None or not (job.created or job.updated):
        return []
    params = {
        "after": job.decided_after_change_id,
        "job": job.pk,
        "isbn": job.match_on in (ImportJob.MatchOn.ISBN, ImportJob.MatchOn.EITHER),
        "cn": job.match_on in (ImportJob.MatchOn.CONTROL_NUMBER, ImportJob.MatchOn.EITHER),
    }
    with bulk_cursor() as cursor:
        cursor.execute(_RECORDS_THAT_MATTER, params)
        return [record_id for (record_id,) in cursor.fetchall()]


# How many of the changed records a refusal names.
_RECORDS_NAMED = 10


def catalog_moved_on_check(job: ImportJob) -> None:
    """Refuse to commit a preview whose decisions may no longer hold: a record it matched was
    edited or removed after it began deciding, or a record added or edited since holds an
    ISBN or control number of the file (another import of the same file, say, whose records
    it would then create a second time). Other changes to the catalog leave it be."""
    changed = records_changed_since_preview(job)
    if changed:
        raise CatalogMovedOn(catalog_moved_on_said(changed), record_ids=changed)


def first_named(names: list[str], limit: int) -> str:
    """The first `limit` of `names`, and how many more there are, for a refusal to name."""
    named = ", ".join(names[:limit])
    if len(names) > limit:
        named = gettext("%(records)s and %(more)s more") % {
            "records": named,
            "more": len(names) - limit,
        }
    return named


def catalog_moved_on_said(changed: list[int]) -> str:
    """Why a preview can no longer be committed, naming the records that changed."""
    named = first_named(list(map(str, changed)), _RECORDS_NAMED)
    return ngettext(
        "Record %(records)s changed after this import was previewed, and the file matches it "
        "or gives one of its identifiers, so what the preview decided may no longer hold (it "
        "could add a record twice or undo the change). Nothing was imported: make the preview "
        "again from the same file, check it, and commit it then.",
        "Records %(records)s changed after this import was previewed, and the file matches "
        "them or gives their identifiers, so what the preview decided may no longer hold (it "
        "could add records twice or undo the changes). Nothing was imported: make the preview "
        "again from the same file, check it, and commit it then.",
        len(changed),
    ) % {"records": named}
