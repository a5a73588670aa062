"""Addresses of the public catalog website (the stable ones: readers bookmark record pages)."""

from django.urls import path, re_path

from catalog import views

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="catalog-search"),
    path("records/<int:pk>/", views.record_detail, name="catalog-record"),
    # A new cover gets a new token, so its address can be cached for good.
    re_path(
        r"^records/(?P<pk>[0-9]{1,18})/cover-(?P<token>[0-9a-f]{16})-(?P<size>thumb|large)\.webp$",
        views.record_cover,
        name="catalog-record-cover",
    ),
]
