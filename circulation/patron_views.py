"""Staff pages for patrons (find, add, edit, their loans and holds, export, erase), patron
files, and the library's lending rules and closed days. Every write goes through the services
the API calls; who may do what is circulation.access's decision."""

from collections.abc import Callable
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from circulation.access import circulation_allowed
from circulation.models import LoanRule, PatronImport, PatronImportRow, patron_category_label
from circulation.patron_imports import (
    PatronsMovedOn,
    patron_import_cancel,
    patron_import_commit,
    patron_import_create,
    patron_import_get,
    patron_import_list,
    patron_import_preview,
    patron_import_rows,
    patron_import_warnings,
    patron_upload_check,
)
from circulation.selectors import (
    PATRON_NAME_KEY,
    circulation_settings_get,
    closed_day_list,
    hold_list,
    loan_list,
    loan_rule_list,
    patron_category_choices,
    patron_get,
    patron_list,
    today,
)
from circulation.services import (
    LoanRuleData,
    PatronData,
    circulation_settings_update,
    closed_day_add,
    closed_day_remove,
    loan_rule_create,
    loan_rule_delete,
    loan_rule_update,
    patron_create,
    patron_erase,
    patron_export_json,
    patron_pin_check,
    patron_pin_set,
    patron_update,
)
from circulation.views import allowed_or_403, desk_required
from common.dates import date_field
from common.errors import ApplicationError, NotFound, PreconditionFailed
from common.http import attachment
from common.pages import form_page, not_found_as_404
from staff.audit import actor_label, actor_name

PAGE_SIZE = 50


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


# --- Patrons -----------------------------------------------------------------------------------


class PatronForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    barcode = forms.CharField(label=gettext_lazy("Barcode"), max_length=64)
    # type=email: phones offer the keyboard with @.
    email = forms.CharField(
        label=gettext_lazy("Email"), max_length=254, required=False, widget=forms.EmailInput
    )
    # A choice among the library's categories (see __init__); the service takes any code.
    category = forms.CharField(
        label=gettext_lazy("Category"), max_length=32, initial="adult", widget=forms.Select
    )
    expires_on = date_field(gettext_lazy("Card expires on"), required=False)
    notes = forms.CharField(
        label=gettext_lazy("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    blocked = forms.BooleanField(
        label=gettext_lazy("Blocked: no loans, renewals or holds"), required=False
    )
    block_reason = forms.CharField(
        label=gettext_lazy("Reason for the block"),
        help_text=gettext_lazy("Shown at the desk when the card is scanned."),
        max_length=500,
        required=False,
    )
    # Write-only: never shown back; empty keeps the PIN the patron has.
    pin = forms.CharField(
        label=gettext_lazy("New PIN"),
        help_text=gettext_lazy(
            "4 to 12 digits, for the patron to sign in to their account. "
            "Leave empty to keep the current PIN."
        ),
        widget=forms.PasswordInput(
            attrs={"inputmode": "numeric", "autocomplete": "new-password"}, render_value=False
        ),
        required=False,
        strip=False,
    )
    # The patron's version when the page was opened: a save over a later one is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args: Any, new: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].widget.choices = patron_category_choices(
            self.initial.get("category")
        )
        if new:
            # A new patron has no PIN to keep: empty means none, and no signing in yet.
            self.fields["pin"].label = gettext_lazy("PIN")
            self.fields["pin"].help_text = gettext_lazy(
                "4 to 12 digits, for the patron to sign in to their account. Leave empty to "
                "give none: the patron cannot sign in until a PIN is set."
            )

    def clean_pin(self) -> str:
        pin = str(self.cleaned_data.get("pin") or "")
        if pin:
            try:
                patron_pin_check(pin)
            except ApplicationError as exc:
                raise forms.ValidationError(exc.message) from None
        return pin

    def data_for_service(self) -> PatronData:
        values = dict(self.cleaned_data)
        values.pop("version", None)
        values.pop("pin", None)
        return PatronData(**values)

    def add_service_errors(self, exc: ApplicationError) -> None:
        """The service's findings, each on its field (or on the form when it names none)."""
        fields = exc.fields or {}
        placed = False
        for name, problems in fields.items():
            if name in self.fields:
                for message in problems:
                    self.add_error(name, message)
                placed = True
        if not placed:
            self.add_error(None, exc.message)


@require_http_methods(["GET"])
@desk_required("read")
def patrons_page(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    blocked = bool(request.GET.get("blocked"))
    number = _page_number(request)
    start = (number - 1) * PAGE_SIZE
    rows = list(
        patron_list(q=q, blocked=blocked).order_by(PATRON_NAME_KEY, "name", "id")[
            start : start + PAGE_SIZE + 1
        ]
    )
    context = {
        "q": q,
        "blocked": blocked,
        "patrons": rows[:PAGE_SIZE],
        "page": number,
        "next_page": number + 1 if len(rows) > PAGE_SIZE else None,
        "previous_page": number - 1 if number > 1 else None,
        "can_edit": circulation_allowed(request.user, "desk"),
    }
    return render(request, "circulation/patrons.html", context)


@require_http_methods(["GET", "POST"])
@desk_required("desk")
def patron_new_page(request: HttpRequest) -> HttpResponse:
    form = PatronForm(request.POST or None, new=True)
    if request.method == "POST" and form.is_valid():
        try:
            patron = patron_create(
                data=form.data_for_service(), pin=form.cleaned_data["pin"],
                actor=actor_label(request.user), audit_actor=actor_name(request.user),
            )  # fmt: skip
        except ApplicationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _patron_saved_said(form, added=True))
            return redirect("circulation-patron", pk=patron.pk)  # type: ignore[return-value]
    return form_page(request, "circulation/patron_form.html", {"form": form, "patron": None})


def _patron_saved_said(form: PatronForm, *, added: bool) -> str:
    """What the page says after a save: a PIN set is said, as the field never shows it."""
    if form.cleaned_data["pin"]:
        if added:
            return _("Patron added, with their PIN: they sign in with it from now on.")
        return _("Saved, with the new PIN: the patron signs in with it from now on.")
    return _("Patron added.") if added else _("Saved.")


def _patron_initial(patron: Any) -> dict[str, Any]:
    """The form filled from the patron; the PIN is stored only as a hash and never shown."""
    return {name: getattr(patron, name) for name in PatronForm.base_fields if name != "pin"}


def _day(iso: str | None) -> date | None:
    return date.fromisoformat(iso) if iso else None


def _patron_or_404(pk: int) -> Any:
    with not_found_as_404(_("No such patron.")):
        return patron_get(patron_id=pk)


@require_http_methods(["GET", "POST"])
@desk_required("read")
def patron_page(request: HttpRequest, pk: int) -> HttpResponse:
    patron = _patron_or_404(pk)
    form = PatronForm(request.POST or None, initial=_patron_initial(patron))
    error, status = "", 200
    if request.method == "POST":
        allowed_or_403(request, "desk")
        if form.is_valid():
            try:
                patron_update(
                    patron_id=pk,
                    data=form.data_for_service(),
                    expected_version=form.cleaned_data["version"],
                    actor=actor_label(request.user),
                    audit_actor=actor_name(request.user),
                )
                if form.cleaned_data["pin"]:
                    patron_pin_set(patron_id=pk, pin=form.cleaned_data["pin"])
            except PreconditionFailed as exc:
                form.add_error(
                    None,
                    _(
                        "Someone saved this patron after you opened the page: reload it to see "
                        "their changes, then make yours again."
                    ),
                )
                status = exc.status_code
            except ApplicationError as exc:
                form.add_service_errors(exc)
                status = exc.status_code
            else:
                messages.success(request, _patron_saved_said(form, added=False))
                return redirect("circulation-patron", pk=pk)  # type: ignore[return-value]
        else:
            status = 400
    return _patron_render(request, patron, form, error, status)


@require_http_methods(["GET"])
@desk_required("read")
def patron_export_page(request: HttpRequest, pk: int) -> HttpResponse:
    allowed_or_403(request, "desk")
    with not_found_as_404(_("No such patron.")):
        body = patron_export_json(patron_id=pk)
    return attachment(
        body, content_type="application/json; charset=utf-8", filename=f"patron-{pk}.json"
    )


@require_http_methods(["POST"])
@desk_required("desk")
def patron_erase_page(request: HttpRequest, pk: int) -> HttpResponse:
    patron = _patron_or_404(pk)
    if request.POST.get("confirm") != patron.barcode:
        message = _("To erase this patron, type their barcode (%(barcode)s) to confirm.") % {
            "barcode": patron.barcode
        }
        return _patron_refused(request, patron, message)
    try:
        patron_erase(patron_id=pk)
    except ApplicationError as exc:
        return _patron_refused(request, patron, exc.message)
    return redirect(reverse("circulation-patrons") + "?erased=1")  # type: ignore[return-value]


def _patron_refused(request: HttpRequest, patron: Any, message: str) -> HttpResponse:
    form = PatronForm(initial=_patron_initial(patron))
    return _patron_render(request, patron, form, message, 409)


def _patron_render(
    request: HttpRequest, patron: Any, form: PatronForm, error: str, status: int
) -> HttpResponse:
    context = {
        "patron": patron,
        "form": form,
        "error": error,
        "loans": loan_list(patron_id=patron.pk).order_by("-checked_out_at", "-id")[:200],
        "holds": hold_list(patron_id=patron.pk).order_by("-placed_at", "-id")[:200],
        "today": today(),
        "can_edit": circulation_allowed(request.user, "desk"),
    }
    return render(request, "circulation/patron.html", context, status=status)


# --- Patron files ------------------------------------------------------------------------------


# The preview shows the first lines a file creates, as a catalog import's does; the API lists all.
CREATES_SHOWN = 20


class PatronFileForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file of patrons"))


@require_http_methods(["GET", "POST"])
@desk_required("read")
def patron_imports_page(request: HttpRequest) -> HttpResponse:
    form = PatronFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        allowed_or_403(request, "desk")
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                patron_upload_check(size=upload.size)
                job = patron_import_create(
                    content=upload.read(), file_name=upload.name or "patrons.csv",
                    started_by_label=actor_label(request.user),
                )  # fmt: skip
            except ApplicationError as exc:
                form.add_error("file", exc.message)
            else:
                return redirect("circulation-patron-import", pk=job.pk)  # type: ignore[return-value]
    context = {
        "form": form,
        "jobs": patron_import_list()[:50],
        "can_edit": circulation_allowed(request.user, "desk"),
    }
    return form_page(request, "circulation/patron_imports.html", context)


@require_http_methods(["GET", "POST"])
@desk_required("read")
def patron_import_page(request: HttpRequest, pk: int) -> HttpResponse:
    with not_found_as_404(_("No such patron import.")):
        job = patron_import_get(job_id=pk)
    error = error_code = ""
    if request.method == "POST":
        allowed_or_403(request, "desk")
        try:
            if "commit" in request.POST:
                patron_import_commit(job_id=pk)
            elif "cancel" in request.POST:
                patron_import_cancel(job_id=pk)
        except ApplicationError as exc:
            error, error_code = exc.message, exc.code
        else:
            return redirect("circulation-patron-import", pk=pk)  # type: ignore[return-value]
    to_write = job.total - job.rejected
    context = {
        "job": job,
        "running": job.status in PatronImport.ACTIVE_STATUSES,
        "to_write": to_write,
        "rejects": patron_import_rows(job=job, action=PatronImportRow.Action.REJECT)[:200],
        "warnings": patron_import_warnings(job),
        "preview": patron_import_preview(job),
        # Each with its category's name and its card's end as a date, which the page writes
        # as the library does.
        "creates": [
            (row, patron_category_label(row.data["category"]), _day(row.data.get("expires_on")))
            for row in patron_import_rows(job=job, action=PatronImportRow.Action.CREATE)[
                :CREATES_SHOWN
            ]
        ]
        if job.status == PatronImport.Status.STAGED
        else [],
        "creates_shown": CREATES_SHOWN,
        "error": error,
        # Patron imports have no preview again: the file is uploaded anew, from the list.
        "upload_again": error_code == PatronsMovedOn.code,
        "can_edit": circulation_allowed(request.user, "desk"),
    }
    return render(request, "circulation/patron_import.html", context, status=409 if error else 200)


# --- Lending rules and closed days -------------------------------------------------------------


class LoanRuleForm(forms.Form):
    # A select of the categories patrons are given, so that a rule names one of them.
    patron_category = forms.CharField(
        label=gettext_lazy("Patron category"), max_length=32, required=False, widget=forms.Select
    )
    item_type = forms.CharField(
        label=gettext_lazy("Item type (empty: any)"), max_length=32, required=False
    )
    for_loan = forms.BooleanField(label=gettext_lazy("For loan"), required=False, initial=True)
    loan_days = forms.IntegerField(
        label=gettext_lazy("Loan period (days)"), min_value=0, max_value=3650, initial=21
    )
    max_loans = forms.IntegerField(
        label=gettext_lazy("Most items on loan"), min_value=0, max_value=10000, initial=10
    )
    renewals = forms.IntegerField(
        label=gettext_lazy("Renewals"), min_value=0, max_value=100, initial=2
    )
    max_holds = forms.IntegerField(
        label=gettext_lazy("Most holds"), min_value=0, max_value=10000, initial=5
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["patron_category"].widget.choices = [
            ("", _("Any category")),
            *patron_category_choices(self.initial.get("patron_category")),
        ]


def _rule_initial(rule: LoanRule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in LoanRuleForm.base_fields}


def _loan_rule_saved(form: LoanRuleForm, save: Callable[[LoanRuleData], object]) -> bool:
    """Whether `save` took the form's rule; a rule the service refuses says why on the form."""
    if not form.is_valid():
        return False
    try:
        save(LoanRuleData(**form.cleaned_data))
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return False
    return True


class LendingSettingsForm(forms.Form):
    hold_shelf_days = forms.IntegerField(
        label=gettext_lazy("Days a copy waits on the hold shelf"), min_value=1, max_value=365
    )
    due_soon_days = forms.IntegerField(
        label=gettext_lazy("Days before the due date that the reminder goes (0: on the day)"),
        min_value=0,
        max_value=60,
    )
    anonymize_after_days = forms.IntegerField(
        label=gettext_lazy("Days a returned loan keeps the patron's name (0: none)"),
        min_value=0,
        max_value=3650,
    )


@require_http_methods(["GET", "POST"])
@desk_required("read")
def loan_rules_page(request: HttpRequest) -> HttpResponse:
    """The rules, and beside them the library's lending settings (one form each)."""
    current = circulation_settings_get()
    initial = {name: getattr(current, name) for name in LendingSettingsForm.base_fields}
    posted = request.POST if request.method == "POST" else None
    settings_posted = posted is not None and "settings" in posted
    form = LoanRuleForm(None if settings_posted else posted)
    settings_form = LendingSettingsForm(posted if settings_posted else None, initial=initial)
    if request.method == "POST":
        allowed_or_403(request, "manage")
        if settings_posted:
            if settings_form.is_valid():
                circulation_settings_update(**settings_form.cleaned_data)
                return redirect("circulation-loan-rules")  # type: ignore[return-value]
        elif _loan_rule_saved(form, lambda data: loan_rule_create(data=data)):
            return redirect("circulation-loan-rules")  # type: ignore[return-value]
    context = {
        "form": form,
        "settings_form": settings_form,
        "rules": loan_rule_list(),
        "can_manage": circulation_allowed(request.user, "manage"),
    }
    return form_page(request, "circulation/loan_rules.html", context)


@require_http_methods(["GET", "POST"])
@desk_required("read")
def loan_rule_page(request: HttpRequest, pk: int) -> HttpResponse:
    rule = loan_rule_list().filter(pk=pk).first()
    if rule is None:
        raise Http404(_("No such rule."))
    form = LoanRuleForm(request.POST or None, initial=_rule_initial(rule))
    if request.method == "POST":
        allowed_or_403(request, "manage")
        if "delete" in request.POST:
            loan_rule_delete(rule_id=pk)
            return redirect("circulation-loan-rules")  # type: ignore[return-value]
        if _loan_rule_saved(form, lambda data: loan_rule_update(rule_id=pk, data=data)):
            return redirect("circulation-loan-rules")  # type: ignore[return-value]
    context = {
        "form": form,
        "rule": rule,
        "can_manage": circulation_allowed(request.user, "manage"),
    }
    return form_page(request, "circulation/loan_rule.html", context)


class ClosedDayForm(forms.Form):
    date = date_field(gettext_lazy("Date"))
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200, required=False)


@require_http_methods(["GET", "POST"])
@desk_required("read")
def closed_days_page(request: HttpRequest) -> HttpResponse:
    form = ClosedDayForm(request.POST or None)
    error = ""
    if request.method == "POST":
        allowed_or_403(request, "manage")
        if "delete" in request.POST:
            try:
                closed_day_remove(closed_day_id=int(request.POST["delete"]))
            except (ValueError, NotFound):
                raise Http404(_("No such closed day.")) from None
            return redirect("circulation-closed-days")  # type: ignore[return-value]
        if form.is_valid():
            closed_day_add(day=form.cleaned_data["date"], reason=form.cleaned_data["reason"])
            return redirect("circulation-closed-days")  # type: ignore[return-value]
    context = {
        "form": form,
        "error": error,
        "days": closed_day_list().filter(date__gte=today()),
        "past": closed_day_list().filter(date__lt=today()).order_by("-date")[:20],
        "can_manage": circulation_allowed(request.user, "manage"),
        "today": today(),
    }
    return form_page(request, "circulation/closed_days.html", context)
