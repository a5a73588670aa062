"""The catalog's API views: each checks its input, calls one service or selector, renders."""

import re
from collections.abc import Callable
from functools import partial
from typing import Any, cast

from django.http import HttpRequest, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from api import examples as ex
from api import serializers as s
from api.http import created, located
from api.pagination import PageRead, StableCursorPagination
from api.parsers import OctetStreamParser, PictureParser
from api.permissions import StaffOnly
from api.renderers import (
    RECORD_FORMAT_RENDERERS,
    JsonLdRenderer,
    MarcJsonRenderer,
    MarcRenderer,
    MarcXmlRenderer,
)
from api.schema import CatalogAutoSchema
from api.strict import StrictAPIView, StrictViewSet
from catalog import selectors, services
from catalog.marc import marc_json, marc_xml
from catalog.models import Contributor, Item, Location, Record, Subject
from catalog.protocols.records import records_marc, records_with_links
from catalog.search import search_facets
from catalog.website import record_json_ld
from common.errors import NotFound, PreconditionFailed, Versions
from common.problems import problem_response
from staff.roles import may_see_staff_fields
from staff.services import staff_token_issue

ID_PATTERN = r"[0-9]{1,18}"
_ETAG_VERSION = re.compile(r'^(W/)?"?v?([0-9]{1,9})"?$')


def etag_for(version: int) -> str:
    return f'"v{version}"'


def expected_version(request: Request) -> Versions | None:
    """The versions an `If-Match` header names, any of which will do (None without the
    header, or for `*`). Its comparison is strong (RFC 9110): a weak tag matches none."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    matches = [_ETAG_VERSION.match(tag.strip()) for tag in header.split(",")]
    if not all(matches):
        raise PreconditionFailed(
            _('If-Match must carry the ETag this API sent with the object, e.g. "v3".')
        )
    strong = tuple(int(m.group(2)) for m in matches if m is not None and not m.group(1))
    if not strong:
        # The caller's own tag, and the one to send: a fixed example would not be theirs.
        sent = header.split(",")[0].strip()
        version = next(int(m.group(2)) for m in matches if m is not None)
        raise PreconditionFailed(
            _("A weak ETag (%(sent)s) never matches If-Match: send the ETag as the object "
              "came with it, %(strong)s.") % {"sent": sent, "strong": etag_for(version)}
        )  # fmt: skip
    return strong


def with_etag(response: Response, version: int) -> Response:
    response["ETag"] = etag_for(version)
    return response


def item_serializer_class(request: Request) -> type[s.ItemPublicSerializer]:
    if may_see_staff_fields(request.user):
        return s.ItemStaffSerializer
    return s.ItemPublicSerializer


class CatalogViewSet(StrictViewSet):
    schema = CatalogAutoSchema()
    lookup_value_regex = ID_PATTERN
    # Formats an action offers besides the API's JSON (by `Accept` or `?format=`).
    format_renderers: dict[str, tuple[type[BaseRenderer], ...]] = {}
    # Actions that answer in one format only, whatever Accept or ?format= ask for.
    format_only: dict[str, type[BaseRenderer]] = {}

    def get_renderers(self) -> list[BaseRenderer]:
        if self.action in self.format_only:
            # An operation of one format answers in it alone (its errors still in JSON).
            return [self.format_only[self.action]()]
        renderers = super().get_renderers()
        extra = [renderer() for renderer in self.format_renderers.get(self.action, ())]
        return [renderers[0], *extra, *renderers[1:]]

    def paginated_by(
        self, read: PageRead, answers: Callable[[list[Any]], list[dict[str, Any]]]
    ) -> Response:
        """A page that `read` (a selector) reads, rather than one of a QuerySet, its rows
        given as `answers` makes them."""
        paginator = cast(StableCursorPagination, self.paginator)
        page = paginator.paginate(read, self.request)
        return self.get_paginated_response(answers(page))


def _record_answers(rows: list[tuple[Any, ...]], request: Request) -> list[dict[str, Any]]:
    """A page of records' rows as RecordSerializer renders records, their links read as rows."""
    links = selectors.record_links_rows([row[0] for row in rows])
    return s.record_answers(rows, links, s.site_base(request))


RECORD_FORMATS = {renderer.format for renderer in RECORD_FORMAT_RENDERERS}


def record_in_format(request: Request, record_id: int, form: str) -> bytes | dict[str, Any]:
    """One record as it is now in a format other than the API's JSON: MARCXML, MARC 21 or
    MARC-in-JSON (as the protocols serve it) or schema.org JSON-LD."""
    if form == "jsonld":
        found = records_with_links([record_id])
        if not found:
            raise NotFound(_("No such record."))
        url = request.build_absolute_uri(reverse("catalog-record", args=[record_id]))
        return record_json_ld(found[0], url)
    marc = records_marc([record_id]).get(record_id)
    if marc is None:
        raise NotFound(_("No such record."))
    if form == "marc":
        return bytes(marc.as_marc())
    if form == "marcxml":
        return marc_xml(marc, declaration=True)
    return marc_json(marc)


# A record's other formats, each an operation of its own at records/{id}/formats/<format>/
# (action, renderer, what the document says of it, its schema, its example): a client generated
# from the document reads MARCXML and MARC as bytes and the JSON formats as objects, where one
# operation answering in five media types would be read as the record's JSON whatever came.
RECORD_FORMAT_READS = (
    ("format_marcxml", MarcXmlRenderer, "A record as MARCXML",
     "MARCXML (MARC21slim, UTF-8, with its XML declaration), the copies held as 852 fields: "
     "the same record OAI-PMH and unAPI serve.", OpenApiTypes.STR, ex.RECORD_MARCXML),
    ("format_marc", MarcRenderer, "A record as MARC 21 (ISO 2709)",
     "MARC 21 in ISO 2709, UTF-8, the copies held as 852 fields.",
     OpenApiTypes.BINARY, None),
    ("format_marcjson", MarcJsonRenderer, "A record as MARC-in-JSON",
     "The MARC record in MARC-in-JSON, the copies held as 852 fields.", OpenApiTypes.OBJECT,
     ex.RECORD_MARC_JSON),
    ("format_jsonld", JsonLdRenderer, "A record as schema.org JSON-LD",
     "A schema.org Book in JSON-LD.", OpenApiTypes.OBJECT,
     ex.RECORD_JSON_LD),
)  # fmt: skip


def _format_read_schemas() -> dict[str, Any]:
    return {
        action: extend_schema(
            summary=summary,
            description=f"{description} The same as GET /api/v1/records/{{id}}/ with Accept: "
            f"{renderer.media_type} or ?format={renderer.format}.",
            responses={
                (200, str(renderer.media_type)): OpenApiResponse(kind, description=description)
            },
            examples=[example] if example is not None else [],
        )
        for action, renderer, summary, description, kind, example in RECORD_FORMAT_READS
    }


ETAG_HEADER = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, required=False,
    description='The ETag you read (e.g. "v3"): the write is refused with 412 if the object '
    "changed since.",
)  # fmt: skip


def versioned_writes(
    *,
    create: str,
    replace: str,
    change: str,
    delete: str,
    request: type[serializers.Serializer],
    response: type[serializers.Serializer],
    examples: tuple[Any, Any, Any],
) -> dict[str, Any]:
    """The schemas of the writes to an object with a version: a create answers 201, and a
    replace, a change or a delete takes the If-Match of the version read. `examples` are the
    input, the patch and the object."""
    given, patch, made = examples
    return {
        "create": extend_schema(
            summary=create, request=request, responses={201: response}, examples=[given, made]
        ),
        "update": extend_schema(
            summary=replace, request=request, responses=response, parameters=[ETAG_HEADER],
            examples=[given, made],
        ),
        "partial_update": extend_schema(
            summary=change, request=request, responses=response, parameters=[ETAG_HEADER],
            examples=[patch, made],
        ),
        "destroy": extend_schema(summary=delete, parameters=[ETAG_HEADER], responses={204: None}),
    }  # fmt: skip


@extend_schema_view(
    list=extend_schema(
        summary="Search and list records",
        description="With `q`, in relevance order by default: the rank of the query's words in "
        "each record, best first. A query of words that must all be there, each in so many "
        "records that the library keeps its matches ranked, and whose matches are by those "
        "counts more than the library's exact size (5,000 by default), is ordered by the "
        "rank of its rarest word alone instead (newest first among equals); every match is "
        "still on some page, once. The `next` and `previous` links keep to the order the first "
        "page chose, even if the counts change meanwhile.",
        parameters=[s.RecordSearchParamsSerializer],
        examples=[ex.RECORD_PAGE],
    ),
    retrieve=extend_schema(
        summary="A record",
        description="The record in the API's JSON. Its other formats are operations of their "
        "own: /formats/marcxml/, /formats/marc/, /formats/marcjson/ and /formats/jsonld/ "
        "(this address also answers in them by Accept or ?format=, as those operations do).",
        parameters=[
            OpenApiParameter(
                "format",
                str,
                OpenApiParameter.QUERY,
                required=False,
                enum=["json"],
                description="json, the API's JSON (as Accept: application/json).",
            )
        ],
        responses={(200, "application/json"): s.RecordSerializer},
        examples=[ex.RECORD],
    ),
    **_format_read_schemas(),
    **versioned_writes(
        create="Catalogue a new record",
        replace="Replace a record",
        change="Change some fields of a record",
        delete="Delete a record and its items",
        request=s.RecordInputSerializer,
        response=s.RecordSerializer,
        examples=(ex.RECORD_INPUT, ex.RECORD_PATCH, ex.RECORD),
    ),
    cover=[
        extend_schema(
            methods=["PUT"],
            summary="Give a record a cover",
            description="The body is the picture itself (JPEG, PNG, WebP or GIF), sent as "
            "application/octet-stream or with its own media type as Content-Type (image/jpeg, "
            "image/png, image/webp, image/gif), at most the API's body limit (2.5 MB). It is "
            "resized to a thumbnail (within 120 by 180 pixels) and a larger picture (within "
            "400 by 600), stored as WebP without its metadata, and shown on the catalog's pages; "
            "the record's version moves and the change feed notes it. A file that is no "
            "picture, or one of more than 40 megapixels, is refused with 400 and nothing "
            "changes.",
            request={"application/octet-stream": {"type": "string", "format": "binary"}},
            parameters=[ETAG_HEADER],
            responses={200: s.CoverSerializer},
            examples=[ex.COVER],
        ),
        extend_schema(
            methods=["DELETE"],
            summary="Take a record's cover away",
            description="Its files are deleted; 404 if the record has no cover.",
            parameters=[ETAG_HEADER],
            responses={204: None},
        ),
    ],
    items=extend_schema(
        summary="The items of a record",
        responses=s.ITEMS_AS_CALLER_SEES,
        examples=[ex.ITEM_PAGE, ex.ITEM_PUBLIC_PAGE],
    ),
    availability=extend_schema(
        summary="How many copies of many records are in, by status and location",
        parameters=[s.AvailabilityParamsSerializer],
        responses=s.AvailabilitySerializer,
        examples=[ex.AVAILABILITY],
    ),
    facets=extend_schema(
        summary="Facet counts of a search",
        parameters=[s.RecordSearchParamsSerializer],
        responses=s.FacetsSerializer,
        examples=[ex.FACETS],
    ),
)
class RecordViewSet(CatalogViewSet):
    """Bibliographic records. Anonymous readers see them when the library's catalog is public."""

    serializer_class = s.RecordSerializer
    queryset = Record.objects.none()
    query_params = {
        "list": s.RecordSearchParamsSerializer,
        "facets": s.RecordSearchParamsSerializer,
        "availability": s.AvailabilityParamsSerializer,
    }
    paged_actions = ("list", "items")
    format_renderers = {"retrieve": RECORD_FORMAT_RENDERERS}
    format_only = {action: renderer for action, renderer, *_ in RECORD_FORMAT_READS}

    def list(self, request: Request) -> Response:
        params = self.query()
        q = params.validated_data.get("q", "")
        ordering = params.validated_data.get("ordering") or ("relevance" if q.strip() else "newest")
        read = partial(selectors.record_page_rows, q=q, filters=params.filters(), ordering=ordering)
        return self.paginated_by(read, partial(_record_answers, request=request))

    @action(detail=False, methods=["get"], pagination_class=None)
    def facets(self, request: Request) -> Response:
        params = self.query()
        found = search_facets(q=params.validated_data.get("q", ""), filters=params.filters())
        facets = {"count": found.count, "estimated": found.estimated, **found.facets}
        return Response(s.FacetsSerializer(facets).data)

    @action(detail=False, methods=["get"], pagination_class=None)
    def availability(self, request: Request) -> Response:
        params = self.query()
        found = selectors.record_availability(record_ids=params.validated_data["ids"])
        return Response({"results": found})

    def retrieve(self, request: Request, pk: str) -> Response:
        form = request.accepted_renderer.format
        if form in RECORD_FORMATS:
            response = Response(record_in_format(request, int(pk), str(form)))
        else:
            record = selectors.record_get(record_id=int(pk))
            answer = s.RecordSerializer(record, context={"request": request}).data
            response = with_etag(Response(answer), record.version)
        patch_vary_headers(response, ["Accept"])
        return response

    @action(detail=True, methods=["get"], url_path="formats/marcxml")
    def format_marcxml(self, request: Request, pk: str) -> Response:
        return Response(record_in_format(request, int(pk), "marcxml"))

    @action(detail=True, methods=["get"], url_path="formats/marc")
    def format_marc(self, request: Request, pk: str) -> Response:
        return Response(record_in_format(request, int(pk), "marc"))

    @action(detail=True, methods=["get"], url_path="formats/marcjson")
    def format_marcjson(self, request: Request, pk: str) -> Response:
        return Response(record_in_format(request, int(pk), "marcjson"))

    @action(detail=True, methods=["get"], url_path="formats/jsonld")
    def format_jsonld(self, request: Request, pk: str) -> Response:
        return Response(record_in_format(request, int(pk), "jsonld"))

    def create(self, request: Request) -> Response:
        body = self.body(s.RecordInputSerializer)
        record = services.record_create(data=body.data_for_service())
        return located(
            self._written(record.pk, status.HTTP_201_CREATED), request, "record-detail", record.pk
        )

    def update(self, request: Request, pk: str) -> Response:
        return self._update(request, int(pk), partial=False)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self._update(request, int(pk), partial=True)

    def _update(self, request: Request, record_id: int, *, partial: bool) -> Response:
        selectors.record_get(record_id=record_id)  # a missing record is a 404 before a 400
        body = self.body(s.RecordInputSerializer, partial=partial)
        # After the body: a request that is invalid as sent is a 400 whatever its If-Match.
        version = expected_version(request)
        if partial:
            services.record_patch(
                record_id=record_id, changes=body.changes_for_service(), expected_version=version
            )
        else:
            services.record_update(
                record_id=record_id, data=body.data_for_service(), expected_version=version
            )
        return self._written(record_id, status.HTTP_200_OK)

    def _written(self, record_id: int, code: int) -> Response:
        record = selectors.record_get(record_id=record_id)
        answer = s.RecordSerializer(record, context={"request": self.request}).data
        return with_etag(Response(answer, status=code), record.version)

    def destroy(self, request: Request, pk: str) -> Response:
        services.record_delete(record_id=int(pk), expected_version=expected_version(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(
        detail=True, methods=["put", "delete"], parser_classes=[PictureParser, OctetStreamParser]
    )
    def cover(self, request: Request, pk: str) -> Response:
        version = expected_version(request)
        if request.method == "DELETE":
            services.record_cover_remove(record_id=int(pk), expected_version=version)
            return Response(status=status.HTTP_204_NO_CONTENT)
        selectors.record_get(record_id=int(pk))  # a missing record is a 404 before a 400
        image = request.data if isinstance(request.data, bytes) else b""
        record = services.record_cover_set(record_id=int(pk), image=image, expected_version=version)
        page = request.build_absolute_uri(f"/records/{record.pk}/")
        return with_etag(Response(s.cover_data(record, page)), record.version)

    @action(detail=True, methods=["get"])
    def items(self, request: Request, pk: str) -> Response:
        record = selectors.record_get(record_id=int(pk))
        return self.paginated(
            selectors.item_list(record_id=record.pk), item_serializer_class(request)
        )


@extend_schema_view(
    list=extend_schema(
        summary="List items",
        parameters=[s.ItemListParamsSerializer],
        responses=s.ITEMS_AS_CALLER_SEES,
        examples=[ex.ITEM_PAGE, ex.ITEM_PUBLIC_PAGE],
    ),
    retrieve=extend_schema(
        summary="An item", responses=s.ITEM_AS_CALLER_SEES, examples=[ex.ITEM, ex.ITEM_PUBLIC]
    ),
    **versioned_writes(
        create="Add an item (a copy) to a record",
        replace="Replace an item",
        change="Change some fields of an item",
        delete="Delete an item",
        request=s.ItemInputSerializer,
        response=s.ItemStaffSerializer,
        examples=(ex.ITEM_INPUT, ex.ITEM_PATCH, ex.ITEM),
    ),
    by_barcode=extend_schema(
        summary="The item with a barcode",
        responses=s.ITEM_AS_CALLER_SEES,
        examples=[ex.ITEM, ex.ITEM_PUBLIC],
    ),
)
class ItemViewSet(CatalogViewSet):
    """Items: the physical copies of records. Price and staff notes are shown to staff accounts
    and write keys only."""

    serializer_class = s.ItemStaffSerializer
    queryset = Item.objects.none()
    query_params = {"list": s.ItemListParamsSerializer}

    def list(self, request: Request) -> Response:
        params = self.query()
        items = selectors.item_list(
            record_id=params.validated_data.get("record"),
            barcode=params.validated_data.get("barcode"),
            status=params.validated_data.get("status"),
            location=params.validated_data.get("location"),
            barcodes=params.validated_data.get("barcodes"),
        )
        return self.paginated(items, item_serializer_class(request))

    def retrieve(self, request: Request, pk: str) -> Response:
        return self._render(selectors.item_get(item_id=int(pk)))

    @action(detail=False, methods=["get"], url_path=r"by-barcode/(?P<barcode>.{1,64})")
    def by_barcode(self, request: Request, barcode: str) -> Response:
        return self._render(selectors.item_get_by_barcode(barcode=barcode))

    def create(self, request: Request) -> Response:
        body = self.body(s.ItemInputSerializer)
        item = services.item_create(
            record_id=body.validated_data["record"], data=body.data_for_service()
        )
        response = self._render(selectors.item_get(item_id=item.pk), status.HTTP_201_CREATED)
        return located(response, request, "item-detail", item.pk)

    def update(self, request: Request, pk: str) -> Response:
        return self._update(request, int(pk), partial=False)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self._update(request, int(pk), partial=True)

    def _update(self, request: Request, item_id: int, *, partial: bool) -> Response:
        current = selectors.item_get(item_id=item_id)
        body = self.body(s.ItemInputSerializer, partial=partial)
        version = expected_version(request)  # after the body, as for records
        services.item_update(
            item_id=item_id,
            record_id=body.validated_data.get("record"),
            data=body.data_for_service(current if partial else None),
            expected_version=version,
        )
        return self._render(selectors.item_get(item_id=item_id))

    def destroy(self, request: Request, pk: str) -> Response:
        services.item_delete(item_id=int(pk), expected_version=expected_version(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _render(self, item: Item, code: int = status.HTTP_200_OK) -> Response:
        data = item_serializer_class(self.request)(item).data
        return with_etag(Response(data, status=code), item.version)


@extend_schema_view(
    list=extend_schema(summary="List locations", examples=[ex.LOCATION_PAGE]),
    retrieve=extend_schema(summary="A location", examples=[ex.LOCATION]),
    create=extend_schema(
        summary="Add a location",
        request=s.LocationInputSerializer,
        responses={201: s.LocationSerializer},
        examples=[ex.LOCATION_INPUT, ex.LOCATION],
    ),
    update=extend_schema(
        summary="Rename or recode a location",
        request=s.LocationInputSerializer,
        examples=[ex.LOCATION_INPUT, ex.LOCATION],
    ),
    partial_update=extend_schema(
        summary="Change a location's name or code, keeping what is not sent",
        request=s.LocationInputSerializer(partial=True),
        examples=[ex.LOCATION_INPUT, ex.LOCATION],
    ),
    destroy=extend_schema(summary="Delete an empty location", responses={204: None}),
)
class LocationViewSet(CatalogViewSet):
    """Branches and shelves where items are kept."""

    serializer_class = s.LocationSerializer
    queryset = Location.objects.none()
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def list(self, request: Request) -> Response:
        return self.paginated(selectors.location_list(), s.LocationSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(s.LocationSerializer(selectors.location_get(location_id=int(pk))).data)

    def create(self, request: Request) -> Response:
        body = self.body(s.LocationInputSerializer)
        location = services.location_create(**body.validated_data)
        return created(s.LocationSerializer(location).data, request, "location-detail", location.pk)

    def update(self, request: Request, pk: str) -> Response:
        body = self.body(s.LocationInputSerializer)
        location = services.location_update(location_id=int(pk), **body.validated_data)
        return Response(s.LocationSerializer(location).data)

    def partial_update(self, request: Request, pk: str) -> Response:
        body = self.body(s.LocationInputSerializer, partial=True)
        location = services.location_update(location_id=int(pk), **body.validated_data)
        return Response(s.LocationSerializer(location).data)

    def destroy(self, request: Request, pk: str) -> Response:
        services.location_delete(location_id=int(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary="List contributors",
        parameters=[s.NameParamsSerializer],
        examples=[ex.CONTRIBUTOR_PAGE],
    ),
    retrieve=extend_schema(summary="A contributor", examples=[ex.CONTRIBUTOR]),
)
class ContributorViewSet(CatalogViewSet):
    """People and bodies credited on records (filter records with `?contributor=<id>`)."""

    serializer_class = s.ContributorSerializer
    queryset = Contributor.objects.none()
    query_params = {"list": s.NameParamsSerializer}

    def list(self, request: Request) -> Response:
        params = self.query()
        contributors = selectors.contributor_list(name=params.validated_data.get("name"))
        return self.paginated(contributors, s.ContributorSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        contributor = selectors.contributor_get(contributor_id=int(pk))
        return Response(s.ContributorSerializer(contributor).data)


@extend_schema_view(
    list=extend_schema(
        summary="List subjects", parameters=[s.SubjectParamsSerializer], examples=[ex.SUBJECT_PAGE]
    ),
    retrieve=extend_schema(summary="A subject", examples=[ex.SUBJECT]),
)
class SubjectViewSet(CatalogViewSet):
    """Subject headings (filter records with `?subject=<id>`)."""

    serializer_class = s.SubjectSerializer
    queryset = Subject.objects.none()
    query_params = {"list": s.SubjectParamsSerializer}

    def list(self, request: Request) -> Response:
        params = self.query()
        subjects = selectors.subject_list(
            heading=params.validated_data.get("heading"),
            scheme=params.validated_data.get("scheme"),
        )
        return self.paginated(subjects, s.SubjectSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(s.SubjectSerializer(selectors.subject_get(subject_id=int(pk))).data)


class ChangeFeedView(StrictAPIView):
    """Records and items created, updated or deleted after a cursor, oldest first.

    Keep `next_cursor` and pass it as `since` next time; deleted entities appear once more as
    tombstones (`deleted: true`). Staff and API keys only.
    """

    schema = CatalogAutoSchema()
    permission_classes = [StaffOnly]
    query_params = {"get": s.ChangeParamsSerializer}

    @extend_schema(
        summary="The change feed",
        parameters=[s.ChangeParamsSerializer],
        responses=s.ChangePageSerializer,
        examples=[ex.CHANGES],
    )
    def get(self, request: Request) -> Response:
        params = self.query()
        since, limit = int(params.validated_data["since"]), params.validated_data["limit"]
        changes = list(selectors.change_list(since=since)[: limit + 1])
        if not changes:
            selectors.change_since_check(since=since)
        page = changes[:limit]
        next_cursor = page[-1].pk if page else since
        results = s.ChangeSerializer(page, many=True).data
        if params.validated_data.get("embed") == "body":
            bodies = selectors.change_bodies_get(changes=page)
            render: dict[str, type[serializers.BaseSerializer]] = {
                "record": s.RecordSerializer,
                "item": item_serializer_class(request),
            }
            for change, row in zip(page, results, strict=True):
                found = bodies.get((change.entity, change.entity_id))
                row["body"] = (
                    None
                    if found is None
                    else render[change.entity](found, context={"request": request}).data
                )
        body = {
            "results": results,
            "next_cursor": str(next_cursor),
            "has_more": len(changes) > limit,
        }
        return Response(body)


class TokenObtainView(StrictAPIView):
    """A staff token for this library's staff account, from its email and password.

    Send it back as `Authorization: Bearer <token>`. Accounts of other libraries do not exist
    here, so their credentials are refused like wrong ones.
    """

    schema = CatalogAutoSchema()
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Obtain a staff token",
        request=s.TokenRequestSerializer,
        responses=s.TokenSerializer,
        examples=[ex.TOKEN_REQUEST, ex.TOKEN],
    )
    def post(self, request: Request) -> Response:
        body = self.body(s.TokenRequestSerializer)
        issued = staff_token_issue(request=request._request, **body.validated_data)
        if issued is None:
            raise AuthenticationFailed(_("Wrong email or password for this library."))
        return Response(
            {
                "token": issued.secret,
                "expires_at": issued.staff_token.expires_at,
                "email": issued.user.email,
                "role": issued.user.role,
            }
        )

    def get_authenticate_header(self, request: Request) -> str:
        # Wrong credentials are a 401 (not 403) even though this view reads no header.
        return "Bearer"


@csrf_exempt
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Paths under /api/ that name nothing answer in the API's error shape too (for writes
    as well: the API's callers send no CSRF cookie, and a miss is a 404 whatever the method)."""
    return problem_response(
        404, _("Not found"), _("No API endpoint or object at this address."), "not_found"
    )


@csrf_exempt
def api_without_slash(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """An API address typed without its trailing slash: a 308 to the slashed one when that names
    something, so a client sends the same method and body again (Django's APPEND_SLASH answers
    a 301 that loses a POST's body, and a 500 page under DEBUG), else the API's 404."""
    try:
        match = resolve(request.path_info + "/", getattr(request, "urlconf", None))
    except Resolver404:
        return api_not_found(request)
    if match.func is api_not_found:
        return api_not_found(request)
    location = request.get_full_path(force_append_slash=True)
    response = problem_response(
        308,
        _("Permanent redirect"),
        _("This address ends with a slash: %(location)s") % {"location": location},
        "moved_permanently",
    )
    response["Location"] = location
    return response
