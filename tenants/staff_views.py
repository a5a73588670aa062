"""Staff pages of a library host: imports, exports; staff, keys, domains, settings for admins."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render

from catalog.imports.exports import EXTENSIONS, export_job_create
from catalog.imports.models import ExportJob, Format, ImportJob, ImportRow
from catalog.imports.selectors import (
    export_job_list,
    import_job_list,
    import_job_progress,
    import_rejects_file,
    import_row_list,
)
from catalog.imports.services import (
    import_job_cancel,
    import_job_commit,
    import_job_create,
    import_job_revert,
)
from catalog.models import Item
from common.errors import ApplicationError
from staff import invitations
from staff.audit import actor_name, audit_event_list
from staff.models import ApiKey
from staff.roles import Role, admin_required, may_import, staff_required
from tenants import administration
from tenants.models import Library


def _library(request: HttpRequest) -> Library:
    return request.tenant  # type: ignore[attr-defined, no-any-return]


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], error: str = ""
) -> HttpResponse:
    return render(
        request,
        f"tenants/staff/{template}",
        {**context, "error": error},
        status=400 if error else 200,
    )


def _post_action(
    request: HttpRequest, act: Callable[[], object], done: str, refused: Callable[..., HttpResponse]
) -> HttpResponse:
    """A button's action: POST only; done, back to the `done` page; a service's refusal is
    answered by `refused(error)` with the refusal's status."""
    if request.method != "POST":
        return HttpResponse(status=405)
    try:
        act()
    except ApplicationError as exc:
        response = refused(exc)
        response.status_code = exc.status_code
        return response
    return redirect(done)


class InviteForm(forms.Form):
    email = forms.CharField(label="Email", max_length=254)
    role = forms.ChoiceField(label="Role", choices=Role.choices)


@admin_required
def people_page(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            invitations.staff_invite(
                **form.cleaned_data,
                invited_by=request.user,  # type: ignore[arg-type]
                host=request.get_host(),
                actor=actor_name(request.user),
            )
        except ApplicationError as exc:
            error = exc.message
        else:
            return redirect("staff-people")
    return _page(request, "people.html", {"form": form, "people": invitations.staff_list()}, error)


_STAFF_ACTIONS = {
    "resend": lambda request, pk: invitations.staff_invitation_resend(
        user_id=pk, invited_by=request.user, host=request.get_host(),
        actor=actor_name(request.user),
    ),
    "revoke": lambda request, pk: invitations.staff_invitation_revoke(
        user_id=pk, actor=actor_name(request.user)
    ),
    "deactivate": lambda request, pk: invitations.staff_deactivate(
        user_id=pk, by=request.user, actor=actor_name(request.user)
    ),
}  # fmt: skip


@admin_required
def people_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    if verb not in _STAFF_ACTIONS:
        return HttpResponse(status=405)
    return _post_action(
        request,
        lambda: _STAFF_ACTIONS[verb](request, pk),
        "staff-people",
        lambda exc: _page(
            request, "people.html", {"form": InviteForm(), "people": invitations.staff_list()},
            exc.message,
        ),
    )  # fmt: skip


class ApiKeyForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100)
    scope = forms.ChoiceField(label="Scope", choices=ApiKey.Scope.choices)
    expires_at = forms.DateTimeField(label="Expires at (optional, UTC)", required=False)


@admin_required
def api_keys_page(request: HttpRequest) -> HttpResponse:
    form = ApiKeyForm(request.POST or None)
    error, secret = "", ""
    if request.method == "POST" and form.is_valid():
        try:
            issued = administration.api_key_issue(
                **form.cleaned_data,
                created_by=request.user,  # type: ignore[arg-type]
                actor=actor_name(request.user),
            )
        except ApplicationError as exc:
            error = exc.message
        else:
            # The secret is shown in this response only; it is not kept.
            secret, form = issued.secret, ApiKeyForm()
    context = {
        "form": form,
        "keys": administration.api_key_list().select_related("created_by"),
        "secret": secret,
    }
    return _page(request, "api_keys.html", context, error)


@admin_required
def api_key_revoke_action(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_action(
        request,
        lambda: administration.api_key_withdraw(api_key_id=pk, actor=actor_name(request.user)),
        "staff-api-keys",
        lambda exc: HttpResponse(exc.message, content_type="text/plain"),
    )


class DomainForm(forms.Form):
    domain = forms.CharField(label="Custom domain", max_length=253)


@admin_required
def domains_page(request: HttpRequest) -> HttpResponse:
    form = DomainForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            administration.domain_add(
                library=_library(request),
                hostname=form.cleaned_data["domain"],
                actor=actor_name(request.user),
            )
        except ApplicationError as exc:
            error = exc.message
        else:
            return redirect("staff-domains")
    context = {"form": form, "domains": administration.domain_list(library=_library(request))}
    return _page(request, "domains.html", context, error)


@admin_required
def domain_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    services = {
        "make-primary": administration.domain_make_primary,
        "remove": administration.domain_remove,
    }
    if verb not in services:
        return HttpResponse(status=405)
    library = _library(request)
    return _post_action(
        request,
        lambda: services[verb](library=library, domain_id=pk, actor=actor_name(request.user)),
        "staff-domains",
        lambda exc: _page(
            request, "domains.html",
            {"form": DomainForm(), "domains": administration.domain_list(library=library)},
            exc.message,
        ),
    )  # fmt: skip


class SettingsForm(forms.Form):
    name = forms.CharField(label="Display name", max_length=200)
    public_catalog = forms.BooleanField(label="Public catalog (anyone may search)", required=False)
    default_location_code = forms.CharField(
        label="Default location code", max_length=32, required=False
    )


@admin_required
def settings_page(request: HttpRequest) -> HttpResponse:
    library = _library(request)
    initial = {
        "name": library.name,
        "public_catalog": library.public_catalog,
        "default_location_code": library.default_location_code,
    }
    form = SettingsForm(request.POST or None, initial=initial)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            administration.library_settings_update(
                library=library, actor=actor_name(request.user), **form.cleaned_data
            )
        except ApplicationError as exc:
            error = exc.message
        else:
            return redirect("staff-settings")
    return _page(request, "settings.html", {"form": form}, error)


@admin_required
def audit_page(request: HttpRequest) -> HttpResponse:
    return _page(request, "audit.html", {"events": audit_event_list()[:200]})


# --- Imports and exports: every staff member looks; admins and librarians act ---------------


class ImportForm(forms.Form):
    file = forms.FileField(label="File (MARC 21, MARCXML or CSV)")
    format = forms.ChoiceField(
        label="Format",
        choices=[("", "Tell from the file name"), *Format.choices],
        required=False,
    )
    match_on = forms.ChoiceField(
        label="Match existing records on",
        choices=ImportJob.MatchOn.choices,
        initial=ImportJob.MatchOn.EITHER,
    )
    on_match = forms.ChoiceField(label="When a record matches", choices=ImportJob.OnMatch.choices)
    on_no_match = forms.ChoiceField(
        label="When nothing matches", choices=ImportJob.OnNoMatch.choices
    )
    dry_run = forms.BooleanField(
        label="Dry run (preview only; nothing can be committed)", required=False
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.STACKS_IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is too large: {upload.size:,} bytes, and this library accepts files "
                f"up to {limit:,} bytes. Split it, or import it with the import_catalog command."
            )
        return upload


def _job_progress(job: ImportJob) -> dict[str, Any]:
    """Status, counts, progress (0-1) and time left, as the API reports them."""
    return import_job_progress(job)


@staff_required
def imports_page(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        options = dict(form.cleaned_data)
        upload = options.pop("file")
        user, label = request.user, actor_name(request.user)
        try:
            job = import_job_create(
                file=upload, file_name=upload.name, started_by=user, started_by_label=label,
                **options,
            )  # fmt: skip
        except ApplicationError as exc:
            error = exc.message
        else:
            return redirect("staff-import", pk=job.pk)
    elif request.method == "POST":
        error = "Check the form below."
    context = {"form": form, "jobs": import_job_list()[:50]}
    return _page(request, "imports.html", context, error)


IMPORT_ROWS_SHOWN = 200


def _import_job_page(
    request: HttpRequest, job: ImportJob, error: str = "", status: int = 200
) -> HttpResponse:
    action = request.GET.get("action") or ""
    if action not in ImportRow.Action.values:
        action = ""
    rows = import_row_list(job=job, action=action or None)[:IMPORT_ROWS_SHOWN]
    running = job.status in RUNNING_IMPORT_STATES
    context = {
        "job": job,
        "progress": _job_progress(job),
        "rows": rows,
        "rows_shown": IMPORT_ROWS_SHOWN,
        "action": action,
        "actions": ImportRow.Action.choices,
        "running": running,
        "can_write": may_import(request.user),
    }
    response = _page(request, "import_job.html", context, error)
    response.status_code = status if error else 200
    return response


RUNNING_IMPORT_STATES = (
    ImportJob.Status.QUEUED,
    ImportJob.Status.STAGING,
    ImportJob.Status.COMMITTING,
)


@staff_required
def import_job_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _import_job_page(request, get_object_or_404(import_job_list(), pk=pk))


_IMPORT_ACTIONS = {
    "commit": import_job_commit,
    "cancel": import_job_cancel,
    "revert": import_job_revert,
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


@staff_required
def import_job_rejects(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    content, name, content_type = import_rejects_file(
        job=get_object_or_404(import_job_list(), pk=pk)
    )
    response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class ExportForm(forms.Form):
    format = forms.ChoiceField(label="Format", choices=ExportJob.ExportFormat.choices)
    q = forms.CharField(label="Search words (optional)", required=False, max_length=500)
    language = forms.CharField(label="Language code (e.g. eng)", required=False, max_length=3)
    year_from = forms.IntegerField(label="Published from (year)", required=False)
    year_to = forms.IntegerField(label="Published up to (year)", required=False)
    location = forms.CharField(label="Location code", required=False, max_length=32)
    item_status = forms.ChoiceField(
        label="Copies with status",
        choices=[("", "Any"), *Item.Status.choices],
        required=False,
    )
    updated_since = forms.DateTimeField(label="Changed since (UTC)", required=False)

    def filters(self) -> dict[str, Any]:
        """The filled-in filters, in the record list's names (as the API takes them)."""
        chosen = {
            k: v for k, v in self.cleaned_data.items() if k != "format" and v not in ("", None)
        }
        if "updated_since" in chosen:
            chosen["updated_since"] = chosen["updated_since"].isoformat()
        return chosen


@staff_required
def exports_page(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            job = export_job_create(
                format=form.cleaned_data["format"],
                filters=form.filters(),
                started_by=request.user,
                started_by_label=actor_name(request.user),
            )
        except ApplicationError as exc:
            error = exc.message
        else:
            return redirect("staff-export", pk=job.pk)
    elif request.method == "POST":
        error = "Check the filters below."
    context = {"form": form, "jobs": export_job_list()[:50]}
    return _page(request, "exports.html", context, error)


@staff_required
def export_job_page(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(export_job_list(), pk=pk)
    running = job.status in (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING)
    return _page(request, "export_job.html", {"job": job, "running": running})


@staff_required
def export_job_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    job = get_object_or_404(export_job_list(), pk=pk)
    if job.status != ExportJob.Status.DONE or not job.file:
        return HttpResponse(
            f"The export is {job.status}; download it once it is done.",
            status=409,
            content_type="text/plain",
        )
    return FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=f"catalog-export-{job.pk}.{EXTENSIONS[job.format]}",
    )
