"""Scan-to-add's lookup in the API: an ISBN in any form, answered best first."""

from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from api import examples as ex
from api.permissions import StaffOnly
from api.schema import CatalogAutoSchema
from api.strict import StrictAPIView
from cataloguing.lookup import isbn_lookup, lookup_as_json
from common.errors import ApplicationError


class RecordLookupView(StrictAPIView):
    """Look an ISBN up for adding a book: this library's catalog first (source `catalog`),
    then the platform's shared pool (`pool`), then the outside sources the platform
    configured (each by its name). Sources that failed are listed under `failures`.
    Staff and API keys only."""

    schema = CatalogAutoSchema()
    permission_classes = [StaffOnly]
    query_params = {"get": ["isbn"]}

    @extend_schema(
        summary="Look an ISBN up",
        parameters=[OpenApiParameter("isbn", str, required=True,
                                     description="ISBN-13 or ISBN-10, hyphens allowed")],
        responses={200: OpenApiTypes.OBJECT},
        examples=[ex.RECORD_LOOKUP],
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        raw = request.query_params.get("isbn", "")
        if not raw.strip():
            message = gettext("Give an ISBN: ?isbn=...")
            raise ApplicationError.of_field("isbn", message)
        lookup = isbn_lookup(raw_isbn=raw, library=request.tenant)  # type: ignore[attr-defined]
        return Response(lookup_as_json(lookup))
