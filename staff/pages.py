"""How the staff pages of a library host answer: one page render, with its error if any."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def staff_page(
    request: HttpRequest, template: str, context: dict[str, Any], error: str = ""
) -> HttpResponse:
    """A staff page, with the error to show above it (answered 400) when there is one."""
    return render(request, template, {**context, "error": error}, status=400 if error else 200)
