"""URLs of one library's REST API under /api/v1/."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from api.exports import ExportJobViewSet
from api.imports import ImportJobViewSet

router = DefaultRouter()
router.register("imports", ImportJobViewSet, basename="import")
router.register("exports", ExportJobViewSet, basename="export")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("", include(router.urls)),
]
