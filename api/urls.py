"""URLs of one library's REST API under /api/v1/."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

router = DefaultRouter()

from api import library_admin  # noqa: E402 - the library's own administration

router.register("staff", library_admin.StaffViewSet, basename="staff")
router.register("api-keys", library_admin.ApiKeyViewSet, basename="api-key")
router.register("domains", library_admin.DomainViewSet, basename="domain")
router.register("audit", library_admin.AuditEventViewSet, basename="audit-event")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("settings/", library_admin.LibrarySettingsView.as_view(), name="library-settings"),
    path("", include(router.urls)),
]
