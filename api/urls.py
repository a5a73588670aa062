"""URLs of one library's REST API under /api/v1/."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from api import views as catalog_api

router = DefaultRouter()
router.register("records", catalog_api.RecordViewSet, basename="record")
router.register("items", catalog_api.ItemViewSet, basename="item")
router.register("locations", catalog_api.LocationViewSet, basename="location")
router.register("contributors", catalog_api.ContributorViewSet, basename="contributor")
router.register("subjects", catalog_api.SubjectViewSet, basename="subject")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("changes/", catalog_api.ChangeFeedView.as_view(), name="changes"),
    path("auth/token/", catalog_api.TokenObtainView.as_view(), name="auth-token"),
    path("", include(router.urls)),
    re_path(r"^.*/$", catalog_api.api_not_found),
]
