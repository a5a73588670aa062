"""Platform operators' pages on the platform host: libraries with counts, create, suspend,
reactivate and delete (after a full export bundle)."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from common.errors import ApplicationError
from common.pages import not_found_as_404
from tenants import platform
from tenants.services import library_create

View = Callable[..., HttpResponse]
PAGE_SIZE = 50


def operator_required(view: View) -> View:
    """Only a platform account (public schema, staff) passes; anyone else is sent to sign in."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not platform.on_platform_host():
            raise Http404
        if not platform.is_platform_operator(request.user):
            return redirect_to_login(request.get_full_path(), login_url="/login/")
        return view(request, *args, **kwargs)

    return wrapped


class LibraryCreateForm(forms.Form):
    schema_name = forms.CharField(label=_("Schema (lowercase letters, digits, _)"), max_length=63)
    name = forms.CharField(label=_("Library name"), max_length=200)
    domain = forms.CharField(label=_("Host name"), max_length=253)
    admin_email = forms.CharField(label=_("First admin's email"), max_length=254)


def _libraries_render(
    request: HttpRequest, form: LibraryCreateForm, status: int = 200
) -> HttpResponse:
    page = Paginator(platform.library_list().prefetch_related("domains"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    counts = platform.library_counts([library.schema_name for library in page])
    rows = [(library, counts.get(library.schema_name)) for library in page]
    return render(
        request,
        "tenants/operators/libraries.html",
        {"page": page, "rows": rows, "form": form},
        status=status,
    )


@operator_required
def libraries_page(request: HttpRequest) -> HttpResponse:
    form = LibraryCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = library_create(**form.cleaned_data, admin_invite=True)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                gettext("Library %(name)s created; its admin was emailed a link.")
                % {"name": made.library.schema_name},
            )
            return redirect("operator-libraries")
    return _libraries_render(request, form, status=400 if request.method == "POST" else 200)


@require_POST
@operator_required
def library_action(request: HttpRequest, schema_name: str, verb: str) -> HttpResponse:
    with not_found_as_404():
        library = platform.library_get(schema_name=schema_name)
    if verb == "suspend":
        platform.library_suspend(library=library)
        messages.success(request, gettext("%(name)s is suspended.") % {"name": library.name})
    elif verb == "reactivate":
        platform.library_reactivate(library=library)
        messages.success(request, gettext("%(name)s is active again.") % {"name": library.name})
    elif verb == "delete":
        if request.POST.get("confirm") != library.schema_name:
            messages.error(
                request,
                gettext("Type %(schema)s to confirm deleting %(name)s.")
                % {"schema": library.schema_name, "name": library.name},
            )
            return redirect("operator-libraries")
        bundle = platform.library_delete(library=library)
        messages.success(
            request,
            gettext("%(name)s is deleted; its export bundle is %(bundle)s.")
            % {"name": library.name, "bundle": bundle},
        )
    else:
        raise Http404
    return redirect("operator-libraries")
