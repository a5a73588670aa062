"""Catalog work for a library's staff in the Django admin, mounted at /admin/ on library hosts.

Admins and librarians edit; viewers only look. Every write goes through the catalog's
services (or is followed by them), so search vectors and the change feed stay correct.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, F, Func, OuterRef, QuerySet, Subquery
from django.forms import BaseInlineFormSet
from django.http import HttpRequest

from catalog.identifiers import InvalidIdentifier, identifier_normalize
from catalog.models import (
    Change,
    Contributor,
    Identifier,
    Item,
    Location,
    Record,
    RecordContributor,
    RecordSubject,
    Subject,
)
from catalog.services import (
    ItemData,
    changes_log,
    item_create,
    item_delete,
    item_update,
    location_create,
    location_delete,
    location_update,
    record_delete,
    record_search_refresh,
)
from catalog.text import name_key, sort_title_for
from common.errors import ApplicationError
from staff.roles import may_catalogue, may_read


class CatalogAdminSite(admin.AdminSite):
    """The admin of one library's catalog: open to its staff by role, not by Django's flags."""

    site_header = "Catalog"
    site_title = "Catalog"
    index_title = "Records, items and locations"
    site_url = "/staff/"

    def has_permission(self, request: HttpRequest) -> bool:
        return may_read(request.user)

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        context = super().each_context(request)
        tenant = getattr(request, "tenant", None)
        if tenant is not None:
            context["site_header"] = f"{tenant.name}: catalog"
        return context


catalog_admin = CatalogAdminSite(name="catalog_admin")


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


def _items_withdraw(item_ids: list[int]) -> int:
    """Withdraw copies through the item service (one versioned update and feed entry each)."""
    done = 0
    items = Item.objects.filter(pk__in=item_ids).exclude(status=Item.Status.WITHDRAWN)
    for item in items:
        item_update(item_id=item.pk, data=_item_data(item, status=Item.Status.WITHDRAWN))
        done += 1
    return done


def _item_data(item: Item, **changes: Any) -> ItemData:
    values = {
        "barcode": item.barcode,
        "call_number": item.call_number,
        "location_id": item.location_id,
        "status": item.status,
        "price": item.price,
        "acquired_on": item.acquired_on,
        "public_note": item.public_note,
        "staff_note": item.staff_note,
        **changes,
    }
    return ItemData(**values)


def _count_of(model: Any, field: str) -> Subquery:
    """How many `model` rows point at the listed row: a subquery, so a list's count and
    pagination need no join and no grouping."""
    rows = model.objects.filter(**{field: OuterRef("pk")}).order_by().values(field)
    return Subquery(rows.annotate(n=Func(F("pk"), function="COUNT")).values("n"))


# --- Records -------------------------------------------------------------------------------


class PositionedInlineFormSet(BaseInlineFormSet):
    """New links go after the existing ones; positions are not typed by hand."""

    def save_new(self, form: forms.ModelForm, commit: bool = True) -> Any:
        instance = super().save_new(form, commit=False)
        model = type(instance)
        last = model.objects.filter(record=self.instance).order_by("-position").first()
        taken = [o.position for o in getattr(self, "_new_positions", [])]
        base = max([last.position + 1 if last else 0, *(p + 1 for p in taken)])
        instance.position = base
        self._new_positions = [*getattr(self, "_new_positions", []), instance]
        if commit:
            instance.save()
        return instance


class ContributorInline(RoleAccess, admin.TabularInline):
    model = RecordContributor
    formset = PositionedInlineFormSet
    fields = ["contributor", "role"]
    autocomplete_fields = ["contributor"]
    extra = 0
    verbose_name = "contributor"


class SubjectInline(RoleAccess, admin.TabularInline):
    model = RecordSubject
    formset = PositionedInlineFormSet
    fields = ["subject"]
    autocomplete_fields = ["subject"]
    extra = 0
    verbose_name = "subject"


class IdentifierForm(forms.ModelForm):
    class Meta:
        model = Identifier
        fields = ["kind", "value"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") and data.get("value"):
            try:
                data["value"] = identifier_normalize(data["kind"], data["value"])
            except InvalidIdentifier as exc:
                self.add_error("value", str(exc))
            else:
                self.instance.value = data["value"]
        return data


class IdentifierInline(RoleAccess, admin.TabularInline):
    model = Identifier
    form = IdentifierForm
    extra = 0


class ItemInline(RoleAccess, admin.TabularInline):
    model = Item
    fields = ["barcode", "call_number", "location", "status", "public_note"]
    autocomplete_fields = ["location"]
    extra = 0
    show_change_link = True


class DecadeFilter(admin.SimpleListFilter):
    title = "publication year"
    parameter_name = "decade"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        years = (
            Record.objects.exclude(publication_year=None)
            .order_by()
            .values_list("publication_year", flat=True)
            .distinct()
        )
        decades = sorted({year // 10 * 10 for year in years if year is not None}, reverse=True)
        return [(str(d), f"{d}s") for d in decades]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Record]) -> QuerySet[Record]:
        value = self.value() or ""
        if value.isdigit():
            start = int(value)
            return queryset.filter(publication_year__gte=start, publication_year__lt=start + 10)
        return queryset


class LanguageFilter(admin.SimpleListFilter):
    """The languages in use, read from the language index (not from the listed rows)."""

    title = "language"
    parameter_name = "language"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        codes = Record.objects.exclude(language="").order_by("language")
        return [(code, code) for code in codes.values_list("language", flat=True).distinct()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Record]) -> QuerySet[Record]:
        return queryset.filter(language=self.value()) if self.value() else queryset


class SubjectFilter(admin.SimpleListFilter):
    """The most used subjects (a full list of headings would not fit a sidebar)."""

    title = "subject"
    parameter_name = "subject"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        top = Subject.objects.annotate(n=Count("record_links")).filter(n__gt=0).order_by("-n")
        return [(str(s.pk), s.heading) for s in top[:25]]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Record]) -> QuerySet[Record]:
        value = self.value() or ""
        if value.isdigit():
            return queryset.filter(subject_links__subject_id=int(value))
        return queryset


@admin.action(description="Withdraw every copy of the selected records", permissions=["change"])
def records_withdraw_copies(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
    ids = list(Item.objects.filter(record__in=queryset).values_list("pk", flat=True))
    done = _items_withdraw(ids)
    modeladmin.message_user(request, f"{done} copies withdrawn.", messages.SUCCESS)


@admin.register(Record, site=catalog_admin)
class RecordAdmin(RoleAccess, admin.ModelAdmin):
    list_display = ["title", "contributor_names", "publication_year", "language", "copies"]
    list_display_links = ["title"]
    search_fields = [
        "title",
        "subtitle",
        "credits__contributor__name",
        "identifiers__value",
        "=control_number",
    ]
    search_help_text = "Title, contributor name, ISBN/ISSN/LCCN/OCLC number or control number."
    list_filter = [LanguageFilter, DecadeFilter, SubjectFilter]
    fieldsets = [
        (None, {"fields": ["title", "subtitle", "publisher", "publication_year", "edition"]}),
        ("Description", {"fields": ["language", "series", "summary"]}),
        ("Control number", {"fields": ["control_number", "control_number_source"]}),
    ]
    inlines = [ContributorInline, SubjectInline, IdentifierInline, ItemInline]
    actions = [records_withdraw_copies]
    list_per_page = 50
    show_full_result_count = False
    # Counting every subject's records on each page view does not scale with the catalog.
    show_facets = admin.ShowFacets.NEVER

    def get_queryset(self, request: HttpRequest) -> QuerySet[Record]:
        return (
            super()
            .get_queryset(request)
            .defer("source_marc")
            .annotate(n_items=_count_of(Item, "record"))
            .prefetch_related("credits__contributor")
        )

    @admin.display(description="Contributors")
    def contributor_names(self, record: Record) -> str:
        return "; ".join(credit.contributor.name for credit in record.credits.all())

    @admin.display(description="Copies", ordering="n_items")
    def copies(self, record: Record) -> int:
        return getattr(record, "n_items", 0)

    def save_model(self, request: HttpRequest, obj: Record, form: Any, change: bool) -> None:
        obj.sort_title = sort_title_for(obj.title)
        if change:
            obj.version = F("version") + 1
        super().save_model(request, obj, form, change)
        if change:
            obj.refresh_from_db(fields=["version"])

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # The admin's change view runs in one transaction: the record, its links, its feed.
        super().save_formset(request, form, formset, change)
        if formset.model is Item:
            changes_log(Change.Entity.ITEM, [o.pk for o in formset.new_objects], "created")
            changes_log(Change.Entity.ITEM, [o.pk for o, _ in formset.changed_objects], "updated")
            changes_log(Change.Entity.ITEM, getattr(formset, "deleted_item_ids", []), "deleted")

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Deleted inline objects lose their pk on delete; keep the ids for the feed.
        for formset in formsets:
            if formset.model is Item:
                formset.deleted_item_ids = [
                    f.instance.pk for f in formset.deleted_forms if f.instance.pk
                ]
        super().save_related(request, form, formsets, change)
        record = form.instance
        record_search_refresh([record.pk])
        action = Change.Action.UPDATED if change else Change.Action.CREATED
        changes_log(Change.Entity.RECORD, [record.pk], action)

    def delete_model(self, request: HttpRequest, obj: Record) -> None:
        record_delete(record_id=obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Record]) -> None:
        for pk in list(queryset.values_list("pk", flat=True)):
            record_delete(record_id=pk)


# --- Items ---------------------------------------------------------------------------------


class ItemForm(forms.ModelForm):
    class Meta:
        model = Item
        fields = [
            "record", "barcode", "call_number", "location", "status", "price",
            "acquired_on", "public_note", "staff_note",
        ]  # fmt: skip


@admin.action(description="Withdraw the selected copies", permissions=["change"])
def items_withdraw(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Item]) -> None:
    done = _items_withdraw(list(queryset.values_list("pk", flat=True)))
    modeladmin.message_user(request, f"{done} copies withdrawn.", messages.SUCCESS)


@admin.register(Item, site=catalog_admin)
class ItemAdmin(RoleAccess, admin.ModelAdmin):
    form = ItemForm
    list_display = ["barcode", "record", "call_number", "location", "status"]
    list_select_related = ["record", "location"]
    search_fields = ["=barcode", "barcode", "record__title"]
    search_help_text = "Barcode (exact or part) or the record's title."
    list_filter = ["status", "location"]
    autocomplete_fields = ["record", "location"]
    actions = [items_withdraw]
    list_per_page = 100
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Item]:
        return super().get_queryset(request).defer("record__source_marc")

    def save_model(self, request: HttpRequest, obj: Item, form: Any, change: bool) -> None:
        data = form.cleaned_data
        values = ItemData(
            barcode=data["barcode"],
            call_number=data.get("call_number") or "",
            location_id=data["location"].pk if data.get("location") else None,
            status=data["status"],
            price=data.get("price"),
            acquired_on=data.get("acquired_on"),
            public_note=data.get("public_note") or "",
            staff_note=data.get("staff_note") or "",
        )
        if change:
            saved = item_update(item_id=obj.pk, data=values, record_id=data["record"].pk)
        else:
            saved = item_create(record_id=data["record"].pk, data=values)
        obj.pk = saved.pk
        obj.version = saved.version

    def delete_model(self, request: HttpRequest, obj: Item) -> None:
        item_delete(item_id=obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Item]) -> None:
        for pk in list(queryset.values_list("pk", flat=True)):
            item_delete(item_id=pk)


# --- Locations, contributors, subjects -----------------------------------------------------


@admin.register(Location, site=catalog_admin)
class LocationAdmin(RoleAccess, admin.ModelAdmin):
    list_display = ["code", "name", "items_kept"]
    search_fields = ["code", "name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Location]:
        return super().get_queryset(request).annotate(n_items=_count_of(Item, "location"))

    @admin.display(description="Items", ordering="n_items")
    def items_kept(self, location: Location) -> int:
        return getattr(location, "n_items", 0)

    def save_model(self, request: HttpRequest, obj: Location, form: Any, change: bool) -> None:
        if change:
            saved = location_update(location_id=obj.pk, code=obj.code, name=obj.name)
        else:
            saved = location_create(code=obj.code, name=obj.name)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Location) -> None:
        try:
            location_delete(location_id=obj.pk)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)


class NamedForm(forms.ModelForm):
    """A new contributor or subject: its match key is derived, and must not exist yet."""

    key_field = ""
    label_field = ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        key = name_key(data.get(self.label_field) or "")
        if not key:
            self.add_error(self.label_field, "Give a name with at least one letter or digit.")
            return data
        setattr(self.instance, self.key_field, key)
        same = self._meta.model.objects.filter(**{self.key_field: key})
        if hasattr(self.instance, "scheme"):
            same = same.filter(scheme=data.get("scheme") or "")
        if same.exclude(pk=self.instance.pk).exists():
            self.add_error(self.label_field, "This one exists already: choose it from the list.")
        return data


class ContributorForm(NamedForm):
    key_field, label_field = "name_key", "name"

    class Meta:
        model = Contributor
        fields = ["name"]


class SubjectForm(NamedForm):
    key_field, label_field = "heading_key", "heading"

    class Meta:
        model = Subject
        fields = ["heading", "scheme"]


class HeadingAdmin(RoleAccess, admin.ModelAdmin):
    """Contributors and subjects: renaming one refreshes the search of the records using it."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if change:
                ids = list(obj.records.values_list("pk", flat=True))
                record_search_refresh(ids)
                Record.objects.filter(pk__in=ids).update(version=F("version") + 1)
                changes_log(Change.Entity.RECORD, ids, Change.Action.UPDATED)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Records hold their contributors and subjects; remove the links from the records.
        return False


@admin.register(Contributor, site=catalog_admin)
class ContributorAdmin(HeadingAdmin):
    form = ContributorForm
    search_fields = ["name"]
    list_display = ["name"]


@admin.register(Subject, site=catalog_admin)
class SubjectAdmin(HeadingAdmin):
    form = SubjectForm
    search_fields = ["heading"]
    list_display = ["heading", "scheme"]
    list_filter = ["scheme"]
