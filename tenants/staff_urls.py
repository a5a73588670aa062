"""URLs of the staff pages under /staff/ on a library host."""

from django.urls import path

from tenants import onboarding_views, staff_views

urlpatterns = [
    path("invitations/<str:token>/", onboarding_views.invitation_page, name="staff-invitation"),
    path("people/", staff_views.people_page, name="staff-people"),
    path("people/<int:pk>/<str:verb>/", staff_views.people_action, name="staff-people-action"),
    path("api-keys/", staff_views.api_keys_page, name="staff-api-keys"),
    path(
        "api-keys/<int:pk>/revoke/", staff_views.api_key_revoke_action, name="staff-api-key-revoke"
    ),
    path("domains/", staff_views.domains_page, name="staff-domains"),
    path("domains/<int:pk>/<str:verb>/", staff_views.domain_action, name="staff-domain-action"),
    path("settings/", staff_views.settings_page, name="staff-settings"),
    path("audit/", staff_views.audit_page, name="staff-audit"),
]
