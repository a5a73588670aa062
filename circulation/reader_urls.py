"""Addresses of a patron's own account, under /account/ on a library host."""

from django.urls import path

from circulation import reader_views

urlpatterns = [
    path("", reader_views.account_page, name="reader-account"),
    path("sign-in/", reader_views.sign_in_page, name="reader-sign-in"),
    path("link/<str:token>/", reader_views.sign_in_link, name="reader-link"),
    path("sign-out/", reader_views.sign_out, name="reader-sign-out"),
    path("holds/place/<int:record_id>/", reader_views.place_hold_page, name="reader-place-hold"),
]
