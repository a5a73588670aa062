"""URLs of the platform host's API under /api/v1/."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from api import platform

router = DefaultRouter()
router.register("libraries", platform.LibraryViewSet, basename="library")

urlpatterns = [
    path("signups/", platform.SignupCreate.as_view(), name="signup-create"),
    path("signups/confirm/", platform.SignupConfirm.as_view(), name="signup-confirm-api"),
    path("signups/<str:public_id>/", platform.SignupDetail.as_view(), name="signup-detail"),
    path("", include(router.urls)),
]
