"""Addresses of circulation's staff pages, under /staff/ on a library host."""

from django.urls import path

from circulation import patron_views, views

urlpatterns = [
    path("desk/", views.desk_page, name="circulation-desk"),
    path("desk/overdue/", views.overdue_page, name="circulation-overdue"),
    path("desk/barcode-clashes/", views.barcode_clashes_page, name="circulation-barcode-clashes"),
    path("desk/hold-shelf/", views.hold_shelf_page, name="circulation-hold-shelf"),
    path("desk/holds-to-pull/", views.holds_to_pull_page, name="circulation-holds-to-pull"),
    path("labels/", views.labels_page, name="circulation-labels"),
    path("stocktake/", views.stocktakes_page, name="circulation-stocktakes"),
    path("stocktake/<int:pk>/", views.stocktake_page, name="circulation-stocktake"),
    path("stocktake/<int:pk>/report.csv", views.stocktake_csv, name="circulation-stocktake-csv"),
    path("patrons/", patron_views.patrons_page, name="circulation-patrons"),
    path("patrons/new/", patron_views.patron_new_page, name="circulation-patron-new"),
    path("patrons/<int:pk>/", patron_views.patron_page, name="circulation-patron"),
    path(
        "patrons/<int:pk>/export.json",
        patron_views.patron_export_page,
        name="circulation-patron-export",
    ),
    path(
        "patrons/<int:pk>/erase/", patron_views.patron_erase_page, name="circulation-patron-erase"
    ),
    path("patrons/imports/", patron_views.patron_imports_page, name="circulation-patron-imports"),
    path(
        "patrons/imports/<int:pk>/",
        patron_views.patron_import_page,
        name="circulation-patron-import",
    ),
    path("lending-rules/", patron_views.loan_rules_page, name="circulation-loan-rules"),
    path("lending-rules/<int:pk>/", patron_views.loan_rule_page, name="circulation-loan-rule"),
    path("closed-days/", patron_views.closed_days_page, name="circulation-closed-days"),
]
