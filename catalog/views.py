"""The public catalog website of a library host."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from catalog.models import Record


def home(request: HttpRequest) -> HttpResponse:
    recent = Record.objects.order_by("-created_at", "-id")[:20]
    return render(request, "catalog/home.html", {"recent": recent})
