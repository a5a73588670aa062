"""URLs of a library host: the public catalog, the staff area, the REST API and the library
world's protocols (OAI-PMH, SRU, unAPI, OpenSearch)."""

from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from api.views import api_not_found, api_without_slash
from catalog.admin import catalog_admin
from tenants import views as tenant_views

urlpatterns = [
    path("language/", tenant_views.language_choose, name="language-choose"),
    path("api/v1/", include("api.urls")),
    # Any other path under /api/, newlines included (`.` stops at one, and Django's HTML 404
    # answered): a 404 problem. A character class, not a (?s) flag, so that URL reversing can
    # still parse the pattern.
    re_path(r"^api/[\s\S]*/$", api_not_found),
    # The same without the trailing slash: a 308 to the slashed address when that names
    # something, a 404 problem when not (Django's APPEND_SLASH stays for the website).
    re_path(r"^api/[\s\S]*$", api_without_slash),
    path("staff/login/", auth_views.LoginView.as_view(), name="login"),
    path("staff/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("staff/", tenant_views.staff_home, name="staff-home"),
    path("staff/", include("cataloguing.urls")),
    path("staff/", include("tenants.staff_urls")),
    path("staff/", include("catalog.imports.urls")),
    path("staff/", include("circulation.urls")),
    path("admin/", catalog_admin.urls),
    path("account/", include("circulation.reader_urls")),
    path("", include("catalog.protocols.urls")),
    path("", include("catalog.urls")),
]

handler500 = "config.error_pages.server_error"
