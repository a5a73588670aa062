"""Staff pages of a library host for its admins: staff, API keys, domains, settings, audit."""

import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from catalog.selectors import location_list
from common.errors import ApplicationError, PreconditionFailed
from common.pages import form_once_issue, form_once_spend, form_once_unspent, form_submit
from staff import invitations
from staff.audit import actor_name, audit_event_list
from staff.models import ApiKey
from staff.pages import staff_page
from staff.roles import Role, admin_required
from tenants import administration
from tenants.dns import domain_challenge
from tenants.domains import is_platform_hostname
from tenants.locale import time_zone_choices, time_zones_offered
from tenants.models import Domain, Library


def _library(request: HttpRequest) -> Library:
    return request.tenant  # type: ignore[attr-defined, no-any-return]


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], error: str = ""
) -> HttpResponse:
    return staff_page(request, f"tenants/staff/{template}", context, error)


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
    email = forms.CharField(label=_("Email"), max_length=254, widget=forms.EmailInput)
    # A colleague invited without a look at the role gets the everyday one, not admin.
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.LIBRARIAN)


@admin_required
def people_page(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)

    def invite() -> HttpResponse:
        invitations.staff_invite(
            **form.cleaned_data,
            invited_by=request.user,  # type: ignore[arg-type]
            host=request.get_host(),
            actor=actor_name(request.user),
        )
        said = gettext("Invitation sent to %(email)s: they choose their password from its link.")
        messages.success(request, said % {"email": form.cleaned_data["email"].strip().lower()})
        return redirect("staff-people")

    def page(error: str) -> HttpResponse:
        context = {"form": form, "people": invitations.staff_list()}
        return _page(request, "people.html", context, error)

    return form_submit(request, form, invite, page)


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
    name = forms.CharField(label=_("Name"), max_length=100)
    scope = forms.ChoiceField(label=_("Scope"), choices=ApiKey.Scope.choices)
    patrons = forms.BooleanField(
        label=_("Patrons, loans and holds too (a self-check machine, a patron sync)"),
        required=False,
    )
    expires_at = forms.DateTimeField(
        label=_("Expires at (optional, in the library time zone)"), required=False
    )
    # The page answers a creation with the secret rather than a redirect (it is not kept to
    # show later), so a reload would send the form again: its token makes it count once.
    once = forms.CharField(widget=forms.HiddenInput, required=False)


@admin_required
def api_keys_page(request: HttpRequest) -> HttpResponse:
    form = ApiKeyForm(request.POST or None, initial={"once": form_once_issue(request)})
    error, secret = "", ""
    if request.method == "POST" and form.is_valid():
        details = dict(form.cleaned_data)
        once = details.pop("once")
        try:
            if not form_once_unspent(request, once):
                raise ApplicationError(
                    gettext(
                        "This form was sent before, and its key was created then; nothing "
                        "more was created. If its secret was not copied, revoke that key and "
                        "create another."
                    )
                )
            issued = administration.api_key_issue(
                **details,
                created_by=request.user,  # type: ignore[arg-type]
                actor=actor_name(request.user),
            )
        except ApplicationError as exc:
            error = exc.message
            form = ApiKeyForm(initial={**details, "once": form_once_issue(request)})
        else:
            form_once_spend(request, once)
            # The secret is shown in this response only; it is not kept.
            secret, form = issued.secret, ApiKeyForm(initial={"once": form_once_issue(request)})
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


def _domains(request: HttpRequest) -> list[Domain]:
    """The library's domains, each with the TXT record that proves it."""
    domains = list(administration.domain_list(library=_library(request)))
    for domain in domains:
        domain.challenge = domain_challenge(library=domain.tenant, hostname=domain.domain)  # type: ignore[attr-defined]
        # The platform's address for the library stays (domain_remove refuses it).
        domain.removable = not is_platform_hostname(domain.domain)  # type: ignore[attr-defined]
    return domains


class DomainForm(forms.Form):
    domain = forms.CharField(label=_("Custom domain"), max_length=253)


@admin_required
def domains_page(request: HttpRequest) -> HttpResponse:
    form = DomainForm(request.POST or None)

    def add() -> HttpResponse:
        administration.domain_add(
            library=_library(request),
            hostname=form.cleaned_data["domain"],
            actor=actor_name(request.user),
        )
        return redirect("staff-domains")

    def page(error: str) -> HttpResponse:
        context = {"form": form, "domains": _domains(request)}
        return _page(request, "domains.html", context, error)

    return form_submit(request, form, add, page)


@admin_required
def domain_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    services = {
        "make-primary": administration.domain_make_primary,
        "remove": administration.domain_remove,
        "verify": administration.domain_verify,
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
            {"form": DomainForm(), "domains": _domains(request)},
            exc.message,
        ),
    )  # fmt: skip


class SettingsForm(forms.Form):
    name = forms.CharField(label=_("Display name"), max_length=200)
    public_catalog = forms.BooleanField(
        label=_("Public catalog (anyone may search)"), required=False
    )
    # A choice among the library's locations (see __init__); a code posted that none has is
    # refused by the service, with a link to Locations.
    default_location_code = forms.CharField(
        label=_("Default location"), max_length=32, required=False, widget=forms.Select
    )
    share_records = forms.BooleanField(
        label=_("Share our records (bibliographic data only) with the other libraries"),
        required=False,
    )
    cors_origins = forms.CharField(
        label=_("Web origins whose pages may read the API, one per line"),
        help_text=_(
            "For a discovery layer or a school's site that reads the catalog from the reader's "
            "browser, e.g. https://catalog.example.org (reads only; none by default)."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    language = forms.ChoiceField(
        label=_("Language of the catalog"),
        choices=settings.LANGUAGES,
        required=False,
        help_text=_(
            "For readers whose browser asks for no language Stacks speaks. It is also the "
            "language of the library's mail (notices, invitations) and of the reasons an "
            "import gives for each row."
        ),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=lambda: time_zone_choices(time_zones_offered()),
        required=False,
        help_text=_("Dates and times on the catalog and the staff pages are shown in it."),
    )
    contact_email = forms.EmailField(
        label=_("Contact address for readers"),
        required=False,
        help_text=_(
            "Readers' replies to the library's mail (notices, sign-in links) go here. The mail "
            "comes from the library's name either way."
        ),
    )
    # The settings' version when the page was opened: a save over a later one is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    # The settings when the page was opened, to tell a refused save what someone else changed.
    opened = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["default_location_code"]
        codes = [(location.code, str(location)) for location in location_list()]
        # With none to choose from, the field's help says where to add them.
        self.no_locations = not codes
        saved = str(self.initial.get("default_location_code") or "")
        if saved and saved not in dict(codes):
            codes.append((saved, saved))  # a location removed since: shown, not lost
        field.widget.choices = [("", gettext("(none)")), *codes]
        # A saved zone that is valid but not offered (an alias such as Asia/Calcutta, saved
        # over the API) stays chosen, not lost.
        zone = self.fields["time_zone"]
        saved_zone = str(self.initial.get("time_zone") or "")
        if saved_zone and saved_zone not in time_zones_offered():
            zone.choices = [(saved_zone, saved_zone), *zone.choices]  # type: ignore[attr-defined]
        if self.no_locations:
            field.help_text = gettext(
                "The library has no locations yet: add them under Locations, then choose the "
                "one new copies go to."
            )

    def clean_cors_origins(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["cors_origins"].splitlines()]

    def clean_contact_email(self) -> str | None:
        # An empty field clears the address; a page from before the field (no field at all)
        # leaves it as saved.
        if "contact_email" not in self.data:
            return None
        return str(self.cleaned_data["contact_email"])


# The settings the form edits, in the form's order.
SETTINGS_FIELDS = (
    "name", "public_catalog", "default_location_code", "share_records", "cors_origins",
    "language", "time_zone", "contact_email",
)  # fmt: skip


def _settings_saved(library: Library) -> dict[str, Any]:
    """The library's settings as the form compares them."""
    saved = {name: getattr(library, name) for name in SETTINGS_FIELDS}
    saved["cors_origins"] = list(saved["cors_origins"])
    return saved


def _settings_typed(cleaned: dict[str, Any]) -> dict[str, Any]:
    """What the editor typed, as _settings_saved gives it; a field an older page left out
    (language, time zone, contact address) is None."""
    typed = {name: cleaned[name] for name in SETTINGS_FIELDS}
    typed["name"] = typed["name"].strip()
    typed["default_location_code"] = typed["default_location_code"].strip()
    typed["cors_origins"] = [origin for origin in typed["cors_origins"] if origin]
    for kept in ("language", "time_zone"):
        typed[kept] = typed[kept] or None
    return typed


def _settings_opened(value: str) -> dict[str, Any] | None:
    """The settings as they were when the page was opened (None from an older page)."""
    try:
        opened = json.loads(value) if value else None
    except ValueError:
        return None
    if not isinstance(opened, dict) or set(opened) != set(SETTINGS_FIELDS):
        return None
    return opened


def _setting_shown(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if name == "language":
        return str(dict(settings.LANGUAGES).get(value, value))
    if isinstance(value, list):
        value = ", ".join(value)
    return value or gettext("(none)")


def _settings_untouched(
    form: "SettingsForm", *, opened: dict[str, Any] | None, saved: dict[str, Any]
) -> set[str]:
    """The settings someone else saved since the page was opened that this editor left as they
    were: a second save must not put the opened values back over theirs."""
    if opened is None:
        return set()
    typed = _settings_typed(form.cleaned_data)
    return {
        name
        for name in SETTINGS_FIELDS
        if typed[name] is not None and typed[name] == opened[name] != saved[name]
    }


def _settings_changes(
    form: "SettingsForm", *, opened: dict[str, Any] | None, saved: dict[str, Any],
    untouched: set[str],
) -> list[dict[str, str]]:  # fmt: skip
    """The settings someone else saved since the page was opened, with the value now saved and
    the value typed (or, for those in `untouched`, that the editor left them); without the
    values at opening (an older page), those that differ."""
    typed = _settings_typed(form.cleaned_data)
    changes = []
    for name in SETTINGS_FIELDS:
        if typed[name] is None:
            continue
        before = opened[name] if opened is not None else typed[name]
        if saved[name] != before:
            changes.append(
                {
                    "label": str(form.fields[name].label),
                    "saved": _setting_shown(name, saved[name]),
                    "typed": gettext("(not changed by you)")
                    if name in untouched
                    else _setting_shown(name, typed[name]),
                }
            )
    return changes


def _setting_posted(name: str, value: Any) -> list[str]:
    """A saved setting as the form posts it."""
    if isinstance(value, bool):
        return ["on"] if value else []
    if isinstance(value, list):
        return ["\n".join(value)]
    return [str(value or "")]


@admin_required
def settings_page(request: HttpRequest) -> HttpResponse:
    # Read afresh, not from the request's cached host lookup: the form shows what is saved.
    library = Library.objects.get(pk=_library(request).pk)
    saved = _settings_saved(library)
    initial = {
        **saved,
        "cors_origins": "\n".join(library.cors_origins),
        "version": library.settings_version,
        "opened": json.dumps(saved),
    }
    form = SettingsForm(request.POST or None, initial=initial)

    def save() -> HttpResponse:
        values = dict(form.cleaned_data)
        expected = values.pop("version")
        opened = _settings_opened(values.pop("opened"))
        # Left out of the form (an older page): the language and zone stay as they are.
        for kept in ("language", "time_zone"):
            values[kept] = values[kept] or None
        try:
            administration.library_settings_update(
                library=library,
                actor=actor_name(request.user),
                expected_version=expected,
                **values,
            )
        except PreconditionFailed:
            said = gettext("Someone saved these settings after you opened them.")
            return _settings_refused(request, form, opened, said)
        except ApplicationError as refused:
            if refused.code != "unknown_location":
                raise
            # Locations are added in the catalog, not here: the refusal links to them.
            context = {"form": form, "locations_link": True}
            return _page(request, "settings.html", context, refused.message)
        messages.success(request, gettext("Settings saved."))
        return redirect("staff-settings")

    return form_submit(
        request, form, save, lambda error: _page(request, "settings.html", {"form": form}, error)
    )


def _settings_refused(
    request: HttpRequest, form: SettingsForm, opened: dict[str, Any] | None, error: str
) -> HttpResponse:
    """A save over someone else's: what they changed beside what was typed, and the form again
    with the editor's own changes over the values and the version now saved, so that a second
    save is deliberate and undoes nothing the editor left alone."""
    library = Library.objects.get(pk=_library(request).pk)
    saved = _settings_saved(library)
    untouched = _settings_untouched(form, opened=opened, saved=saved)
    changes = _settings_changes(form, opened=opened, saved=saved, untouched=untouched)
    data = request.POST.copy()
    # What the editor changed stays typed; what only someone else changed shows as saved.
    for name in untouched:
        data.setlist(name, _setting_posted(name, saved[name]))
        if not data.getlist(name):
            del data[name]  # an unticked box is one the form does not send
    data["version"] = str(library.settings_version)
    data["opened"] = json.dumps(saved)
    again = SettingsForm(data, initial=form.initial)
    return _page(request, "settings.html", {"form": again, "changes": changes}, error)


@admin_required
def audit_page(request: HttpRequest) -> HttpResponse:
    # The library's own settings are logged against its schema: the page names it instead.
    context = {"events": audit_event_list()[:200], "library": _library(request)}
    return _page(request, "audit.html", context)
