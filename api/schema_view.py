"""The OpenAPI document's view: built once per process and language, not on each request."""

from typing import Any

from django.conf import settings
from django.utils import translation
from drf_spectacular.views import SpectacularAPIView
from rest_framework.request import Request
from rest_framework.response import Response

# Documents built in this process, by URL configuration (a library's or the platform's), version
# and language: the code does not change at run time, but descriptions are translated.
_documents: dict[tuple[str, str | None, str], dict[str, Any]] = {}


class SchemaView(SpectacularAPIView):
    """The OpenAPI document, which takes a second or more to build: kept once built."""

    def _get_schema_response(self, request: Request) -> Response:
        version = self.api_version or request.version or self._get_version_parameter(request)
        urlconf = str(getattr(request, "urlconf", None) or settings.ROOT_URLCONF)
        key = (urlconf, version, translation.get_language() or settings.LANGUAGE_CODE)
        if key not in _documents:
            generator = self.generator_class(
                urlconf=self.urlconf, api_version=version, patterns=self.patterns
            )
            _documents[key] = generator.get_schema(request=request, public=self.serve_public)
        filename = self._get_filename(request, version)
        return Response(
            data=_documents[key], headers={"Content-Disposition": f'inline; filename="{filename}"'}
        )
