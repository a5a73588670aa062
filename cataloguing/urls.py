"""Addresses of the cataloguing workspace under /staff/ on a library host."""

from django.urls import path

from cataloguing import records, views

urlpatterns = [
    path("add/", views.add_page, name="staff-add"),
    path("add/records/<int:pk>/copy/", views.add_copy, name="staff-add-copy"),
    path("records/", records.records_page, name="staff-records"),
    path("records/<int:pk>/", records.record_page, name="staff-record"),
    path("records/<int:pk>/copies/", records.record_copy_page, name="staff-record-copy"),
    path(
        "records/<int:pk>/copies/<int:item_id>/",
        records.record_copy_edit_page,
        name="staff-record-copy-edit",
    ),
    path(
        "records/<int:pk>/copies/<int:item_id>/remove/",
        records.record_copy_remove_page,
        name="staff-record-copy-remove",
    ),
    path("records/<int:pk>/cover/", records.record_cover_page, name="staff-record-cover"),
]
