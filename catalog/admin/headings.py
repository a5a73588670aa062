"""The pages of contributors and subjects: made and renamed through the heading services, which
refresh the records that use them."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from catalog.admin.site import PageTitles, ServiceForm, ServiceWrites, TitledPages, catalog_admin
from catalog.models import Contributor, Subject
from catalog.services import (
    contributor_create,
    contributor_name_check,
    contributor_update,
    subject_create,
    subject_heading_check,
    subject_update,
)


class ContributorForm(ServiceForm):
    class Meta:
        model = Contributor
        fields = ["name"]

    def check(self, data: dict[str, Any]) -> None:
        contributor_name_check(data.get("name") or "", contributor_id=self.instance.pk)


class SubjectForm(ServiceForm):
    class Meta:
        model = Subject
        fields = ["heading", "scheme"]

    def check(self, data: dict[str, Any]) -> None:
        heading, scheme = data.get("heading") or "", data.get("scheme") or ""
        subject_heading_check(heading, scheme, subject_id=self.instance.pk)


class HeadingAdmin(TitledPages, ServiceWrites, admin.ModelAdmin):
    """Contributors and subjects: renaming one refreshes the search of the records using it."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Records hold their contributors and subjects; remove the links from the records.
        return False


@admin.register(Contributor, site=catalog_admin)
class ContributorAdmin(HeadingAdmin):
    page_titles = PageTitles(
        _("Add a contributor"), _("Change the contributor"), _("View the contributor")
    )
    form = ContributorForm
    search_fields = ["name"]
    list_display = ["name"]

    def save_model(self, request: HttpRequest, obj: Contributor, form: Any, change: bool) -> None:
        if change:
            saved = contributor_update(contributor_id=obj.pk, name=obj.name)
        else:
            saved = contributor_create(name=obj.name)
        obj.pk, obj.name_key = saved.pk, saved.name_key


@admin.register(Subject, site=catalog_admin)
class SubjectAdmin(HeadingAdmin):
    page_titles = PageTitles(_("Add a subject"), _("Change the subject"), _("View the subject"))
    form = SubjectForm
    search_fields = ["heading"]
    list_display = ["heading", "scheme"]
    list_filter = ["scheme"]

    def save_model(self, request: HttpRequest, obj: Subject, form: Any, change: bool) -> None:
        if change:
            saved = subject_update(subject_id=obj.pk, heading=obj.heading, scheme=obj.scheme)
        else:
            saved = subject_create(heading=obj.heading, scheme=obj.scheme)
        obj.pk, obj.heading_key = saved.pk, saved.heading_key
