"""Staff pages for imports and exports: every staff member looks; admins and librarians act."""

from typing import Any

from django import forms
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.timezone import get_current_timezone_name, localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from catalog.imports.exports import export_file_open, export_job_create
from catalog.imports.jobs import (
    import_job_cancel,
    import_job_commit,
    import_job_create,
    import_job_outdated,
    import_job_preview_again,
    import_job_refused_outdated,
    import_job_revert,
    import_upload_check,
)
from catalog.imports.models import ExportJob, Format, ImportJob, ImportRow
from catalog.imports.rejects import import_rejects_file
from catalog.imports.selectors import (
    OUTDATED_RECORDS_SHOWN,
    export_job_list,
    import_job_desk_statuses_warned,
    import_job_list,
    import_job_names_locations,
    import_job_progress,
    import_outdated_records_shown,
    import_row_list,
)
from catalog.models import Item
from common.dates import ISO_DATETIME, datetime_input_hint
from common.errors import ApplicationError, Conflict
from common.http import streamed_attachment
from common.language import library_language, list_joined, quoted
from common.pages import form_submit
from staff.audit import actor_name
from staff.pages import staff_page
from staff.roles import may_import, policy_required, staff_required

IMPORT_ROWS_SHOWN = 200


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], error: str = ""
) -> HttpResponse:
    return staff_page(request, f"imports/staff/{template}", context, error)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File (MARC 21, UNIMARC, MARCXML or CSV)"))
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[("", _("Tell from the file name")), *Format.choices],
        required=False,
    )
    match_on = forms.ChoiceField(
        label=_("Match existing records on"),
        choices=ImportJob.MatchOn.choices,
        initial=ImportJob.MatchOn.EITHER,
    )
    on_match = forms.ChoiceField(
        label=_("When a record matches"), choices=ImportJob.OnMatch.choices
    )
    on_no_match = forms.ChoiceField(
        label=_("When nothing matches"), choices=ImportJob.OnNoMatch.choices
    )
    overlay = forms.ChoiceField(
        label=_("When a record is updated"), choices=ImportJob.Overlay.choices, required=False
    )
    create_locations = forms.BooleanField(
        label=_(
            "Create missing locations (otherwise records with an unknown location code are "
            "rejected)"
        ),
        required=False,
    )
    dry_run = forms.BooleanField(
        label=_("Dry run (preview only; nothing can be committed)"), required=False
    )

    def clean_overlay(self) -> str:
        return str(self.cleaned_data.get("overlay") or ImportJob.Overlay.REPLACE)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        try:
            import_upload_check(size=upload.size)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from None
        return upload


@staff_required
def imports_page(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)

    def start() -> HttpResponse:
        options = dict(form.cleaned_data)
        upload = options.pop("file")
        user, label = request.user, actor_name(request.user)
        job = import_job_create(
            file=upload, file_name=upload.name, started_by=user, started_by_label=label,
            **options,
        )  # fmt: skip
        return redirect("staff-import", pk=job.pk)

    def page(error: str) -> HttpResponse:
        context = {"form": form, "jobs": import_job_list()[:50]}
        return _page(request, "imports.html", context, error)

    return form_submit(request, form, start, page, gettext("Check the form below."))


def _import_job_page(
    request: HttpRequest, job: ImportJob, error: str = "", status: int = 200
) -> HttpResponse:
    action = request.GET.get("action") or ""
    if action not in ImportRow.Action.values:
        action = ""
    rows = import_row_list(job=job, action=action or None)[:IMPORT_ROWS_SHOWN]
    progress = import_job_progress(job)
    # Looked at each time the page is shown: a commit of it would be refused.
    outdated = import_job_outdated(job)
    context = {
        "job": job,
        "progress": progress,
        # The preview's page alone counts the copies given a desk status: it costs a query.
        "warnings": [*import_job_desk_statuses_warned(job), *progress["warnings"]],
        "rows": rows,
        "rows_shown": IMPORT_ROWS_SHOWN,
        "action": action,
        "actions": ImportRow.Action.choices,
        "running": job.status in ImportJob.ACTIVE_STATUSES,
        "outdated": outdated,
        "outdated_shown": import_outdated_records_shown(outdated),
        "outdated_more": max(0, len(outdated) - OUTDATED_RECORDS_SHOWN),
        # A commit refused for that reason leaves the job failed: it may be previewed again.
        "preview_again": bool(outdated) or import_job_refused_outdated(job),
        # The records a reverted job created are gone: its rows link to none of them.
        "reverted": job.status == ImportJob.Status.REVERTED,
        "can_write": may_import(request.user),
        "locations_link": may_import(request.user) and import_job_names_locations(job),
    }
    response = _page(request, "import_job.html", context, error)
    response.status_code = status if error else 200
    return response


@staff_required
def import_job_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _import_job_page(request, get_object_or_404(import_job_list(), pk=pk))


# Reverting deletes records, so it has a page of its own that says what it removes first.
_IMPORT_ACTIONS = {
    "commit": import_job_commit,
    "cancel": import_job_cancel,
    "preview": import_job_preview_again,
}


@staff_required
def import_job_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    job = get_object_or_404(import_job_list(), pk=pk)
    if request.method != "POST" or verb not in _IMPORT_ACTIONS:
        return HttpResponse(status=405)
    try:
        _IMPORT_ACTIONS[verb](job_id=job.pk)
    except ApplicationError as exc:
        job.refresh_from_db()
        return _import_job_page(request, job, exc.message, exc.status_code)
    return redirect("staff-import", pk=job.pk)


@policy_required(may_import)
def import_job_revert_page(request: HttpRequest, pk: int) -> HttpResponse:
    """What a revert removes and restores, and the button that does it; the POST reverts only
    with that button's confirmation."""
    job = get_object_or_404(import_job_list(), pk=pk)
    written = import_row_list(job=job).filter(committed=True)
    context = {
        "job": job,
        "created": written.filter(action=ImportRow.Action.CREATE).count(),
        "updated": written.filter(action=ImportRow.Action.UPDATE).count(),
    }
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            message = gettext("Nothing was reverted: confirm with the button below.")
            return _page(request, "import_revert.html", context, message)
        try:
            import_job_revert(job_id=job.pk)
        except ApplicationError as exc:
            job.refresh_from_db()
            return _import_job_page(request, job, exc.message, exc.status_code)
        return redirect("staff-import", pk=job.pk)
    if job.status == ImportJob.Status.REVERTED or not written.exists():
        return redirect("staff-import", pk=job.pk)  # nothing (left) to revert
    return _page(request, "import_revert.html", context)


@staff_required
def import_job_rejects(request: HttpRequest, pk: int) -> HttpResponseBase:
    job = get_object_or_404(import_job_list(), pk=pk)
    try:
        content, name, content_type = import_rejects_file(job=job)
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=exc.status_code, content_type="text/plain")
    return streamed_attachment(content, content_type=content_type, filename=name)


# Excel in these languages saves and opens CSV with ";" between columns (its decimal mark is ",").
SEMICOLON_LANGUAGES = frozenset({"fr", "de", "es"})


class ExportForm(forms.Form):
    format = forms.ChoiceField(label=_("Format"), choices=ExportJob.ExportFormat.choices)
    separator = forms.ChoiceField(
        label=_("CSV column separator"),
        choices=ExportJob.Separator.choices,
        required=False,  # a form sent without it (a script's) gets the comma, as before
        help_text=_("Excel in French, German or Spanish opens a CSV file in columns only with "
                    "semicolons."),
    )  # fmt: skip
    q = forms.CharField(label=_("Search words (optional)"), required=False, max_length=500)
    # Not cut to three characters: "English" is answered with what to write, not read as "Eng".
    language = forms.CharField(label=_("Language code (e.g. eng)"), required=False, max_length=40)
    year_from = forms.IntegerField(label=_("Published from (year)"), required=False)
    year_to = forms.IntegerField(label=_("Published up to (year)"), required=False)
    location = forms.CharField(label=_("Location code"), required=False, max_length=32)
    item_status = forms.ChoiceField(
        label=_("Copies with status"),
        choices=[("", _("Any")), *Item.Status.choices],
        required=False,
    )
    updated_since = forms.DateTimeField(
        label=_("Changed since"),
        required=False,
        widget=forms.DateTimeInput(format=ISO_DATETIME),
        help_text=lazy(datetime_input_hint, str)(),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A time typed without an offset is read in the request's zone, the library's own.
        self.fields["updated_since"].label = gettext("Changed since (%(zone)s time)") % {
            "zone": get_current_timezone_name()
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("year_from"), data.get("year_to")
        if first is not None and last is not None and first > last:
            self.add_error("year_to", gettext("The first year must not be after the last."))
        return data

    def filters(self) -> dict[str, Any]:
        """The filled-in filters, in the record list's names (as the API takes them)."""
        chosen = {
            k: v
            for k, v in self.cleaned_data.items()
            if k not in ("format", "separator") and v not in ("", None)
        }
        if "updated_since" in chosen:
            chosen["updated_since"] = chosen["updated_since"].isoformat()
        return chosen


def _local_time(value: Any) -> Any:
    """A filter's ISO 8601 instant in the library's time, as staff typed it; else as it is."""
    instant = parse_datetime(value) if isinstance(value, str) else None
    if instant is None or instant.tzinfo is None:
        return value
    return date_format(localtime(instant), "SHORT_DATETIME_FORMAT")


# Each filter as the exports list heads it ("Changed since: …") and as the export's page says
# it of the records chosen ("records changed since …").
_FILTER_WORDS = {
    "q": (_("Search"), _("matching %(value)s")),
    "years": (_("Years"), _("published %(value)s")),
    "language": (_("Language"), _("in language %(value)s")),
    "location": (_("Location"), _("with copies at %(value)s")),
    "item_status": (_("Copies"), _("with copies %(value)s")),
    "updated_since": (_("Changed since"), _("changed since %(value)s")),
    "contributor": (_("Contributor"), _("by %(value)s")),
    "subject": (_("Subject"), _("on the subject %(value)s")),
    "ids": (_("Records"), _("numbered %(value)s")),
    "identifier": (_("Identifier"), _("with the identifier %(value)s")),
    "isbn": (_("ISBN"), _("with the ISBN %(value)s")),
}  # fmt: skip


def _export_filters(filters: dict[str, Any]) -> list[tuple[str, Any]]:
    """An export's filled-in filters, by name, each value as staff read it."""
    first, last = filters.get("year_from"), filters.get("year_to")
    years = ""
    if first not in (None, "") and last not in (None, ""):
        years = gettext("%(first)s to %(last)s") % {"first": first, "last": last}
    elif first not in (None, ""):
        years = gettext("from %(first)s") % {"first": first}
    elif last not in (None, ""):
        years = gettext("to %(last)s") % {"last": last}
    status, ids = filters.get("item_status"), filters.get("ids")
    values = {
        **filters,
        "years": years,
        "item_status": Item.Status(status).label if status in Item.Status.values else status,
        "updated_since": _local_time(filters.get("updated_since")),
        "ids": ", ".join(map(str, ids)) if isinstance(ids, list) else ids,
    }
    named = [*_FILTER_WORDS, *(name for name in filters if name not in _FILTER_WORDS)]
    return [
        (name, values[name]) for name in named
        if name not in ("year_from", "year_to") and values.get(name) not in (None, "")
    ]  # fmt: skip


def _export_filters_text(filters: dict[str, Any]) -> str:
    """An export's filters as staff read them: "Search: perl · Years: to 1990"."""
    said = gettext("%(filter)s: %(value)s")  # French sets its colon apart
    parts = [
        said % {"filter": _FILTER_WORDS[name][0] if name in _FILTER_WORDS else name, "value": value}
        for name, value in _export_filters(filters)
    ]
    return " · ".join(parts) or gettext("all records")


def _export_sentence(job: ExportJob) -> str:
    """What an export holds and who started it, as one sentence: "CSV (;) export of the
    records changed since 12/04/2026 18:26, started on … by …"."""
    # The search words are quoted, or they would read as part of the sentence.
    phrases = [
        str(_FILTER_WORDS[name][1]) % {"value": quoted(value) if name == "q" else value}
        if name in _FILTER_WORDS
        else gettext("%(filter)s: %(value)s") % {"filter": name, "value": value}
        for name, value in _export_filters(job.filters)
    ]  # fmt: skip
    values = {
        "format": job.format_shown,
        "when": date_format(localtime(job.created_at), "SHORT_DATETIME_FORMAT"),
        "who": job.started_by_label or gettext("unknown"),
    }
    if not phrases:
        return gettext("%(format)s export of all records, started on %(when)s by %(who)s.") % values
    return gettext(
        "%(format)s export of the records %(filters)s, started on %(when)s by %(who)s."
    ) % {**values, "filters": list_joined(phrases)}


@staff_required
def exports_page(request: HttpRequest) -> HttpResponse:
    separator = ";" if library_language() in SEMICOLON_LANGUAGES else ","
    form = ExportForm(request.POST or None, initial={"separator": separator})

    def start() -> HttpResponse:
        format = form.cleaned_data["format"]
        # The separator is offered for every format; only a CSV has columns to separate.
        csv = format == ExportJob.ExportFormat.CSV
        job = export_job_create(
            format=format,
            filters=form.filters(),
            separator=(csv and form.cleaned_data["separator"]) or ExportJob.Separator.COMMA,
            started_by=request.user,
            started_by_label=actor_name(request.user),
        )
        return redirect("staff-export", pk=job.pk)

    def page(error: str) -> HttpResponse:
        jobs = [(job, _export_filters_text(job.filters)) for job in export_job_list()[:50]]
        return _page(request, "exports.html", {"form": form, "jobs": jobs}, error)

    return form_submit(request, form, start, page, gettext("Check the filters below."))


@staff_required
def export_job_page(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(export_job_list(), pk=pk)
    running = job.status in (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING)
    context = {"job": job, "running": running, "described": _export_sentence(job)}
    return _page(request, "export_job.html", context)


@staff_required
def export_job_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    job = get_object_or_404(export_job_list(), pk=pk)
    try:
        export = export_file_open(job)
    except Conflict as refusal:
        return HttpResponse(refusal.message, status=refusal.status_code, content_type="text/plain")
    return FileResponse(
        export.file, as_attachment=True, filename=export.name, content_type=export.media_type
    )
