"""URLs of the staff import and export pages, under /staff/ on a library host."""

from django.urls import path

from catalog.imports import views

urlpatterns = [
    path("imports/", views.imports_page, name="staff-imports"),
    path("imports/<int:pk>/", views.import_job_page, name="staff-import"),
    path("imports/<int:pk>/rejects/", views.import_job_rejects, name="staff-import-rejects"),
    path("imports/<int:pk>/revert/", views.import_job_revert_page, name="staff-import-revert"),
    path("imports/<int:pk>/<str:verb>/", views.import_job_action, name="staff-import-action"),
    path("exports/", views.exports_page, name="staff-exports"),
    path("exports/<int:pk>/", views.export_job_page, name="staff-export"),
    path("exports/<int:pk>/download/", views.export_job_download, name="staff-export-download"),
]
