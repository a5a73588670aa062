"""The pages of copies and of the locations they are kept at, written through their services."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from catalog.admin.site import (
    PageTitles,
    ServiceDeletes,
    ServiceForm,
    ServiceWrites,
    TitledPages,
    catalog_admin,
    copies_withdraw,
    count_of,
    item_data,
)
from catalog.models import Item, Location
from catalog.services import (
    item_create,
    item_delete,
    item_update,
    location_code_check,
    location_create,
    location_delete,
    location_update,
)


class ItemForm(forms.ModelForm):
    class Meta:
        model = Item
        fields = [
            "record", "barcode", "call_number", "location", "status", "price",
            "acquired_on", "public_note", "staff_note",
        ]  # fmt: skip


@admin.action(description=_("Withdraw the selected copies"), permissions=["change"])
def items_withdraw(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Item]) -> None:
    said = copies_withdraw(list(queryset.values_list("pk", flat=True)))
    modeladmin.message_user(request, said, messages.SUCCESS)


@admin.register(Item, site=catalog_admin)
class ItemAdmin(TitledPages, ServiceWrites, ServiceDeletes, admin.ModelAdmin):
    page_titles = PageTitles(_("Add a copy"), _("Change the copy"), _("View the copy"))
    form = ItemForm
    list_display = ["barcode", "record", "call_number", "location", "status"]
    list_select_related = ["record", "location"]
    search_fields = ["=barcode", "barcode", "record__title"]
    search_help_text = _("Barcode (exact or part) or the record's title.")
    list_filter = ["status", "location"]
    autocomplete_fields = ["record", "location"]
    actions = [items_withdraw]
    list_per_page = 100
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Item]:
        return super().get_queryset(request).defer("record__source_marc")

    def save_model(self, request: HttpRequest, obj: Item, form: Any, change: bool) -> None:
        if change:
            saved = item_update(item_id=obj.pk, data=item_data(obj), record_id=obj.record_id)
        else:
            saved = item_create(record_id=obj.record_id, data=item_data(obj))
        obj.pk, obj.version = saved.pk, saved.version

    def service_delete(self, pk: int) -> None:
        item_delete(item_id=pk)

    def deleted_items(self, objs: list[Any]) -> QuerySet[Item]:
        return Item.objects.filter(pk__in=[obj.pk for obj in objs])


class LocationForm(ServiceForm):
    class Meta:
        model = Location
        fields = ["code", "name"]

    def check(self, data: dict[str, Any]) -> None:
        location_code_check(data.get("code") or "", location_id=self.instance.pk)


@admin.register(Location, site=catalog_admin)
class LocationAdmin(TitledPages, ServiceWrites, ServiceDeletes, admin.ModelAdmin):
    page_titles = PageTitles(_("Add a location"), _("Change the location"), _("View the location"))
    form = LocationForm
    list_display = ["code", "name", "items_kept"]
    search_fields = ["code", "name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Location]:
        return super().get_queryset(request).annotate(n_items=count_of(Item, "location"))

    @admin.display(description=_("Copies"), ordering="n_items")
    def items_kept(self, location: Location) -> int:
        return getattr(location, "n_items", 0)

    def save_model(self, request: HttpRequest, obj: Location, form: Any, change: bool) -> None:
        if change:
            saved = location_update(location_id=obj.pk, code=obj.code, name=obj.name)
        else:
            saved = location_create(code=obj.code, name=obj.name)
        obj.pk, obj.code, obj.name = saved.pk, saved.code, saved.name

    def service_delete(self, pk: int) -> None:
        location_delete(location_id=pk)
