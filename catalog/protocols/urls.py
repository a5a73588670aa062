"""The protocols' fixed addresses on a library host (discovery layers configure them once)."""

from django.urls import path

from catalog.protocols import oai, sru, unapi

urlpatterns = [
    path("oai", oai.oai, name="oai"),
    path("sru", sru.sru, name="sru"),
    path("unapi", unapi.unapi, name="unapi"),
    path("opensearch.xml", unapi.opensearch, name="opensearch"),
]
