"""The platform host's union search: the shared pool's records, grouped by ISBN, each
linking to the record page of every library that shares it."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tenants.pool import pool_search


def union_search_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    groups = pool_search(query=query) if query else []
    port = request.get_port()
    default_port = "443" if request.is_secure() else "80"
    suffix = f":{port}" if port and port != default_port else ""
    context = {
        "query": query,
        "groups": groups,
        "scheme": settings.STACKS_SITE_SCHEME,
        "port_suffix": suffix,
    }
    return render(request, "tenants/platform/union_search.html", context)
