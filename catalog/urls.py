"""Addresses of the public catalog website (the stable ones: readers bookmark record pages)."""

from django.urls import path

from catalog import views

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="catalog-search"),
    path("records/<int:pk>/", views.record_detail, name="catalog-record"),
]
