"""The platform host's API: self-service sign-up, and libraries for platform operators."""

from django.utils.translation import get_language, gettext
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.http import created, located
from api.strict import StrictAPIView, StrictInputSerializer, StrictViewSet
from common.errors import NotFound
from tenants.models import Domain, Library, Signup
from tenants.onboarding import signup_confirm, signup_create, signup_get, signup_host
from tenants.platform import (
    is_platform_operator,
    library_counts,
    library_delete,
    library_get,
    library_list,
    library_reactivate,
    library_suspend,
    on_platform_host,
)
from tenants.services import library_create
from tenants.throttles import SignupThrottle


class PlatformOperator(permissions.BasePermission):
    """A staff account of the platform itself (the public schema), signed in on its host."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return on_platform_host() and is_platform_operator(request.user)


class SignupSerializer(serializers.ModelSerializer[Signup]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    host = serializers.SerializerMethodField()
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Signup
        fields = ["id", "name", "subdomain", "host", "admin_email", "status", "status_display",
                  "error", "created_at", "updated_at"]  # fmt: skip

    def get_host(self, signup: Signup) -> str:
        return signup_host(signup.subdomain)


class SignupRequestSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=200)
    subdomain = serializers.CharField(max_length=63)
    admin_email = serializers.CharField(max_length=254)


class _SignupStep(StrictAPIView):
    """A step of signing up: open to anyone, and throttled by the caller's address."""

    authentication_classes: list[type] = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [SignupThrottle]


class SignupCreate(_SignupStep):
    """Ask for a library: its admin gets an email with a link to confirm the address (or POST
    its token to `signups/confirm/`), then a worker provisions it; poll the returned `id`."""

    def post(self, request: Request) -> Response:
        data = self.body(SignupRequestSerializer)
        # The request's language (Accept-Language) is the new library's, as on the form.
        signup = signup_create(
            **data.validated_data,
            language=get_language(),
            accept_language=request.headers.get("Accept-Language", ""),
        )
        response = Response(SignupSerializer(signup).data, status=status.HTTP_202_ACCEPTED)
        return located(response, request, "signup-detail", str(signup.public_id))


class SignupConfirmSerializer(StrictInputSerializer):
    token = serializers.CharField(max_length=200, help_text="The token of the emailed link.")


class SignupConfirm(_SignupStep):
    """Confirm a sign-up with the token of the link emailed to its admin: the library is
    provisioned by a worker from then on."""

    def post(self, request: Request) -> Response:
        data = self.body(SignupConfirmSerializer)
        signup = signup_confirm(token=data.validated_data["token"])
        response = Response(SignupSerializer(signup).data, status=status.HTTP_202_ACCEPTED)
        return located(response, request, "signup-detail", str(signup.public_id))


class SignupDetail(StrictAPIView):
    """The progress of one sign-up, by the id its creation returned."""

    authentication_classes: list[type] = []
    permission_classes = [permissions.AllowAny]

    def get(self, request: Request, public_id: str) -> Response:
        signup = signup_get(public_id=public_id)
        if signup is None:
            raise NotFound(gettext("No such sign-up."))
        return Response(SignupSerializer(signup).data)


class LibrarySerializer(serializers.ModelSerializer[Library]):
    domains = serializers.SlugRelatedField[Domain](slug_field="domain", many=True, read_only=True)
    records = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField()
    storage_bytes = serializers.SerializerMethodField()

    class Meta:
        model = Library
        fields = ["schema_name", "name", "status", "public_catalog", "domains", "created_at",
                  "records", "items", "storage_bytes"]  # fmt: skip

    def _counts(self, library: Library):  # type: ignore[no-untyped-def]
        return self.context.get("counts", {}).get(library.schema_name)

    def get_records(self, library: Library) -> int | None:
        counts = self._counts(library)
        return counts.records if counts else None

    def get_items(self, library: Library) -> int | None:
        counts = self._counts(library)
        return counts.items if counts else None

    def get_storage_bytes(self, library: Library) -> int | None:
        counts = self._counts(library)
        return counts.storage_bytes if counts else None


class LibraryCreateSerializer(StrictInputSerializer):
    schema_name = serializers.CharField(max_length=63)
    name = serializers.CharField(max_length=200)
    domain = serializers.CharField(max_length=253)
    admin_email = serializers.CharField(max_length=254)


class LibraryViewSet(StrictViewSet):
    """Every library with its counts; create, suspend, reactivate, delete (after an export)."""

    permission_classes = [PlatformOperator]
    serializer_class = LibrarySerializer
    lookup_field = "schema_name"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return library_list().prefetch_related("domains")

    def _render(self, libraries: list[Library]) -> list[dict[str, object]]:
        counts = library_counts([library.schema_name for library in libraries])
        rows = serializers.ListSerializer(
            libraries, child=LibrarySerializer(), context={"counts": counts}
        )
        return rows.data

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        assert page is not None  # noqa: S101 - the API always paginates
        return self.get_paginated_response(self._render(page))

    def retrieve(self, request: Request, schema_name: str) -> Response:
        return Response(self._render([library_get(schema_name=schema_name)])[0])

    def create(self, request: Request) -> Response:
        data = self.body(LibraryCreateSerializer)
        made = library_create(**data.validated_data, admin_invite=True)
        return created(
            self._render([made.library])[0], request, "library-detail", made.library.schema_name
        )

    @extend_schema(request=None)  # the body is none, not a library's fields
    @action(detail=True, methods=["post"])
    def suspend(self, request: Request, schema_name: str) -> Response:
        library = library_get(schema_name=schema_name)
        self.body_none()
        library = library_suspend(library=library)
        return Response(self._render([library])[0])

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def reactivate(self, request: Request, schema_name: str) -> Response:
        library = library_get(schema_name=schema_name)
        self.body_none()
        library = library_reactivate(library=library)
        return Response(self._render([library])[0])

    def destroy(self, request: Request, schema_name: str) -> Response:
        bundle = library_delete(library=library_get(schema_name=schema_name))
        return Response({"deleted": schema_name, "bundle": bundle})
