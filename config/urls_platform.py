"""URLs of the platform host (the public schema): onboarding and platform administration."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from api.views import api_not_found, api_without_slash
from tenants import onboarding_views, operator_views, pool_views
from tenants import views as tenant_views

# Onboarding: a library signs up, confirms its email and follows its provisioning.
_signup = [
    path("", onboarding_views.signup_page, name="signup"),
    path("confirm/<str:token>/", onboarding_views.signup_confirm_page, name="signup-confirm"),
    path("<str:public_id>/", onboarding_views.signup_status_page, name="signup-status"),
]
# Platform operators: every library, and what they may do to one.
_operators = [
    path("libraries/", operator_views.libraries_page, name="operator-libraries"),
    path(
        "libraries/<str:schema_name>/<str:verb>/",
        operator_views.library_action,
        name="operator-library-action",
    ),
]

urlpatterns = [
    path("language/", tenant_views.language_choose, name="language-choose"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.platform_urls")),
    # Any other path under /api/, newlines included (`.` stops at one, and Django's HTML 404
    # answered): a 404 problem. A character class, not a (?s) flag, so that URL reversing can
    # still parse the pattern.
    re_path(r"^api/[\s\S]*/$", api_not_found),
    # The same without the trailing slash: a 308 to the slashed address when that names
    # something, a 404 problem when not (Django's APPEND_SLASH stays for the website).
    re_path(r"^api/[\s\S]*$", api_without_slash),
    path("signup/", include(_signup)),
    path("operators/", include(_operators)),
    path("search/", pool_views.union_search_page, name="union-search"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("", tenant_views.platform_home, name="platform-home"),
]

handler500 = "config.error_pages.server_error"
