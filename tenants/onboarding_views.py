"""Pages of onboarding: sign-up and its progress (platform host), accepting an invitation."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from common.errors import ApplicationError
from common.pages import form_page
from staff.invitations import invitation_accept, invitation_get
from tenants.onboarding import signup_confirm, signup_create, signup_get, signup_host
from tenants.throttles import SignupThrottle


class SignupForm(forms.Form):
    name = forms.CharField(label=_("Library name"), max_length=200)
    subdomain = forms.CharField(label=_("Subdomain"), max_length=63)
    # An email input (the phone's keyboard with "@"); the service still judges the address.
    admin_email = forms.CharField(
        label=_("Your email (the library's first admin)"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    # The browser's time zone, set by tenants/signup_zone.js (empty without JavaScript).
    time_zone = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The platform's own domain, not a placeholder: it is a setting, so read per form.
        self.fields["subdomain"].help_text = gettext(
            "Your catalog's host name will be this subdomain followed by .%(domain)s (for "
            "example, springfield.%(domain)s)."
        ) % {"domain": settings.STACKS_BASE_DOMAIN}


def _apply_errors(form: forms.Form, exc: ApplicationError) -> None:
    if not exc.fields:
        form.add_error(None, exc.message)
    for field, said in exc.fields.items():
        target = field if field in form.fields else None
        for message in said if isinstance(said, list) else [said]:
            form.add_error(target, message if len(str(message)) > 12 else exc.message)


def _refusal_page(request: HttpRequest, template: str, exc: ApplicationError) -> HttpResponse:
    """The page that says why a link cannot be used, with the error's own status."""
    return render(request, template, {"message": exc.message}, status=exc.status_code)


def signup_page(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        # The API's sign-up limit, in the same bucket: one budget per client address.
        throttle = SignupThrottle()
        if not throttle.allow_request(request, None):  # type: ignore[arg-type]
            wait = max(1, int(throttle.wait() or 1))
            minutes = wait // 60 + 1
            form.add_error(
                None,
                ngettext(
                    "Too many sign-ups from your address; please try again in %(minutes)s minute.",
                    "Too many sign-ups from your address; please try again in %(minutes)s minutes.",
                    minutes,
                )
                % {"minutes": minutes},
            )
            response = render(request, "tenants/platform/signup.html", {"form": form}, status=429)
            response["Retry-After"] = str(wait)
            return response
    if request.method == "POST" and form.is_valid():
        try:
            signup = signup_create(
                **form.cleaned_data,
                language=get_language(),
                accept_language=request.headers.get("Accept-Language", ""),
            )
        except ApplicationError as exc:
            _apply_errors(form, exc)
            retry_after = getattr(exc, "retry_after", None)
            if retry_after:
                response = render(
                    request, "tenants/platform/signup.html", {"form": form}, status=429
                )
                response["Retry-After"] = str(retry_after)
                return response
        else:
            return redirect("signup-status", public_id=signup.public_id)
    return form_page(request, "tenants/platform/signup.html", {"form": form})


def signup_confirm_page(request: HttpRequest, token: str) -> HttpResponse:
    """The link emailed to the admin: a button (mail scanners follow links, never post forms)
    that confirms the address and queues the library's provisioning."""
    if request.method == "POST":
        try:
            signup = signup_confirm(token=token)
        except ApplicationError as exc:
            return _refusal_page(request, "tenants/platform/signup_confirm.html", exc)
        return redirect("signup-status", public_id=signup.public_id)
    return render(request, "tenants/platform/signup_confirm.html", {})


def _host_on_this_port(request: HttpRequest, host: str) -> str:
    """The library's host with the port this page was reached on (`:8000` in development)."""
    _, colon, port = request.get_host().rpartition(":")
    return f"{host}:{port}" if colon and port.isdigit() else host


def signup_status_page(request: HttpRequest, public_id: str) -> HttpResponse:
    signup = signup_get(public_id=public_id)
    if signup is None:
        raise Http404("No such sign-up.")
    host = _host_on_this_port(request, signup_host(signup.subdomain))
    return render(
        request,
        "tenants/platform/signup_status.html",
        {"signup": signup, "host": host, "scheme": request.scheme},
    )


class PasswordForm(forms.Form):
    password = forms.CharField(label=_("Choose a password"), widget=forms.PasswordInput)


def invitation_page(request: HttpRequest, token: str) -> HttpResponse:
    """Set a password through a one-time link; the account can then sign in on this host."""
    try:
        invitation = invitation_get(token=token)
    except ApplicationError as exc:
        return _refusal_page(request, "tenants/staff/invitation_invalid.html", exc)
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation_accept(token=token, password=form.cleaned_data["password"])
        except ApplicationError as exc:
            form.add_error("password", exc.message)
        else:
            messages.success(
                request,
                gettext("Your password is saved. Sign in with %(email)s and your new password.")
                % {"email": invitation.user.email},
            )
            return redirect("login")
    context = {"form": form, "email": invitation.user.email}
    return form_page(request, "tenants/staff/invitation.html", context)
