"""A library's administration API (its admins only): staff, API keys, domains, settings, audit."""

from collections.abc import Mapping
from typing import Any, NoReturn

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api import examples as ex
from api.exceptions import validation_refusal
from api.http import created
from api.permissions import LibraryAdminOnly
from api.strict import (
    ChoiceField,
    JsonBooleanField,
    StrictAPIView,
    StrictInputSerializer,
    StrictViewSet,
)
from api.views import ETAG_HEADER, expected_version, with_etag
from common.errors import ApplicationError, FieldRefusals
from staff.audit import actor_name, audit_event_list
from staff.invitations import (
    staff_deactivate,
    staff_get,
    staff_invitation_resend,
    staff_invitation_revoke,
    staff_invite,
    staff_list,
)
from staff.models import ApiKey, AuditEvent, User
from staff.roles import Role, key_role
from tenants.administration import (
    api_key_issue,
    api_key_list,
    api_key_withdraw,
    domain_add,
    domain_list,
    domain_make_primary,
    domain_remove,
    domain_verify,
    library_settings_clean,
    library_settings_update,
)
from tenants.dns import domain_challenge
from tenants.models import Domain, Library


def _library(request: Request) -> Library:
    return request.tenant  # type: ignore[attr-defined, no-any-return]


def _user(request: Request) -> User | None:
    return request.user if isinstance(request.user, User) else None


class AdminViewSet(StrictViewSet):
    permission_classes = [LibraryAdminOnly]
    lookup_value_regex = r"[0-9]+"


_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The object's id.")


# Staff


class StaffSerializer(serializers.ModelSerializer[User]):
    status = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "role", "status", "last_login", "date_joined"]

    def get_status(self, user: User) -> str:
        if not user.has_usable_password() and user.last_login is None:
            return "invited"
        return "active" if user.is_active else "deactivated"


class StaffInviteSerializer(StrictInputSerializer):
    email = serializers.CharField(max_length=254)
    role = ChoiceField(choices=Role.choices)


@extend_schema_view(
    list=extend_schema(summary="List staff", examples=[ex.STAFF_PAGE]),
    create=extend_schema(summary="Invite a staff member", request=StaffInviteSerializer,
                         responses={201: StaffSerializer}, examples=[ex.STAFF_INVITE, ex.STAFF]),
    retrieve=extend_schema(summary="A staff account", parameters=[_ID], examples=[ex.STAFF]),
    resend=extend_schema(summary="Resend an invitation", request=None, parameters=[_ID],
                         responses=StaffSerializer, examples=[ex.STAFF]),
    revoke=extend_schema(summary="Revoke an invitation", request=None, parameters=[_ID],
                         responses={204: None}),
    deactivate=extend_schema(summary="Deactivate a staff account", request=None,
                             parameters=[_ID], responses=StaffSerializer, examples=[ex.STAFF]),
)  # fmt: skip
class StaffViewSet(mixins.ListModelMixin, AdminViewSet):
    """Staff accounts: invite by email with a role, resend or revoke the invitation, deactivate."""

    serializer_class = StaffSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return staff_list()

    def create(self, request: Request) -> Response:
        data = self.body(StaffInviteSerializer)
        issued = staff_invite(
            email=data.validated_data["email"],
            role=data.validated_data["role"],
            invited_by=_user(request),
            host=request.get_host(),
            actor=actor_name(request.user),
        )
        return Response(
            StaffSerializer(issued.invitation.user).data, status=status.HTTP_201_CREATED
        )

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(StaffSerializer(staff_get(user_id=int(pk))).data)

    @action(detail=True, methods=["post"])
    def resend(self, request: Request, pk: str) -> Response:
        user = staff_get(user_id=int(pk))
        self.body_none()
        issued = staff_invitation_resend(
            user_id=user.pk,
            invited_by=_user(request),
            host=request.get_host(),
            actor=actor_name(request.user),
        )
        return Response(StaffSerializer(issued.invitation.user).data)

    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        user = staff_get(user_id=int(pk))
        self.body_none()
        staff_invitation_revoke(user_id=user.pk, actor=actor_name(request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: str) -> Response:
        user = staff_get(user_id=int(pk))
        self.body_none()
        user = staff_deactivate(user_id=user.pk, by=_user(request), actor=actor_name(request.user))
        return Response(StaffSerializer(user).data)


# API keys


class ApiKeySerializer(serializers.ModelSerializer[ApiKey]):
    created_by = serializers.SlugRelatedField[User](slug_field="email", read_only=True)
    revoked = serializers.SerializerMethodField()

    class Meta:
        model = ApiKey
        fields = [
            "id", "name", "prefix", "scope", "patrons", "created_by", "created_at", "expires_at",
            "revoked_at", "revoked", "last_used_at",
        ]  # fmt: skip

    def get_revoked(self, api_key: ApiKey) -> bool:
        return api_key.revoked_at is not None


def _scopes_described() -> str:
    """Every scope a key may have, from the choices themselves (a new one is listed too)."""
    scopes = "; ".join(f"`{scope}` acts as a {key_role(scope)} does" for scope in ApiKey.Scope)
    return (
        f"The key's scope: {scopes}. The patron scope (patrons, loans and holds) is `patrons`, "
        "given beside any of them."
    )


class ApiKeyCreateSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=100)
    scope = ChoiceField(
        choices=ApiKey.Scope.choices, default=ApiKey.Scope.READ, help_text=_scopes_described()
    )
    patrons = JsonBooleanField(
        default=False, help_text="The patron scope: patrons, loans and holds."
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


@extend_schema_view(
    list=extend_schema(summary="List API keys", examples=[ex.API_KEY_PAGE]),
    retrieve=extend_schema(summary="An API key (never its secret)", parameters=[_ID],
                           examples=[ex.API_KEY]),
    create=extend_schema(summary="Issue an API key", request=ApiKeyCreateSerializer,
                         responses={201: ApiKeySerializer},
                         examples=[ex.API_KEY_INPUT, ex.API_KEY_CREATED]),
    revoke=extend_schema(summary="Revoke an API key", request=None, parameters=[_ID],
                         responses=ApiKeySerializer, examples=[ex.API_KEY]),
)  # fmt: skip
class ApiKeyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AdminViewSet):
    """Keys for integrators. The secret is in the creation response only; read or revoke one
    by id."""

    serializer_class = ApiKeySerializer
    not_found = gettext_lazy("No such API key.")

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return api_key_list().select_related("created_by")

    def create(self, request: Request) -> Response:
        data = self.body(ApiKeyCreateSerializer)
        issued = api_key_issue(
            name=data.validated_data["name"],
            scope=data.validated_data["scope"],
            patrons=data.validated_data["patrons"],
            expires_at=data.validated_data.get("expires_at"),
            created_by=_user(request),
            actor=actor_name(request.user),
        )
        body = {**ApiKeySerializer(issued.api_key).data, "key": issued.secret}
        return Response(body, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        api_key = self.get_object()
        self.body_none()
        api_key = api_key_withdraw(api_key_id=api_key.pk, actor=actor_name(request.user))
        return Response(ApiKeySerializer(api_key).data)


# Domains


class DomainVerificationSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The TXT record's name.")
    value = serializers.CharField(help_text="The TXT record's value.")


class DomainSerializer(serializers.ModelSerializer[Domain]):
    verification = serializers.SerializerMethodField(
        help_text="The TXT record that proves the library controls the domain; the domain "
        "routes only once it is verified."
    )

    class Meta:
        model = Domain
        fields = ["id", "domain", "is_primary", "is_verified", "verified_at", "verification"]

    @extend_schema_field(DomainVerificationSerializer)
    def get_verification(self, domain: Domain) -> dict[str, str]:
        name, value = domain_challenge(library=domain.tenant, hostname=domain.domain)
        return {"name": name, "value": value}


class DomainAddSerializer(StrictInputSerializer):
    domain = serializers.CharField(max_length=253)


@extend_schema_view(
    list=extend_schema(summary="List the library's domains", examples=[ex.DOMAIN_LIST]),
    create=extend_schema(summary="Add a custom domain", request=DomainAddSerializer,
                         responses={201: DomainSerializer},
                         examples=[ex.DOMAIN_INPUT, ex.DOMAIN]),
    make_primary=extend_schema(summary="Make a domain primary", request=None, parameters=[_ID],
                               responses=DomainSerializer, examples=[ex.DOMAIN]),
    verify=extend_schema(summary="Verify a custom domain by its DNS TXT record", request=None,
                         parameters=[_ID], responses=DomainSerializer, examples=[ex.DOMAIN]),
    destroy=extend_schema(summary="Remove a custom domain", parameters=[_ID],
                          responses={204: None}),
)  # fmt: skip
class DomainViewSet(mixins.ListModelMixin, AdminViewSet):
    """The library's host names: add a custom domain, verify it (a DNS TXT record carrying the
    library's token), make one primary, remove one."""

    serializer_class = DomainSerializer
    pagination_class = None
    not_found = gettext_lazy("No such domain.")

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):  # schema generation has no library
            return Domain.objects.none()
        return domain_list(library=_library(self.request))

    def create(self, request: Request) -> Response:
        data = self.body(DomainAddSerializer)
        domain = domain_add(
            library=_library(request),
            hostname=data.validated_data["domain"],
            actor=actor_name(request.user),
        )
        return created(DomainSerializer(domain).data, request, "domain-detail", domain.pk)

    @action(detail=True, methods=["post"], url_path="make-primary")
    def make_primary(self, request: Request, pk: str) -> Response:
        domain = self.get_object()
        self.body_none()
        domain = domain_make_primary(
            library=_library(request), domain_id=domain.pk, actor=actor_name(request.user)
        )
        return Response(DomainSerializer(domain).data)

    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: str) -> Response:
        domain = self.get_object()
        self.body_none()
        domain = domain_verify(
            library=_library(request), domain_id=domain.pk, actor=actor_name(request.user)
        )
        return Response(DomainSerializer(domain).data)

    def destroy(self, request: Request, pk: str) -> Response:
        domain_remove(library=_library(request), domain_id=int(pk), actor=actor_name(request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)


# Settings


class LibrarySettingsSerializer(StrictInputSerializer):
    version = serializers.IntegerField(source="settings_version", read_only=True)
    name = serializers.CharField(max_length=200, required=False)
    public_catalog = JsonBooleanField(required=False)
    default_location_code = serializers.CharField(max_length=32, required=False, allow_blank=True)
    share_records = JsonBooleanField(required=False)
    cors_origins = serializers.ListField(
        child=serializers.CharField(max_length=255, allow_blank=True),
        required=False,
        max_length=50,
        help_text="Web origins (scheme://host[:port]) whose pages may read this API (GET "
        "only); none until the admins name some.",
    )
    language = serializers.CharField(
        max_length=8,
        required=False,
        help_text="Readers' language when their browser asks for none Stacks speaks: "
        "en, fr, de, es.",
    )
    time_zone = serializers.CharField(
        max_length=64,
        required=False,
        help_text="The IANA time zone dates and times are shown in (Europe/Paris).",
    )
    contact_email = serializers.CharField(
        max_length=254,
        required=False,
        allow_blank=True,
        help_text="Where readers' replies to the library's mail (notices, sign-in links) go; "
        "empty: nowhere. The mail comes from the library's name either way.",
    )


class LibrarySettingsView(StrictAPIView):
    """The library's display name, whether its catalog is public, its default location,
    whether its records join the platform's shared pool, the web origins whose pages may read
    the API (CORS), its readers' default language, its time zone and the contact address
    readers' replies to its mail go to."""

    permission_classes = [LibraryAdminOnly]
    serializer_class = LibrarySettingsSerializer

    @extend_schema(summary="The library's settings", examples=[ex.SETTINGS])
    def get(self, request: Request) -> Response:
        library = Library.objects.get(pk=_library(request).pk)
        return with_etag(
            Response(LibrarySettingsSerializer(library).data), library.settings_version
        )

    @extend_schema(summary="Change the library's settings", parameters=[ETAG_HEADER],
                   examples=[ex.SETTINGS_INPUT, ex.SETTINGS_CORS_INPUT, ex.SETTINGS])  # fmt: skip
    def patch(self, request: Request) -> Response:
        data = self.body_unread(LibrarySettingsSerializer, partial=True)
        if not data.is_valid():
            _settings_refused(data, request.data)
        library = library_settings_update(
            library=_library(request),
            actor=actor_name(request.user),
            expected_version=expected_version(request),
            **data.validated_data,
        )
        return with_etag(
            Response(LibrarySettingsSerializer(library).data), library.settings_version
        )


def _settings_refused(body: LibrarySettingsSerializer, sent: Any) -> NoReturn:
    """Refuse a settings body the serializer refuses, naming in the same 400 the values it
    took that the service refuses (an unknown language beside a non-boolean public_catalog):
    the admin fixes both at once rather than one a try."""
    refusals = FieldRefusals()
    with refusals.field():
        raise validation_refusal(body.errors)
    if isinstance(sent, Mapping):
        taken = LibrarySettingsSerializer(
            data={name: value for name, value in sent.items() if name not in body.errors},
            partial=True,
        )
        if taken.is_valid():
            with refusals.field():
                library_settings_clean(**taken.validated_data)
    try:
        refusals.raise_any()
    except ApplicationError as exc:
        # The detail names every field refused, the service's beside the serializer's.
        raise validation_refusal(exc.fields) from None
    raise AssertionError("raise_any raises the serializer's refusal at least")


# Audit log


class AuditEventSerializer(serializers.ModelSerializer[AuditEvent]):
    action_label = serializers.CharField(
        read_only=True, help_text="The action in words, in the caller's language."
    )

    class Meta:
        model = AuditEvent
        fields = ["id", "actor", "action", "action_label", "target", "detail", "created_at"]


@extend_schema_view(list=extend_schema(summary="The audit log", examples=[ex.AUDIT_PAGE]))
class AuditEventViewSet(mixins.ListModelMixin, AdminViewSet):
    """What the library's admins did, newest first."""

    serializer_class = AuditEventSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return audit_event_list()
