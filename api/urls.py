"""URLs of one library's REST API under /api/v1/."""

from django.urls import URLPattern, include, path
from django.views.decorators.gzip import gzip_page
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from api import circulation as circulation_api
from api import library_admin
from api import views as catalog_api
from api.exports import ExportJobViewSet
from api.imports import ImportJobViewSet
from api.lookup import RecordLookupView
from api.schema_view import SchemaView


class Router(DefaultRouter):
    """The API's root (GET /api/v1/) lists every resource: the views routed beside the
    viewsets too, so an integrator finds settings, the change feed and the schema from it."""

    # Formats are asked for by Accept or ?format=: a suffix route (`records/2.json`) would
    # hand the views a `format` they do not take, a 500 for `records/2.4/`.
    include_format_suffixes = False

    def __init__(self, others: list[URLPattern]) -> None:
        super().__init__()
        self.others = {str(route.pattern).rstrip("/"): str(route.name) for route in others}

    def get_api_root_view(self, api_urls=None):  # type: ignore[no-untyped-def]
        listed = {prefix: f"{basename}-list" for prefix, _, basename in self.registry}
        return self.APIRootView.as_view(api_root_dict={**listed, **self.others})


# Views beside the viewsets.
others = [
    # Megabytes of JSON that compress tenfold.
    path("schema/", gzip_page(SchemaView.as_view()), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
    path("changes/", catalog_api.ChangeFeedView.as_view(), name="changes"),
    path("auth/token/", catalog_api.TokenObtainView.as_view(), name="auth-token"),
    path("item-types/", circulation_api.ItemTypeView.as_view(), name="item-types"),
    path("labels/", circulation_api.LabelsView.as_view(), name="labels"),
    path(
        "circulation-settings/",
        circulation_api.CirculationSettingsView.as_view(),
        name="circulation-settings",
    ),
    path("settings/", library_admin.LibrarySettingsView.as_view(), name="library-settings"),
    # Before the router, whose records/<pk>/ would take "lookup" for a record's id.
    path("records/lookup/", RecordLookupView.as_view(), name="record-lookup"),
]

router = Router(others)
router.register("records", catalog_api.RecordViewSet, basename="record")
router.register("items", catalog_api.ItemViewSet, basename="item")
router.register("locations", catalog_api.LocationViewSet, basename="location")
router.register("contributors", catalog_api.ContributorViewSet, basename="contributor")
router.register("subjects", catalog_api.SubjectViewSet, basename="subject")
router.register("imports", ImportJobViewSet, basename="import")
router.register("exports", ExportJobViewSet, basename="export")
# Lending (patron scope only).
router.register("patron-imports", circulation_api.PatronImportViewSet, basename="patron-import")
router.register("patrons", circulation_api.PatronViewSet, basename="patron")
router.register("loans", circulation_api.LoanViewSet, basename="loan")
router.register("holds", circulation_api.HoldViewSet, basename="hold")
router.register("loan-rules", circulation_api.LoanRuleViewSet, basename="loan-rule")
router.register("closed-days", circulation_api.ClosedDayViewSet, basename="closed-day")
router.register("stocktakes", circulation_api.StocktakeViewSet, basename="stocktake")
# The library's own administration (its admins only).
router.register("staff", library_admin.StaffViewSet, basename="staff")
router.register("api-keys", library_admin.ApiKeyViewSet, basename="api-key")
router.register("domains", library_admin.DomainViewSet, basename="domain")
router.register("audit", library_admin.AuditEventViewSet, basename="audit-event")

urlpatterns = [*others, path("", include(router.urls))]
