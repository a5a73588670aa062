"""The records' pages: a record with its contributors, subjects, identifiers and copies, written
as one description through the record service (and the item service for its copies)."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Model, QuerySet
from django.forms import BaseModelFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from catalog.admin.site import (
    PageTitles,
    RoleAccess,
    ServiceDeletes,
    ServiceWrites,
    TitledPages,
    catalog_admin,
    copies_withdraw,
    count_of,
    item_data,
)
from catalog.identifiers import InvalidIdentifier, identifier_normalize
from catalog.models import Identifier, Item, Record, RecordContributor, RecordSubject, Subject
from catalog.services import (
    RecordData,
    item_create,
    item_delete,
    item_update,
    record_create,
    record_delete,
    record_update,
)
from catalog.text import names_listed
from catalog.website import language_name
from common.language import list_joined
from common.numbers import whole_number


class Outcome:
    """An inline formset's forms by what they ask for, told apart as the admin's own save would;
    after the services wrote them, the formset is told what became of them, for the admin's
    history."""

    def __init__(self, formset: BaseModelFormSet) -> None:
        self.formset = formset
        deleted = formset.deleted_forms if formset.can_delete else []
        initial = formset.initial_forms
        self.deleted = [f for f in deleted if f in initial]
        kept = [f for f in formset.forms if f not in deleted and f.cleaned_data]
        self.kept = kept  # existing rows first, in their order, then the new
        self.added = [f for f in kept if f not in initial and f.has_changed()]
        self.changed = [f for f in kept if f in initial and f.has_changed()]

    def rows(self) -> list[dict[str, Any]]:
        """The rows the record keeps, in order."""
        return [f.cleaned_data for f in self.kept]

    def told(self) -> None:
        self.formset.new_objects = [f.instance for f in self.added]
        self.formset.changed_objects = [(f.instance, f.changed_data) for f in self.changed]
        self.formset.deleted_objects = [f.instance for f in self.deleted]


# The record's own fields on the page, as RecordData names them.
RECORD_FIELDS = (
    "title", "subtitle", "publisher", "publication_year", "edition", "language", "series",
    "summary", "control_number", "control_number_source",
)  # fmt: skip


def _record_data(form: forms.ModelForm, outcomes: dict[type[Model], Outcome]) -> RecordData:
    def rows(model: type[Model]) -> list[dict[str, Any]]:
        return outcomes[model].rows() if model in outcomes else []

    return RecordData(
        **{name: form.cleaned_data[name] for name in RECORD_FIELDS},
        contributors=[(r["contributor"].name, r["role"]) for r in rows(RecordContributor)],
        subjects=[(r["subject"].heading, r["subject"].scheme) for r in rows(RecordSubject)],
        identifiers=[(r["kind"], r["value"]) for r in rows(Identifier)],
    )


def _items_write(record_id: int, items: Outcome) -> None:
    for form in items.deleted:
        item_delete(item_id=form.instance.pk)
    for form in items.changed:
        item_update(item_id=form.instance.pk, data=item_data(form.instance))
    for form in items.added:
        form.instance.pk = item_create(record_id=record_id, data=item_data(form.instance)).pk


class ContributorInline(RoleAccess, admin.TabularInline):
    model = RecordContributor
    fields = ["contributor", "role"]
    autocomplete_fields = ["contributor"]
    extra = 0
    verbose_name = _("contributor")
    verbose_name_plural = _("contributors")


class SubjectInline(RoleAccess, admin.TabularInline):
    model = RecordSubject
    fields = ["subject"]
    autocomplete_fields = ["subject"]
    extra = 0
    verbose_name = _("subject")
    verbose_name_plural = _("subjects")


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
    verbose_name = _("identifier")
    verbose_name_plural = _("identifiers")


class ItemInline(RoleAccess, admin.TabularInline):
    model = Item
    fields = ["barcode", "call_number", "location", "status", "public_note"]
    autocomplete_fields = ["location"]
    extra = 0
    show_change_link = True


class DecadeFilter(admin.SimpleListFilter):
    title = _("publication year")
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
        start = whole_number(value, 4)
        if start is not None:
            return queryset.filter(publication_year__gte=start, publication_year__lt=start + 10)
        return queryset


class LanguageFilter(admin.SimpleListFilter):
    """The languages in use, read from the language index (not from the listed rows)."""

    title = _("language")
    parameter_name = "language"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        codes = Record.objects.exclude(language="").order_by("language")
        return [
            (code, language_name(code))
            for code in codes.values_list("language", flat=True).distinct()
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Record]) -> QuerySet[Record]:
        return queryset.filter(language=self.value()) if self.value() else queryset


class SubjectFilter(admin.SimpleListFilter):
    """The most used subjects (a full list of headings would not fit a sidebar)."""

    title = _("subject")
    parameter_name = "subject"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        top = Subject.objects.annotate(n=Count("record_links")).filter(n__gt=0).order_by("-n")
        return [(str(s.pk), s.heading) for s in top[:25]]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Record]) -> QuerySet[Record]:
        value = self.value() or ""
        subject = whole_number(value)
        if subject is not None:
            return queryset.filter(subject_links__subject_id=subject)
        return queryset


@admin.action(description=_("Withdraw every copy of the selected records"), permissions=["change"])
def records_withdraw_copies(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
    ids = list(Item.objects.filter(record__in=queryset).values_list("pk", flat=True))
    modeladmin.message_user(request, copies_withdraw(ids), messages.SUCCESS)


@admin.register(Record, site=catalog_admin)
class RecordAdmin(TitledPages, ServiceWrites, ServiceDeletes, admin.ModelAdmin):
    page_titles = PageTitles(_("Add a record"), _("Change the record"), _("View the record"))
    list_display = ["title", "contributor_names", "publication_year", "language", "copies"]
    list_display_links = ["title"]
    search_fields = [
        "title",
        "subtitle",
        "credits__contributor__name",
        "identifiers__value",
        "=control_number",
    ]
    search_help_text = _("Title, contributor name, ISBN/ISSN/LCCN/OCLC number or control number.")
    list_filter = [LanguageFilter, DecadeFilter, SubjectFilter]
    fieldsets = [
        (None, {"fields": ["title", "subtitle", "publisher", "publication_year", "edition"]}),
        (_("Description"), {"fields": ["language", "series", "summary"]}),
        (_("Control number"), {"fields": ["control_number", "control_number_source"]}),
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
            .annotate(n_items=count_of(Item, "record"))
            .prefetch_related("credits__contributor")
        )

    @admin.display(description=_("Contributors"))
    def contributor_names(self, record: Record) -> str:
        return list_joined(names_listed(credit.contributor.name for credit in record.credits.all()))

    @admin.display(description=_("Copies"), ordering="n_items")
    def copies(self, record: Record) -> int:
        return getattr(record, "n_items", 0)

    def save_model(self, request: HttpRequest, obj: Record, form: Any, change: bool) -> None:
        """Nothing yet: the record is written with its links, in save_related."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        outcomes = {formset.model: Outcome(formset) for formset in formsets}
        data = _record_data(form, outcomes)
        if change:
            record = record_update(record_id=form.instance.pk, data=data)
        else:
            record = record_create(data=data)
        form.instance.pk, form.instance.version = record.pk, record.version
        if Item in outcomes:
            _items_write(record.pk, outcomes[Item])
        for outcome in outcomes.values():
            outcome.told()

    def service_delete(self, pk: int) -> None:
        record_delete(record_id=pk)

    def deleted_items(self, objs: list[Any]) -> QuerySet[Item]:
        return Item.objects.filter(record_id__in=[obj.pk for obj in objs])
