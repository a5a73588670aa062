"""URLs of the platform host (the public schema): onboarding and platform administration."""

from django.contrib import admin
from django.urls import path

from tenants import views as tenant_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", tenant_views.platform_home, name="platform-home"),
]
