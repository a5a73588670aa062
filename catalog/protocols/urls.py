"""The protocols' fixed addresses on a library host (discovery layers configure them once)."""

from django.urls import path

from catalog.protocols import oai

urlpatterns = [
    path("oai", oai.oai, name="oai"),
]
