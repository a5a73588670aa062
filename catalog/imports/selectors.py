"""Reads for imports and exports: jobs, staged rows, and the records an export selects."""

from collections.abc import Iterable
from dataclasses import fields
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, F, Func, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext, ngettext, pgettext

from catalog.imports.models import (
    ExportJob,
    ImportJob,
    ImportRow,
    csv_encoding_warning,
    key_label,
    row_named,
)
from catalog.models import Item, Location, Record
from catalog.search import (
    RecordFilters,
    language_filter_refusal,
    record_search,
    year_range_refusal,
)
from catalog.search.lookups import identifier_parse, ids_parse, isbn_parse
from common.errors import ApplicationError, FieldRefusals

# The record list's filters; `isbn` is an identifier of kind isbn, in any form.
EXPORT_FILTERS = ("q", *(f.name for f in fields(RecordFilters)), "isbn")
_TEXT_FILTERS = ("q", "language", "location", "item_status", "updated_since", "identifier", "isbn")


def import_job_list() -> QuerySet[ImportJob]:
    return ImportJob.objects.order_by("-id")


# The fields of an import job that its progress shows, for the API and the staff pages alike.
IMPORT_JOB_FIELDS = (
    "id", "format", "file_name", "file_size", "match_on", "on_match", "on_no_match",
    "dry_run", "one_shot", "create_locations", "overlay", "read_as",
    "status", "error", "error_code", "total", "created", "updated",
    "unchanged", "rejected", "created_at", "staged_at", "committed_at", "finished_at",
)  # fmt: skip


def import_job_fraction_done(job: ImportJob) -> float:
    """0 to 1: bytes read while staging, rows written while committing."""
    if job.status == ImportJob.Status.QUEUED:
        return 0.0
    if job.status not in (ImportJob.Status.STAGING, ImportJob.Status.COMMITTING):
        return 1.0
    if job.status == ImportJob.Status.STAGING or job.one_shot:
        return round(min(job.bytes_read / job.file_size, 1.0), 4) if job.file_size else 0.0
    return round(job.committed_through / job.total, 4) if job.total else 0.0


def import_job_seconds_left(job: ImportJob) -> float | None:
    """The time left at the pace so far, while the job stages or commits."""
    done = import_job_fraction_done(job)
    if job.status not in (ImportJob.Status.STAGING, ImportJob.Status.COMMITTING):
        return None
    if not done or job.phase_started_at is None:
        return None
    elapsed: timedelta = timezone.now() - job.phase_started_at
    return round(elapsed.total_seconds() * (1 - done) / done, 1)


# How many of a file's repeated records its warning names (each row's reason names its own).
_MERGES_NAMED = 10


def import_job_warnings(job: ImportJob) -> list[str]:
    """What the file gives that no record takes, in the active language: a CSV's columns the
    import does not read, each with the template's column it probably meant (and those it
    reads by another language's name, with the column it reads them as); and the rows
    that repeat an earlier row's record, which the two become one of."""
    warnings = [*_locations_warned(job), *_merges_warned(job)]
    if encoding_warned := csv_encoding_warning(job.encoding):
        warnings.insert(0, encoding_warned)
    if job.read_as == "unimarc":
        warnings.insert(
            0,
            gettext(
                "Read as UNIMARC: the file's titles are in field 200, so each record was read "
                "as UNIMARC and converted to MARC 21, which Stacks keeps and exports. The "
                "fields that were not converted are named on each record's row."
            ),
        )
    if job.columns_read_as:
        # Read by another name, so nothing is taken without the librarian seeing what as.
        warnings.insert(
            0,
            gettext("These columns are read as the template's: %(columns)s.")
            % {
                "columns": ", ".join(
                    gettext("\u201c%(column)s\u201d read as \u201c%(meant)s\u201d")
                    % {"column": column, "meant": meant}
                    for column, meant in job.columns_read_as
                )
            },
        )
    if not job.unread_columns:
        return warnings
    near = [
        gettext("\u201c%(column)s\u201d (perhaps \u201c%(meant)s\u201d)")
        % {"column": column, "meant": meant}
        for column, meant in job.unread_columns
        if meant
    ]
    alone = [
        gettext("\u201c%(column)s\u201d") % {"column": column}
        for column, meant in job.unread_columns
        if not meant
    ]
    # Renaming helps only a column with a template column near it: the others' values are lost.
    said = []
    if near:
        said.append(
            gettext(
                "These columns are not read, and what they hold is not imported: %(columns)s. "
                "Rename them to the template's columns and import the file again."
            )
            % {"columns": ", ".join(near)}
        )
    if alone:
        said.append(
            gettext(
                "These columns have no place in the catalog, so their values will not be kept: "
                "%(columns)s. The records come in without them; if they matter, keep the file."
            )
            % {"columns": ", ".join(alone)}
        )
    return [*said, *warnings]


def _locations_warned(job: ImportJob) -> list[str]:
    """The location codes a staged import will add to the library (it creates the missing
    ones), each with how many of its copies name it, said before the librarian commits."""
    if job.status == ImportJob.Status.COMMITTED:
        return _locations_made_said(job)
    if job.status != ImportJob.Status.STAGED or not job.create_locations:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(item->>'location'), count(*) "
            "FROM imports_importrow AS r, "
            "jsonb_array_elements(r.data->'items') AS item "
            "WHERE r.job_id = %s AND r.action IN ('create', 'update') "
            "AND coalesce(item->>'location', '') <> '' "
            "GROUP BY upper(item->>'location') ORDER BY 1",
            [job.pk],
        )
        used = cursor.fetchall()
    known = set(
        Location.objects.annotate(upper=Upper("code"))
        .filter(upper__in=[code.upper() for code, _ in used])
        .values_list("upper", flat=True)
    )
    new = [(code, count) for code, count in used if code.upper() not in known]
    if not new:
        return []
    named = _locations_used(new)
    return [
        ngettext(
            "The import will add this location to the library: %(codes)s. Check the code "
            "before you commit; once added, name it under Locations.",
            "The import will add these locations to the library: %(codes)s. Check the codes "
            "before you commit; once added, name them under Locations.",
            len(new),
        )
        % {"codes": ", ".join(named)}
    ]


def import_job_desk_statuses_warned(job: ImportJob) -> list[str]:
    """How many new copies a staged file gives as on loan or on the hold shelf, which will
    come in available (each row's reason names its own), said on the preview's page before
    the librarian commits; a job list does not pay its query. A copy the catalog has already
    keeps its status, and is not counted."""
    if job.status != ImportJob.Status.STAGED:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM imports_importrow AS r, "
            "jsonb_array_elements(r.data->'items') AS item "
            "WHERE r.job_id = %s AND r.action IN ('create', 'update') "
            "AND item->>'status' = ANY(%s) AND NOT EXISTS "
            "(SELECT 1 FROM catalog_item AS i WHERE i.barcode = item->>'barcode')",
            [job.pk, sorted(Item.DESK_STATUSES)],
        )
        (count,) = cursor.fetchone()
    if not count:
        return []
    return [
        ngettext(
            "%(count)s copy was on loan or on the hold shelf in the file: loans and holds are "
            "made at the desk, so it is imported as available.",
            "%(count)s copies were on loan or on the hold shelf in the file: loans and holds "
            "are made at the desk, so they are imported as available.",
            count,
        )
        % {"count": f"{count:,}"}
    ]


def _locations_used(codes: Iterable[tuple[str, int]]) -> list[str]:
    """Each location code with the number of copies at it, as the import's words name them."""
    return [
        ngettext("%(code)s (used by %(count)s copy)", "%(code)s (used by %(count)s copies)", count)
        % {"code": code, "count": f"{count:,}"}
        for code, count in codes
    ]


def _locations_made_said(job: ImportJob) -> list[str]:
    """The locations a committed import added, each with the copies the import made there, so
    the report says what the library gained besides its records (they are named after their
    code); copies put there since, by hand or by another import, are not this one's."""
    items_made = ImportRow.objects.filter(job=job).annotate(
        item_id=Func(F("created_item_ids"), function="unnest")
    )
    made = (
        Location.objects.filter(pk__in=job.locations_made.values("location_id"))
        .annotate(copies=Count("items", filter=Q(items__in=items_made.values("item_id"))))
        .order_by("code")
        .values_list("code", "copies")
    )
    named = _locations_used(made)
    if not named:
        return []
    return [
        ngettext(
            "The import added this location to the library: %(codes)s. Give it a name under "
            "Locations.",
            "The import added these locations to the library: %(codes)s. Give them names under "
            "Locations.",
            len(named),
        )
        % {"codes": ", ".join(named)}
    ]


def _merges_warned(job: ImportJob) -> list[str]:
    """The rows a file gives twice (sharing an ISBN or a control number) and that become one
    record, said once the preview is read: while it is read the rows are still coming."""
    if job.status in (ImportJob.Status.QUEUED, ImportJob.Status.STAGING):
        return []
    if not (job.updated or job.unchanged):
        return []
    # A repeat that changes nothing in what the earlier row made is one record all the same.
    merged = ImportRow.objects.filter(
        job=job,
        action__in=(ImportRow.Action.UPDATE, ImportRow.Action.UNCHANGED),
        match_position__isnull=False,
    )
    count = merged.count()
    if not count:
        return []
    named = [
        gettext("%(row)s with %(earlier)s (%(key)s)")
        % {
            "row": row_named(position, line),
            "earlier": row_named(earlier or 0, earlier_line),  # never None: filtered
            "key": key_label(key),
        }
        for position, line, earlier, earlier_line, key in merged.order_by("position").values_list(
            "position", "line", "match_position", _match_line(), "match_key"
        )[:_MERGES_NAMED]
    ]
    if count > _MERGES_NAMED:
        more = count - _MERGES_NAMED
        named.append(
            ngettext("and %(count)s more", "and %(count)s more", more) % {"count": f"{more:,}"}
        )
    return [
        ngettext(
            "%(count)s record of this file repeats an earlier one (the same ISBN or control "
            "number), and the two become one record with the later one's values: %(rows)s. "
            "Each row's reason lists what differs; to import them as separate records, import "
            "with \u201con match: create\u201d.",
            "%(count)s records of this file repeat an earlier one (the same ISBN or control "
            "number), and each two become one record with the later one's values: %(rows)s. "
            "Each row's reason lists what differs; to import them as separate records, import "
            "with \u201con match: create\u201d.",
            count,
        )
        % {"count": f"{count:,}", "rows": pgettext("between a list's items", "; ").join(named)}
    ]


def import_job_progress(job: ImportJob) -> dict[str, Any]:
    """An import job as plain data: its settings, counts, progress, time left and warnings."""
    data: dict[str, Any] = {name: getattr(job, name) for name in IMPORT_JOB_FIELDS}
    data["progress"] = import_job_fraction_done(job)
    data["seconds_left"] = import_job_seconds_left(job)
    data["warnings"] = import_job_warnings(job)
    data["started_by"] = job.started_by_label
    data["waiting_for_job_queue"] = job.waiting_for_job_queue
    return data


def import_job_names_locations(job: ImportJob) -> bool:
    """Whether the job's words send the librarian to the library's locations: it adds some,
    or rejects copies for a location code the library does not have."""
    if _locations_warned(job):
        return True
    if not job.rejected or job.create_locations:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM imports_importrow AS r, "
            "jsonb_array_elements(r.data->'items') AS item "
            "WHERE r.job_id = %s AND r.action = 'reject' "
            "AND coalesce(item->>'location', '') <> '' "
            "AND NOT EXISTS (SELECT 1 FROM catalog_location AS l "
            "WHERE upper(l.code) = upper(item->>'location')))",
            [job.pk],
        )
        return bool(cursor.fetchone()[0])


def import_row_list(*, job: ImportJob, action: str | None = None) -> QuerySet[ImportRow]:
    """A job's rows in file order, each with `match_line`: the line of the earlier row of the
    file it matches (a CSV's; None for MARC, or a match in the catalog)."""
    rows = ImportRow.objects.filter(job=job).defer("raw", "data", "previous")
    if action:
        rows = rows.filter(action=action)
    return rows.annotate(match_line=_match_line()).order_by("position")


def _match_line() -> Subquery:
    """The line of the earlier row of the same file a row matches (None for MARC)."""
    matched = ImportRow.objects.filter(
        job_id=OuterRef("job_id"), position=OuterRef("match_position")
    ).values("line")[:1]
    return Subquery(matched)


def export_job_list() -> QuerySet[ExportJob]:
    return ExportJob.objects.order_by("-id")


def _refused(name: str, message: str) -> ApplicationError:
    """A filter refused, the message under its name too: `errors` is read by people."""
    return ApplicationError.of_field(name, message)


def _whole_number(value: Any) -> int:
    """A number filter's value, as the record list's query string takes it: digits, or a JSON
    number without a fraction; true is not the year 1, nor 1999.7 the year 1999."""
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise TypeError(value)
    return int(value)


def record_export_list(*, filters: dict[str, Any]) -> QuerySet[Record]:
    """The records an export writes: the record list's own search and filters. Every wrong
    filter is refused in one error, each under its own name."""
    refusals = FieldRefusals()
    unknown = set(filters) - set(EXPORT_FILTERS)
    if unknown:
        message = gettext("Unknown filter %(unknown)s: use %(known)s.") % {
            "unknown": ", ".join(sorted(unknown)),
            "known": ", ".join(EXPORT_FILTERS),
        }
        with refusals.field():
            raise ApplicationError(message, fields={name: [message] for name in sorted(unknown)})
    # A JSON body may give any type: text filters take text only, as the record list's query
    # string gives them, and a number filter is no boolean (true is not the year 1).
    not_text = {
        name for name in _TEXT_FILTERS
        if filters.get(name) not in (None, "") and not isinstance(filters[name], str)
    }  # fmt: skip
    for name in sorted(not_text):
        message = gettext("%(name)s must be text (a string in quotes).") % {"name": name}
        with refusals.field():
            raise _refused(name, message)
    filters = {name: value for name, value in filters.items() if name not in not_text}
    values: dict[str, Any] = {}
    for name in ("contributor", "subject", "year_from", "year_to"):
        if filters.get(name) not in (None, ""):
            try:
                values[name] = _whole_number(filters[name])
            except (TypeError, ValueError):
                message = gettext("%(name)s must be a whole number.") % {"name": name}
                with refusals.field():
                    raise _refused(name, message) from None
    if backwards := year_range_refusal(values.get("year_from"), values.get("year_to")):
        with refusals.field():
            raise _refused("year_from", backwards)
    for name in ("language", "location", "item_status"):
        if filters.get(name):
            values[name] = str(filters[name]).strip()
    if "language" in values:
        if refused := language_filter_refusal(str(filters["language"])):
            with refusals.field():
                raise _refused("language", refused)
        values["language"] = values["language"].lower()
    if "item_status" in values and values["item_status"] not in Item.Status.values:
        message = gettext("item_status must be one of %(values)s.") % {
            "values": ", ".join(Item.Status.values)
        }
        with refusals.field():
            raise _refused("item_status", message)
    if filters.get("updated_since"):
        since: datetime | None = parse_datetime(str(filters["updated_since"]))
        if since is None:
            message = gettext("updated_since must be an ISO 8601 date and time.")
            with refusals.field():
                raise _refused("updated_since", message)
        values["updated_since"] = since
    values.update(_lookups(filters, refusals))
    refusals.raise_any()
    return record_search(q=str(filters.get("q") or ""), filters=RecordFilters(**values))


def _lookups(filters: dict[str, Any], refusals: FieldRefusals) -> dict[str, Any]:
    """The `ids`, `identifier` and `isbn` filters, read as the record list reads them."""
    given = {name: filters[name] for name in ("ids", "identifier", "isbn")
             if filters.get(name) not in (None, "")}  # fmt: skip
    if "isbn" in given and "identifier" in given:
        with refusals.field():
            raise _refused("isbn", gettext("Send isbn or identifier, not both."))
    values: dict[str, Any] = {}
    for name, value in given.items():
        try:
            if name == "ids":
                values["ids"] = ids_parse(value)
            elif name == "identifier":
                values["identifier"] = identifier_parse(str(value))
            else:
                values["identifier"] = isbn_parse(str(value))
        except ApplicationError as exc:
            message = gettext("%(name)s: %(problem)s") % {"name": name, "problem": exc.message}
            with refusals.field():
                raise _refused(name, message) from None
    return values


# How many of the records an outdated preview rests on its page names, each with its title.
OUTDATED_RECORDS_SHOWN = 10


def import_outdated_records_shown(record_ids: list[int]) -> list[dict[str, Any]]:
    """The first of these records (changed since a preview was made), in order, each with its
    id and its title as it is now; a record removed since has none."""
    shown = record_ids[:OUTDATED_RECORDS_SHOWN]
    titles = dict(Record.objects.filter(pk__in=shown).values_list("pk", "title"))
    return [{"pk": pk, "title": titles.get(pk)} for pk in shown]
