"""Addresses of circulation's staff pages, under /staff/ on a library host."""

from django.urls import path

from circulation import views

urlpatterns = [
    path("desk/", views.desk_page, name="circulation-desk"),
    path("desk/overdue/", views.overdue_page, name="circulation-overdue"),
    path("desk/hold-shelf/", views.hold_shelf_page, name="circulation-hold-shelf"),
    path("labels/", views.labels_page, name="circulation-labels"),
    path("stocktake/", views.stocktakes_page, name="circulation-stocktakes"),
    path("stocktake/<int:pk>/", views.stocktake_page, name="circulation-stocktake"),
    path("stocktake/<int:pk>/report.csv", views.stocktake_csv, name="circulation-stocktake-csv"),
]
