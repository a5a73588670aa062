"""The catalog's admin site and what its pages share: role checks, service writes and errors."""

from collections.abc import Callable
from dataclasses import fields
from typing import TYPE_CHECKING, Any, NamedTuple

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.db import transaction
from django.db.models import F, Func, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext, gettext_lazy, ngettext

from catalog.models import Item
from catalog.services import ItemData, delete_check, item_update
from common.errors import ApplicationError, Conflict
from staff.roles import may_catalogue, may_read

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class CatalogAdminSite(admin.AdminSite):
    """The admin of one library's catalog: open to its staff by role, not by Django's flags."""

    site_header = gettext_lazy("Catalog")
    site_title = gettext_lazy("Catalog")
    index_title = gettext_lazy("Records, copies and locations")
    site_url = "/staff/"

    def has_permission(self, request: HttpRequest) -> bool:
        return may_read(request.user)

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        context = super().each_context(request)
        tenant = getattr(request, "tenant", None)
        if tenant is not None:
            context["site_header"] = gettext("%(library)s: catalog") % {"library": tenant.name}
        return context


catalog_admin = CatalogAdminSite(name="catalog_admin")


@admin.action(
    permissions=["delete"],
    description=gettext_lazy("Delete the selected %(verbose_name_plural)s"),
)
def selected_delete(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> Any:
    """Django's own deletion, under words of ours: its French agrees with masculine names only
    (« les localisations sélectionnés »)."""
    return delete_selected(modeladmin, request, queryset)


catalog_admin.add_action(selected_delete, "delete_selected")


class RoleAccess:
    """Model permissions from staff.roles: every role looks, those who catalogue write."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_read(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_read(request.user)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return may_catalogue(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_catalogue(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_catalogue(request.user)


class PageTitles(NamedTuple):
    """A model's add, change and view page titles, each a whole sentence of its own."""

    add: "StrOrPromise"
    change: "StrOrPromise"
    view: "StrOrPromise"


class TitledPages:
    """Form pages titled in our words: Django's "Add %s" puts the model's name into a frame
    whose French cannot agree with it (« Ajout de exemplaire »). Each page names its own."""

    page_titles: PageTitles

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = {"title": self.page_titles.add, **(extra_context or {})}
        return super().add_view(request, form_url, context)  # type: ignore[misc]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        may_change = self.has_change_permission(request)  # type: ignore[attr-defined]
        title = self.page_titles.change if may_change else self.page_titles.view
        context = {"title": title, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, context)  # type: ignore[misc]


class ServiceWrites(RoleAccess):
    """A page that writes through the services. A service may still refuse what the form let
    through (another librarian took the barcode meanwhile): the page's transaction is rolled
    back and the refusal shown, rather than an error page."""

    def _refused(self, request: HttpRequest, error: ApplicationError) -> HttpResponse:
        self.message_user(request, error.message, messages.ERROR)  # type: ignore[attr-defined]
        return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().changeform_view(request, *args, **kwargs)  # type: ignore[misc]
        except ApplicationError as error:
            return self._refused(request, error)

    def delete_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().delete_view(request, *args, **kwargs)  # type: ignore[misc]
        except ApplicationError as error:
            return self._refused(request, error)

    def changelist_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Actions write several rows: all of them, or none.
        try:
            with transaction.atomic():
                return super().changelist_view(request, *args, **kwargs)  # type: ignore[misc]
        except ApplicationError as error:
            return self._refused(request, error)


class ServiceDeletes:
    """Deletes through the page's `service_delete`, a row at a time in the bulk action too, so
    no deletion skips the service's checks and the change feed. Each page names its own."""

    service_delete: Callable[[int], None]

    def deleted_items(self, objs: list[Any]) -> QuerySet[Item] | None:
        """The copies deleting `objs` takes with it, for pages whose deletions take copies."""
        return None

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # A copy another part of the library keeps (a lent one: its loans) is listed as what
        # stands in the way in the words of the check that keeps it, not as the bare rows.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(  # type: ignore[misc]
            objs, request
        )
        items = self.deleted_items(list(objs))
        if protected and items is not None:
            try:
                delete_check(items, refusal="%(reason)s")
            except Conflict as kept:
                protected = [kept.message]
        return deleted, counts, perms_needed, protected

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.service_delete(obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for pk in list(queryset.values_list("pk", flat=True)):
            self.service_delete(pk)


class ServiceForm(forms.ModelForm):
    """A form whose rules are a service's check: `check` calls it, and its refusal lands on
    the form's fields. The check owns uniqueness too, so the model's own test is not run.
    Each form names its own."""

    check: Callable[[dict[str, Any]], None]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            try:
                self.check(data)
            except ApplicationError as error:
                for field, problems in (error.fields or {"": [error.message]}).items():
                    self.add_error(field if field in self.fields else None, problems)
        return data

    def validate_unique(self) -> None:
        pass


def item_data(item: Item, **changes: Any) -> ItemData:
    """An item's description as it stands (with `changes`), for the item services."""
    return ItemData(**{f.name: getattr(item, f.name) for f in fields(ItemData)} | changes)


def copies_withdraw(item_ids: list[int]) -> str:
    """Withdraw copies through the item service (one versioned update and feed entry each),
    and say so: how many were withdrawn, and which were kept, and why."""
    done = 0
    # A copy kept on the hold shelf for a patron stays there until its hold ends.
    items = Item.objects.filter(pk__in=item_ids).exclude(status=Item.Status.WITHDRAWN)
    kept = list(
        items.filter(status=Item.Status.ON_HOLD_SHELF)
        .order_by("barcode")
        .values_list("barcode", flat=True)
    )
    lent = []
    for item in items.exclude(status=Item.Status.ON_HOLD_SHELF).order_by("barcode"):
        try:
            item_update(item_id=item.pk, data=item_data(item, status=Item.Status.WITHDRAWN))
        except Conflict as refused:
            if refused.code != "item_on_loan":
                raise
            lent.append(item.barcode)  # a patron has it: its return comes first
            continue
        done += 1
    said = [
        ngettext("%(count)s copy withdrawn.", "%(count)s copies withdrawn.", done) % {"count": done}
    ]
    # Each kind of copy kept, said with the first ten barcodes.
    for barcodes, message in (
        (
            kept,
            ngettext(
                "%(count)s copy waits on the hold shelf for a patron and was kept: %(barcodes)s.",
                "%(count)s copies wait on the hold shelf for patrons and were kept: %(barcodes)s.",
                len(kept),
            ),
        ),
        (
            lent,
            ngettext(
                "%(count)s copy is on loan and was kept (check it in first): %(barcodes)s.",
                "%(count)s copies are on loan and were kept (check them in first): %(barcodes)s.",
                len(lent),
            ),
        ),
    ):
        if barcodes:
            said.append(message % {"count": len(barcodes), "barcodes": ", ".join(barcodes[:10])})
    return " ".join(said)


def count_of(model: Any, field: str) -> Subquery:
    """How many `model` rows point at the listed row: a subquery, so a list's count and
    pagination need no join and no grouping."""
    rows = model.objects.filter(**{field: OuterRef("pk")}).order_by().values(field)
    return Subquery(rows.annotate(n=Func(F("pk"), function="COUNT")).values("n"))
