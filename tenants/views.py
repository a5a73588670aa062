"""Pages of the platform host and the staff entry point of a library host."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from catalog.selectors import catalog_statistics


def platform_home(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/platform_home.html")


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/staff_home.html", {"stats": catalog_statistics()})
