"""Staff pages of a library host for its admins: staff, API keys, domains, settings, audit."""

from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect

from common.errors import ApplicationError
from staff.audit import actor_name, audit_event_list
from staff.invitations import (
    staff_deactivate,
    staff_invitation_resend,
    staff_invitation_revoke,
    staff_invite,
    staff_list,
)
from staff.models import ApiKey, Role
from staff.pages import View, staff_page
from tenants.administration import (
    api_key_issue,
    api_key_list,
    api_key_withdraw,
    domain_add,
    domain_list,
    domain_make_primary,
    domain_remove,
    library_settings_update,
)
from tenants.models import Library


def admin_required(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not getattr(request.user, "is_library_admin", False):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _library(request: HttpRequest) -> Library:
    return request.tenant  # type: ignore[attr-defined, no-any-return]


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], error: str = ""
) -> HttpResponse:
    return staff_page(request, f"tenants/staff/{template}", context, error)


class InviteForm(forms.Form):
    email = forms.CharField(label="Email", max_length=254)
    role = forms.ChoiceField(label="Role", choices=Role.choices)


@admin_required
def people_page(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            staff_invite(
                **form.cleaned_data,
                invited_by=request.user,  # type: ignore[arg-type]
                host=request.get_host(),
                actor=actor_name(request.user),
            )
        except ApplicationError as exc:
            error = exc.message
        else:
            return redirect("staff-people")
    return _page(request, "people.html", {"form": form, "people": staff_list()}, error)


_STAFF_ACTIONS = {
    "resend": lambda request, pk: staff_invitation_resend(
        user_id=pk, invited_by=request.user, host=request.get_host(),
        actor=actor_name(request.user),
    ),
    "revoke": lambda request, pk: staff_invitation_revoke(
        user_id=pk, actor=actor_name(request.user)
    ),
    "deactivate": lambda request, pk: staff_deactivate(
        user_id=pk, by=request.user, actor=actor_name(request.user)
    ),
}  # fmt: skip


@admin_required
def people_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    if request.method != "POST" or verb not in _STAFF_ACTIONS:
        return HttpResponse(status=405)
    try:
        _STAFF_ACTIONS[verb](request, pk)
    except ApplicationError as exc:
        context = {"form": InviteForm(), "people": staff_list()}
        response = _page(request, "people.html", context, exc.message)
        response.status_code = exc.status_code
        return response
    return redirect("staff-people")


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
            issued = api_key_issue(
                **form.cleaned_data,
                created_by=request.user,  # type: ignore[arg-type]
                actor=actor_name(request.user),
            )
        except ApplicationError as exc:
            error = exc.message
        else:
            # The secret is shown in this response only; it is not kept.
            secret, form = issued.secret, ApiKeyForm()
    context = {"form": form, "keys": api_key_list().select_related("created_by"), "secret": secret}
    return _page(request, "api_keys.html", context, error)


@admin_required
def api_key_revoke_action(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    try:
        api_key_withdraw(api_key_id=pk, actor=actor_name(request.user))
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=exc.status_code, content_type="text/plain")
    return redirect("staff-api-keys")


class DomainForm(forms.Form):
    domain = forms.CharField(label="Custom domain", max_length=253)


@admin_required
def domains_page(request: HttpRequest) -> HttpResponse:
    form = DomainForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            domain_add(
                library=_library(request),
                hostname=form.cleaned_data["domain"],
                actor=actor_name(request.user),
            )
        except ApplicationError as exc:
            error = exc.message
        else:
            return redirect("staff-domains")
    context = {"form": form, "domains": domain_list(library=_library(request))}
    return _page(request, "domains.html", context, error)


@admin_required
def domain_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    if request.method != "POST" or verb not in ("make-primary", "remove"):
        return HttpResponse(status=405)
    service = domain_make_primary if verb == "make-primary" else domain_remove
    try:
        service(library=_library(request), domain_id=pk, actor=actor_name(request.user))
    except ApplicationError as exc:
        context = {"form": DomainForm(), "domains": domain_list(library=_library(request))}
        response = _page(request, "domains.html", context, exc.message)
        response.status_code = exc.status_code
        return response
    return redirect("staff-domains")


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
            library_settings_update(
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
