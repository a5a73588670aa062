"""Chooses the library (schema) and URLconf for each request from its host name."""

from django.http import HttpRequest, JsonResponse
from django_tenants.middleware.main import TenantMainMiddleware

from tenants.domains import library_for_host
from tenants.models import Library


class LibraryMiddleware(TenantMainMiddleware):
    """django-tenants' middleware with a cached domain lookup and suspended libraries refused."""

    def get_tenant(self, domain_model, hostname):  # type: ignore[no-untyped-def]
        library = library_for_host(hostname)
        if library is None:
            raise domain_model.DoesNotExist(hostname)
        return library

    def process_request(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        response = super().process_request(request)
        if response is not None:
            return response
        library: Library = request.tenant  # type: ignore[attr-defined]
        if library.schema_name != "public" and not library.is_active:
            return JsonResponse(
                {
                    "type": "about:blank",
                    "title": "Library suspended",
                    "status": 403,
                    "detail": f"{library.name} is suspended. Contact the library for details.",
                    "code": "library_suspended",
                },
                status=403,
            )
        return None
