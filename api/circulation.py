"""Circulation over the API: patrons, loans (check out, check in, renew), holds and rules.

Every view here needs the patron scope (circulation.access); anonymous callers and keys
without it never see a patron.
"""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from api import circulation_examples as ex
from api.http import created
from api.pagination import RowPagination, StableCursorPagination
from api.parsers import BoundedJSONParser
from api.permissions import StaffOnly
from api.schema import CatalogAutoSchema
from api.strict import (
    ChoiceField,
    JsonBooleanField,
    StrictAPIView,
    StrictInputSerializer,
    StrictViewSet,
    TextBooleanField,
)
from api.views import ETAG_HEADER, expected_version, with_etag
from catalog.models import Item
from circulation import selectors, services
from circulation.access import Action, circulation_allowed, circulation_api_refusal
from circulation.labels import MAX_LABELS, labels_make
from circulation.models import (
    CirculationSettings,
    ClosedDay,
    Hold,
    Loan,
    LoanRule,
    Patron,
    PatronImport,
    PatronImportRow,
    Stocktake,
)
from circulation.patron_imports import (
    patron_import_cancel,
    patron_import_commit,
    patron_import_create,
    patron_import_get,
    patron_import_list,
    patron_import_new_categories,
    patron_import_rejects_csv,
    patron_import_rows,
    patron_import_template,
    patron_import_warnings,
    patron_upload_check,
)
from circulation.stocktake import (
    MAX_BATCH,
    stocktake_get,
    stocktake_list,
    stocktake_missing_mark,
    stocktake_report,
    stocktake_scan,
    stocktake_start,
)
from common.errors import ApplicationError, first_or_not_found
from common.http import attachment, csv_attachment
from staff.audit import actor_label, actor_name

ID_PATTERN = r"[0-9]{1,18}"


class _CirculationPermission(permissions.BasePermission):
    """A permission of circulation.access' policy: a refusal says what the caller lacks."""

    def _decided(self, request: Request, action: Action) -> bool:
        allowed = circulation_allowed(request.user, action)
        # DRF reads the message of the permission that refused (an instance per request): it
        # is translated then, in the request's language.
        if not allowed:
            self.message = circulation_api_refusal(request.user, action)
        return allowed


class CirculationAccess(_CirculationPermission):
    """Reads need the patron scope; writes the desk's rights too."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return self._decided(
            request, "read" if request.method in permissions.SAFE_METHODS else "desk"
        )


class CirculationManage(_CirculationPermission):
    """Rules, closed days and settings: read with the patron scope, changed by admins."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        reading = request.method in permissions.SAFE_METHODS
        return self._decided(request, "read" if reading else "manage")


class CirculationViewSet(StrictViewSet):
    schema = CatalogAutoSchema()
    permission_classes = [CirculationAccess]
    lookup_value_regex = ID_PATTERN


# --- Patrons -----------------------------------------------------------------------------------


class PatronSerializer(serializers.ModelSerializer[Patron]):
    open_loans = serializers.IntegerField(read_only=True, default=0)
    has_pin = serializers.SerializerMethodField()
    blocked = serializers.BooleanField(read_only=True)

    class Meta:
        model = Patron
        fields = [
            "id", "name", "barcode", "email", "category", "expires_on", "notes", "blocked",
            "block_reason", "blocked_at", "blocked_by", "open_loans", "has_pin", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = ["block_reason", "blocked_at", "blocked_by"]

    def get_has_pin(self, patron: Patron) -> bool:
        return bool(patron.pin_hash)


class PatronInputSerializer(StrictInputSerializer):
    returned_as = PatronSerializer

    name = serializers.CharField(max_length=200)
    barcode = serializers.CharField(max_length=64)
    email = serializers.CharField(max_length=254, allow_blank=True, default="")
    category = serializers.CharField(max_length=32, default="adult")
    expires_on = serializers.DateField(allow_null=True, default=None)
    notes = serializers.CharField(max_length=5000, allow_blank=True, default="")
    # Left out, the block stays as it is (a PATCH of other fields keeps it).
    blocked = JsonBooleanField(required=False)
    block_reason = serializers.CharField(max_length=500, allow_blank=True, required=False)
    pin = serializers.RegexField(
        r"^[0-9]{4,12}$", required=False, write_only=True,
        error_messages={"invalid": gettext_lazy("A PIN is 4 to 12 digits (0 to 9), nothing else.")},
    )  # fmt: skip

    def data_for_service(self) -> services.PatronData:
        return services.PatronData(**self.changes_for_service())

    def changes_for_service(self) -> dict[str, Any]:
        """The fields sent, as PatronData names them (the PIN is set on its own)."""
        return {k: v for k, v in self.validated_data.items() if k != "pin"}


class PatronListParamsSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=200, required=False, default="")
    barcode = serializers.CharField(required=False, default="", max_length=64)
    category = serializers.CharField(max_length=32, required=False, default="")
    blocked = serializers.BooleanField(
        required=False, default=False, help_text="Only the patrons who are blocked."
    )


@extend_schema_view(
    list=extend_schema(
        summary="Find patrons", parameters=[PatronListParamsSerializer], examples=[ex.PATRON_PAGE]
    ),
    retrieve=extend_schema(summary="A patron", examples=[ex.PATRON]),
    create=extend_schema(
        summary="Register a patron",
        request=PatronInputSerializer,
        responses={201: PatronSerializer},
        examples=[ex.PATRON_INPUT, ex.PATRON],
    ),
    partial_update=extend_schema(
        summary="Change a patron",
        request=PatronInputSerializer,
        parameters=[ETAG_HEADER],
        examples=[ex.PATRON],
    ),
    destroy=extend_schema(
        summary="Erase a patron (their returned loans stay, without them)",
        responses={204: None},
    ),
    export=extend_schema(
        summary="Everything kept about a patron",
        responses={200: dict},
        examples=[ex.PATRON_EXPORT],
    ),
)
class PatronViewSet(CirculationViewSet):
    """The library's patrons. Only staff and keys with the patron scope see them."""

    serializer_class = PatronSerializer
    queryset = Patron.objects.none()
    query_params = {"list": PatronListParamsSerializer}
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def list(self, request: Request) -> Response:
        params = self.query()
        return self.paginated(selectors.patron_list(**params.validated_data), PatronSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        patron = selectors.patron_get(patron_id=int(pk))
        return with_etag(Response(PatronSerializer(patron).data), patron.version)

    def create(self, request: Request) -> Response:
        body = self.body(PatronInputSerializer)
        patron = services.patron_create(
            data=body.data_for_service(), pin=body.validated_data.get("pin", ""),
            actor=actor_label(request.user), audit_actor=actor_name(request.user),
        )  # fmt: skip
        return created(
            PatronSerializer(selectors.patron_get(patron_id=patron.pk)).data,
            request,
            "patron-detail",
            patron.pk,
        )

    def partial_update(self, request: Request, pk: str) -> Response:
        current = selectors.patron_get(patron_id=int(pk))
        body = self.body(PatronInputSerializer, partial=True)
        services.patron_patch(
            patron_id=current.pk,
            changes=body.changes_for_service(),
            expected_version=expected_version(request),  # after the body, as for records
            actor=actor_label(request.user),
            audit_actor=actor_name(request.user),
        )
        if "pin" in body.validated_data:
            services.patron_pin_set(patron_id=current.pk, pin=body.validated_data["pin"])
        patron = selectors.patron_get(patron_id=current.pk)
        return with_etag(Response(PatronSerializer(patron).data), patron.version)

    def destroy(self, request: Request, pk: str) -> Response:
        services.patron_erase(patron_id=int(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["get"])
    def export(self, request: Request, pk: str) -> HttpResponse:
        body = services.patron_export_json(patron_id=int(pk))
        return attachment(body, content_type="application/json", filename=f"patron-{int(pk)}.json")


# --- Loans -------------------------------------------------------------------------------------


class LoanItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    barcode = serializers.CharField()
    record = serializers.IntegerField(source="record_id")
    title = serializers.CharField(source="record.title")


class LoanPatronSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    barcode = serializers.CharField()
    name = serializers.CharField()


class LoanSerializer(serializers.ModelSerializer[Loan]):
    item = LoanItemSerializer()
    patron = LoanPatronSerializer(allow_null=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Loan
        fields = [
            "id", "item", "patron", "checked_out_at", "due_on", "renewals", "returned_at",
            "overdue",
        ]  # fmt: skip

    def get_overdue(self, loan: Loan) -> bool:
        return selectors.loan_overdue(loan)


_DATETIME = serializers.DateTimeField()
_DATE = serializers.DateField()


def loan_answer(loan: Loan) -> dict[str, Any]:
    """What LoanSerializer answers for `loan`, built directly: check-out and check-in are the
    desk's busiest calls, and the serializer's machinery costs more than their SQL."""
    patron = loan.patron
    return {
        "id": loan.pk,
        "item": _item_answer(loan.item),
        "patron": (
            {"id": patron.pk, "barcode": patron.barcode, "name": patron.name}
            if patron is not None
            else None
        ),
        "checked_out_at": _DATETIME.to_representation(loan.checked_out_at),
        "due_on": _DATE.to_representation(loan.due_on),
        "renewals": loan.renewals,
        "returned_at": (
            _DATETIME.to_representation(loan.returned_at) if loan.returned_at else None
        ),
        "overdue": selectors.loan_overdue(loan),
    }  # fmt: skip


def _item_answer(item: Item) -> dict[str, Any]:
    """What LoanItemSerializer answers for `item`."""
    return {"id": item.pk, "barcode": item.barcode, "record": item.record_id,
            "title": item.record.title}  # fmt: skip


def _hold_answer(hold: Hold | None) -> dict[str, Any] | None:
    """The hold a check-in trapped the copy for, as a return answers it."""
    if hold is None:
        return None
    return {"id": hold.pk, "patron": hold.patron_id, "shelf_until": hold.shelf_until}


def return_answer(result: services.Return) -> dict[str, Any]:
    """What ReturnSerializer answers for a check-in (see loan_answer)."""
    return {
        "item": _item_answer(result.item),
        "loan": loan_answer(result.loan) if result.loan is not None else None,
        "hold": _hold_answer(result.hold),
    }


class ReturnSerializer(serializers.Serializer):
    item = LoanItemSerializer()
    loan = LoanSerializer(
        allow_null=True,
        help_text="The loan closed; null for a copy marked on loan with no loan recorded here "
        "(an import or a migration brings lent copies without their loans), taken back all "
        "the same.",
    )
    hold = serializers.SerializerMethodField()

    def get_hold(self, result: services.Return) -> dict[str, Any] | None:
        return _hold_answer(result.hold)


class CheckoutSerializer(StrictInputSerializer):
    item_barcode = serializers.CharField(max_length=64)
    patron_barcode = serializers.CharField(max_length=64)
    override_holds = JsonBooleanField(
        default=False,
        help_text="Lend the item even though another patron waits for its title (without it, "
        "such a check-out is refused with 409 `hold_waiting`, naming who waits).",
    )


class ItemBarcodeSerializer(StrictInputSerializer):
    item_barcode = serializers.CharField(max_length=64)


class LoanListParamsSerializer(serializers.Serializer):
    patron = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    open = TextBooleanField(required=False, default=False)
    overdue = TextBooleanField(required=False, default=False)
    item_barcode = serializers.CharField(required=False, default="", max_length=64)


@extend_schema_view(
    list=extend_schema(
        summary="List loans", parameters=[LoanListParamsSerializer], examples=[ex.LOAN_PAGE]
    ),
    retrieve=extend_schema(summary="A loan", examples=[ex.LOAN]),
    create=extend_schema(
        summary="Check an item out to a patron",
        request=CheckoutSerializer,
        responses={201: LoanSerializer},
        examples=[ex.CHECKOUT, ex.LOAN],
    ),
    checkin=extend_schema(
        summary="Check an item in",
        request=ItemBarcodeSerializer,
        responses=ReturnSerializer,
        examples=[ex.ITEM_BARCODE, ex.RETURN],
    ),
    renew=extend_schema(
        summary="Renew an item on loan",
        request=ItemBarcodeSerializer,
        responses=LoanSerializer,
        examples=[ex.ITEM_BARCODE, ex.LOAN],
    ),
)
class LoanViewSet(CirculationViewSet):
    """Loans: check out with `POST {"item_barcode", "patron_barcode"}`, check in at `return/`."""

    serializer_class = LoanSerializer
    queryset = Loan.objects.none()
    query_params = {"list": LoanListParamsSerializer}
    http_method_names = ["get", "post", "head", "options"]

    def list(self, request: Request) -> Response:
        params = self.query()
        loans = selectors.loan_list(
            patron_id=params.validated_data.get("patron"),
            open_only=params.validated_data["open"],
            overdue=params.validated_data["overdue"],
            item_barcode=params.validated_data["item_barcode"],
        )
        return self.paginated(loans, LoanSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(LoanSerializer(selectors.loan_get(loan_id=int(pk))).data)

    def create(self, request: Request) -> Response:
        body = self.body(CheckoutSerializer)
        try:
            loan = services.loan_checkout(**body.validated_data)
        except ApplicationError as exc:
            if exc.code == "item_lent_to_patron":
                exc.extra["renew"] = reverse("loan-renew", request=request)
            raise
        return created(loan_answer(loan), request, "loan-detail", loan.pk)

    @action(detail=False, methods=["post"], url_path="return")
    def checkin(self, request: Request) -> Response:
        body = self.body(ItemBarcodeSerializer)
        result = services.loan_checkin(**body.validated_data)
        return Response(return_answer(result))

    @action(detail=False, methods=["post"])
    def renew(self, request: Request) -> Response:
        body = self.body(ItemBarcodeSerializer)
        return Response(LoanSerializer(services.loan_renew(**body.validated_data)).data)


# --- Holds -------------------------------------------------------------------------------------


class QueuePagination(StableCursorPagination):
    # Ids follow the order holds were placed in: a record's holds list as its queue.
    ordering = "id"


class HoldSerializer(serializers.ModelSerializer[Hold]):
    patron = LoanPatronSerializer()
    title = serializers.CharField(source="record.title")
    item_barcode = serializers.CharField(source="item.barcode", allow_null=True, default=None)

    class Meta:
        model = Hold
        fields = [
            "id", "record", "title", "patron", "status", "placed_at", "expires_on",
            "item_barcode", "shelf_until", "ended_at",
        ]  # fmt: skip


class HoldInputSerializer(StrictInputSerializer):
    record = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    patron_barcode = serializers.CharField(max_length=64)
    expires_on = serializers.DateField(allow_null=True, default=None)


class HoldListParamsSerializer(serializers.Serializer):
    patron = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    record = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    status = ChoiceField(choices=Hold.Status.choices, required=False, default="")


@extend_schema_view(
    list=extend_schema(
        summary="List holds", parameters=[HoldListParamsSerializer], examples=[ex.HOLD_PAGE]
    ),
    retrieve=extend_schema(summary="A hold", examples=[ex.HOLD]),
    create=extend_schema(
        summary="Place a hold on a record for a patron",
        request=HoldInputSerializer,
        responses={201: HoldSerializer},
        examples=[ex.HOLD_INPUT, ex.HOLD],
    ),
    cancel=extend_schema(
        summary="Cancel a hold", request=None, responses=HoldSerializer, examples=[ex.HOLD]
    ),
)
class HoldViewSet(CirculationViewSet):
    """Holds: patrons queued for a record, in the order they asked."""

    pagination_class = QueuePagination
    serializer_class = HoldSerializer
    queryset = Hold.objects.none()
    query_params = {"list": HoldListParamsSerializer}
    http_method_names = ["get", "post", "head", "options"]

    def list(self, request: Request) -> Response:
        params = self.query()
        holds = selectors.hold_list(
            patron_id=params.validated_data.get("patron"),
            record_id=params.validated_data.get("record"),
            status=params.validated_data["status"],
        )
        return self.paginated(holds, HoldSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(HoldSerializer(selectors.hold_get(hold_id=int(pk))).data)

    def create(self, request: Request) -> Response:
        body = self.body(HoldInputSerializer)
        hold = services.hold_place(
            record_id=body.validated_data["record"],
            patron_barcode=body.validated_data["patron_barcode"],
            expires_on=body.validated_data["expires_on"],
        )
        return created(
            HoldSerializer(selectors.hold_get(hold_id=hold.pk)).data,
            request,
            "hold-detail",
            hold.pk,
        )

    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        selectors.hold_get(hold_id=int(pk))
        self.body_none()
        hold = services.hold_cancel(hold_id=int(pk))
        return Response(HoldSerializer(selectors.hold_get(hold_id=hold.pk)).data)


# --- Rules -------------------------------------------------------------------------------------


class LoanRuleSerializer(StrictInputSerializer, serializers.ModelSerializer[LoanRule]):
    class Meta:
        model = LoanRule
        fields = [
            "id", "patron_category", "item_type", "for_loan", "loan_days", "max_loans",
            "renewals", "max_holds",
        ]  # fmt: skip
        extra_kwargs: dict[str, dict[str, Any]] = {
            "loan_days": {"max_value": 3650},
            "max_loans": {"max_value": 10000},
            "renewals": {"max_value": 1000},
            "max_holds": {"max_value": 10000},
        }
        # The service says whether the pair is taken, leaving out the rule being changed;
        # the model's unique-together check, run without that rule, refused every PUT of it.
        validators: list[Any] = []


@extend_schema_view(
    list=extend_schema(
        summary="Lending rules by patron category and item type", examples=[ex.RULE_PAGE]
    ),
    retrieve=extend_schema(summary="A lending rule", examples=[ex.RULE]),
    create=extend_schema(
        summary="Add a lending rule", responses={201: LoanRuleSerializer}, examples=[ex.RULE]
    ),
    update=extend_schema(summary="Change a lending rule", examples=[ex.RULE]),
    destroy=extend_schema(summary="Remove a lending rule", responses={204: None}),
)
class LoanRuleViewSet(CirculationViewSet):
    """Loan period, loans, renewals and holds allowed; an empty category or type matches any."""

    permission_classes = [CirculationManage]
    serializer_class = LoanRuleSerializer
    queryset = LoanRule.objects.none()
    http_method_names = ["get", "post", "put", "delete", "head", "options"]

    def list(self, request: Request) -> Response:
        return self.paginated(selectors.loan_rule_list(), LoanRuleSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        rule = first_or_not_found(
            selectors.loan_rule_list().filter(pk=int(pk)), gettext("No such rule.")
        )
        return Response(LoanRuleSerializer(rule).data)

    def create(self, request: Request) -> Response:
        body = self.body(LoanRuleSerializer)
        rule = services.loan_rule_create(data=services.LoanRuleData(**body.validated_data))
        return created(LoanRuleSerializer(rule).data, request, "loan-rule-detail", rule.pk)

    def update(self, request: Request, pk: str) -> Response:
        body = self.body(LoanRuleSerializer)
        rule = services.loan_rule_update(
            rule_id=int(pk), data=services.LoanRuleData(**body.validated_data)
        )
        return Response(LoanRuleSerializer(rule).data)

    def destroy(self, request: Request, pk: str) -> Response:
        services.loan_rule_delete(rule_id=int(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClosedDaySerializer(StrictInputSerializer, serializers.ModelSerializer[ClosedDay]):
    class Meta:
        model = ClosedDay
        fields = ["id", "date", "reason"]
        extra_kwargs: dict[str, dict[str, Any]] = {"date": {"validators": []}}


@extend_schema_view(
    list=extend_schema(
        summary="Days the library is closed (nothing falls due on them)",
        examples=[ex.CLOSED_PAGE],
    ),
    create=extend_schema(
        summary="Add a closed day", responses={201: ClosedDaySerializer}, examples=[ex.CLOSED]
    ),
    destroy=extend_schema(summary="Remove a closed day", responses={204: None}),
)
class ClosedDayViewSet(mixins.ListModelMixin, CirculationViewSet):
    permission_classes = [CirculationManage]
    serializer_class = ClosedDaySerializer
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[ClosedDay]:
        return selectors.closed_day_list()

    def create(self, request: Request) -> Response:
        body = self.body(ClosedDaySerializer)
        closed = services.closed_day_add(
            day=body.validated_data["date"], reason=body.validated_data.get("reason", "")
        )
        return created(ClosedDaySerializer(closed).data, request, "closed-day-detail", closed.pk)

    def destroy(self, request: Request, pk: str) -> Response:
        services.closed_day_remove(closed_day_id=int(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ItemTypeSerializer(StrictInputSerializer):
    item_barcodes = serializers.ListField(
        child=serializers.CharField(max_length=64), min_length=1, max_length=10000
    )
    item_type = serializers.CharField(max_length=32, allow_blank=True)


class ItemTypeView(StrictAPIView):
    """Give items a type, which lending rules are chosen by (`""` for none)."""

    schema = CatalogAutoSchema()
    permission_classes = [CirculationManage]

    @extend_schema(
        summary="Set the type of items",
        request=ItemTypeSerializer,
        responses=dict,
        examples=[ex.ITEM_TYPES],
    )
    def post(self, request: Request) -> Response:
        body = self.body(ItemTypeSerializer)
        return Response({"updated": services.item_type_set(**body.validated_data)})


# --- Stocktaking -------------------------------------------------------------------------------


class StocktakeSerializer(serializers.ModelSerializer[Stocktake]):
    location = serializers.CharField(source="location.code")

    class Meta:
        model = Stocktake
        fields = ["id", "location", "started_at", "closed_at"]


class StocktakeInputSerializer(StrictInputSerializer):
    location = serializers.CharField(max_length=32, help_text="The location's code.")


class StocktakeScanSerializer(StrictInputSerializer):
    barcodes = serializers.ListField(
        child=serializers.CharField(max_length=64), min_length=1, max_length=MAX_BATCH
    )


class StocktakeItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    barcode = serializers.CharField()
    call_number = serializers.CharField()
    title = serializers.CharField(source="record.title")
    status = serializers.CharField()
    location = serializers.CharField(source="location.code", allow_null=True, default=None)


class StocktakeReportSerializer(serializers.Serializer):
    stocktake = StocktakeSerializer()
    seen = StocktakeItemSerializer(many=True)
    missing = StocktakeItemSerializer(many=True)
    misplaced = StocktakeItemSerializer(many=True)
    unknown = serializers.ListField(child=serializers.CharField())


@extend_schema_view(
    list=extend_schema(summary="List stocktakes", examples=[ex.STOCKTAKE_PAGE]),
    retrieve=extend_schema(summary="A stocktake", examples=[ex.STOCKTAKE]),
    create=extend_schema(
        summary="Start counting a location",
        request=StocktakeInputSerializer,
        responses={201: StocktakeSerializer},
        examples=[ex.STOCKTAKE],
    ),
    scans=extend_schema(
        summary="Send a batch of scanned barcodes (a batch sent twice changes nothing)",
        request=StocktakeScanSerializer,
        responses=dict,
        examples=[ex.STOCKTAKE_SCANS],
    ),
    report=extend_schema(
        summary="Seen, missing (items on loan excluded), misplaced and unknown barcodes",
        responses=StocktakeReportSerializer,
        examples=[ex.STOCKTAKE_REPORT],
    ),
    mark_missing=extend_schema(
        summary="Mark the missing items missing and close the stocktake",
        request=None,
        responses=dict,
        examples=[ex.STOCKTAKE_MARKED],
    ),
)
class StocktakeViewSet(CirculationViewSet):
    """Stocktaking: items only, no patrons, so staff and catalog keys use it."""

    permission_classes = [StaffOnly]
    serializer_class = StocktakeSerializer
    queryset = Stocktake.objects.none()
    http_method_names = ["get", "post", "head", "options"]

    def list(self, request: Request) -> Response:
        return self.paginated(stocktake_list(), StocktakeSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(StocktakeSerializer(stocktake_get(stocktake_id=int(pk))).data)

    def create(self, request: Request) -> Response:
        body = self.body(StocktakeInputSerializer)
        stocktake = stocktake_start(location_code=body.validated_data["location"])
        return created(
            StocktakeSerializer(stocktake).data, request, "stocktake-detail", stocktake.pk
        )

    @action(detail=True, methods=["post"])
    def scans(self, request: Request, pk: str) -> Response:
        stocktake = stocktake_get(stocktake_id=int(pk))
        body = self.body(StocktakeScanSerializer)
        return Response(
            stocktake_scan(stocktake_id=stocktake.pk, barcodes=body.validated_data["barcodes"])
        )

    @action(detail=True, methods=["get"])
    def report(self, request: Request, pk: str) -> Response:
        return Response(StocktakeReportSerializer(stocktake_report(stocktake_id=int(pk))).data)

    @action(detail=True, methods=["post"], url_path="mark-missing")
    def mark_missing(self, request: Request, pk: str) -> Response:
        stocktake = stocktake_get(stocktake_id=int(pk))
        self.body_none()
        return Response({"marked": stocktake_missing_mark(stocktake_id=stocktake.pk)})


# --- Labels ------------------------------------------------------------------------------------


class GridSerializer(StrictInputSerializer):
    page_width_mm = serializers.FloatField(min_value=10, max_value=2000)
    page_height_mm = serializers.FloatField(min_value=10, max_value=2000)
    columns = serializers.IntegerField(min_value=1, max_value=20)
    rows = serializers.IntegerField(min_value=1, max_value=50)
    label_width_mm = serializers.FloatField(min_value=1, max_value=2000)
    label_height_mm = serializers.FloatField(min_value=1, max_value=2000)
    top_mm = serializers.FloatField(min_value=0, max_value=2000)
    left_mm = serializers.FloatField(min_value=0, max_value=2000)
    column_gap_mm = serializers.FloatField(min_value=0, max_value=2000, default=0)
    row_gap_mm = serializers.FloatField(min_value=0, max_value=2000, default=0)


class LabelsSerializer(StrictInputSerializer):
    kind = ChoiceField(
        choices=[("barcode", "A barcode label, for the copy's cover"),
                 ("spine", "A spine label: the call number, for the copy's spine")],
        default="barcode",
    )  # fmt: skip
    layout = ChoiceField(
        choices=[("avery5160", "Avery 5160: 30 labels on a US Letter sheet, 3 across"),
                 ("custom", "A sheet of your own, laid out by `grid`")],
        default="avery5160",
    )  # fmt: skip
    grid = GridSerializer(required=False, help_text="The custom layout's grid, in millimetres.")
    start_position = serializers.IntegerField(min_value=1, max_value=1000, default=1)
    import_job = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    created_from = serializers.DateField(required=False)
    created_to = serializers.DateField(required=False)
    location = serializers.CharField(max_length=32, required=False, default="")
    barcodes = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, max_length=MAX_LABELS
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["layout"] == "custom" and "grid" not in attrs:
            raise serializers.ValidationError(
                {"grid": [gettext("The custom layout needs its grid.")]}
            )
        return attrs


class LabelsView(StrictAPIView):
    """Spine or barcode labels as PDF for items chosen by import job, dates, location or
    barcodes, on Avery 5160 or a custom grid, from a start position on a part-used sheet."""

    schema = CatalogAutoSchema()
    permission_classes = [StaffOnly]

    @extend_schema(
        summary="Print labels",
        request=LabelsSerializer,
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def post(self, request: Request) -> HttpResponse:
        body = self.body(LabelsSerializer)
        return labels_response(body.validated_data)


def labels_response(options: dict[str, Any]) -> HttpResponse:
    pdf = labels_make(
        kind=options["kind"],
        layout=options["layout"],
        grid=options.get("grid"),
        start=options["start_position"],
        import_job_id=options.get("import_job"),
        created_from=options.get("created_from"),
        created_to=options.get("created_to"),
        location=options.get("location", ""),
        barcodes=options.get("barcodes"),
    )
    return attachment(pdf, content_type="application/pdf", filename=f"{options['kind']}-labels.pdf")


# --- Patron imports ----------------------------------------------------------------------------


class PatronImportSerializer(serializers.ModelSerializer[PatronImport]):
    waiting_for_job_queue = serializers.BooleanField(
        read_only=True,
        help_text="True while the job is stored but waits for the job queue (Redis away); "
        "it starts by itself once the queue is back.",
    )
    warnings = serializers.SerializerMethodField(
        help_text="What the preview warns of, in the caller's language (a file read as Excel's "
        "Windows-1252)."
    )

    new_categories = serializers.SerializerMethodField(
        help_text="The patron categories the file names that the library does not have yet, "
        "which committing it creates (while staged; empty otherwise)."
    )

    class Meta:
        model = PatronImport
        fields = [
            "id", "file_name", "status", "processed", "error", "error_code", "total", "created",
            "updated", "unchanged", "rejected", "started_by_label", "created_at", "committed_at",
            "waiting_for_job_queue", "encoding", "warnings", "new_categories",
            "categories_created",
        ]  # fmt: skip
        read_only_fields = ["categories_created"]

    def get_warnings(self, job: PatronImport) -> list[str]:
        return patron_import_warnings(job)

    def get_new_categories(self, job: PatronImport) -> list[str]:
        return patron_import_new_categories(job)


class PatronImportCreateSerializer(StrictInputSerializer):
    file = serializers.FileField(help_text="CSV: name, barcode, email, category, expires_on, notes")


class PatronImportRowSerializer(serializers.ModelSerializer[PatronImportRow]):
    class Meta:
        model = PatronImportRow
        fields = ["position", "action", "reason", "data"]


class PatronImportRowParamsSerializer(serializers.Serializer):
    action = ChoiceField(choices=PatronImportRow.Action.choices, required=False, default="")


_CSV = OpenApiResponse(OpenApiTypes.BINARY, description="CSV, as an attachment.")
# A commit or cancel takes no body; one sent as JSON (`{}`, as other actions take it) is read
# to be refused only if it gives a field.
_BODILESS_PARSERS = [BoundedJSONParser, MultiPartParser, FormParser]


@extend_schema_view(
    list=extend_schema(summary="List patron imports", examples=[ex.PATRON_IMPORT_PAGE]),
    retrieve=extend_schema(summary="A patron import and its counts", examples=[ex.PATRON_IMPORT]),
    create=extend_schema(
        summary="Upload a CSV of patrons: the worker stages it for preview, nothing changes yet",
        request={"multipart/form-data": PatronImportCreateSerializer},
        responses={201: PatronImportSerializer},
        examples=[ex.PATRON_IMPORT],
    ),
    rows=extend_schema(
        summary="The preview: each row's action and the reason for it",
        parameters=[PatronImportRowParamsSerializer],
        responses=PatronImportRowSerializer(many=True),
        examples=[ex.PATRON_IMPORT_ROWS],
    ),
    commit=extend_schema(
        summary="Commit a staged import: the worker writes it",
        request=None,
        examples=[ex.PATRON_IMPORT],
    ),
    cancel=extend_schema(
        summary="Cancel a staged import", request=None, examples=[ex.PATRON_IMPORT]
    ),
    rejects=extend_schema(
        summary="The rejected rows with their reasons", responses={(200, "text/csv"): _CSV}
    ),
    template=extend_schema(summary="The CSV template", responses={(200, "text/csv"): _CSV}),
)
class PatronImportViewSet(CirculationViewSet):
    """Patrons from CSV, with the catalog imports' preview, rejects and counts."""

    serializer_class = PatronImportSerializer
    queryset = PatronImport.objects.none()
    query_params = {"rows": PatronImportRowParamsSerializer}
    paged_actions = ("list", "rows")
    parser_classes = [MultiPartParser, FormParser]
    http_method_names = ["get", "post", "head", "options"]

    def list(self, request: Request) -> Response:
        return self.paginated(patron_import_list(), PatronImportSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(PatronImportSerializer(patron_import_get(job_id=int(pk))).data)

    def create(self, request: Request) -> Response:
        body = self.body(PatronImportCreateSerializer)
        upload = body.validated_data["file"]
        patron_upload_check(size=upload.size)
        job = patron_import_create(
            content=upload.read(), file_name=upload.name or "patrons.csv",
            started_by_label=actor_label(request.user)[:255],
        )  # fmt: skip
        return created(PatronImportSerializer(job).data, request, "patron-import-detail", job.pk)

    @action(detail=True, methods=["get"], pagination_class=RowPagination)
    def rows(self, request: Request, pk: str) -> Response:
        job = patron_import_get(job_id=int(pk))
        rows = patron_import_rows(job=job, action=self.query().validated_data["action"])
        return self.paginated(rows, PatronImportRowSerializer)

    @action(detail=True, methods=["post"], parser_classes=_BODILESS_PARSERS)
    def commit(self, request: Request, pk: str) -> Response:
        job = patron_import_get(job_id=int(pk))
        self.body_none()
        return Response(PatronImportSerializer(patron_import_commit(job_id=job.pk)).data)

    @action(detail=True, methods=["post"], parser_classes=_BODILESS_PARSERS)
    def cancel(self, request: Request, pk: str) -> Response:
        job = patron_import_get(job_id=int(pk))
        self.body_none()
        return Response(PatronImportSerializer(patron_import_cancel(job_id=job.pk)).data)

    @action(detail=True, methods=["get"])
    def rejects(self, request: Request, pk: str) -> HttpResponse:
        job = patron_import_get(job_id=int(pk))
        content, charset = patron_import_rejects_csv(job=job)
        return attachment(
            content,
            content_type=f"text/csv; charset={charset}",
            filename=f"patron-rejects-{job.pk}.csv",
        )

    @action(detail=False, methods=["get"])
    def template(self, request: Request) -> HttpResponse:
        return csv_attachment(patron_import_template(), filename="stacks-patrons-template.csv")


# --- Settings ----------------------------------------------------------------------------------


class CirculationSettingsSerializer(
    StrictInputSerializer, serializers.ModelSerializer[CirculationSettings]
):
    class Meta:
        model = CirculationSettings
        fields = ["anonymize_after_days", "hold_shelf_days", "due_soon_days"]
        extra_kwargs: dict[str, dict[str, Any]] = {
            # A PUT sets all three: a field left out has no value to keep.
            "anonymize_after_days": {"max_value": 3650, "required": True},
            "hold_shelf_days": {"min_value": 1, "max_value": 365, "required": True},
            "due_soon_days": {"max_value": 60, "required": True},
        }


class CirculationSettingsView(StrictAPIView):
    """The library's lending settings: returned loans lose their patron after
    `anonymize_after_days`; trapped holds wait `hold_shelf_days`; the due-soon notice goes
    `due_soon_days` before the due date."""

    schema = CatalogAutoSchema()
    permission_classes = [CirculationManage]

    @extend_schema(
        summary="Lending settings", responses=CirculationSettingsSerializer, examples=[ex.SETTINGS]
    )
    def get(self, request: Request) -> Response:
        return Response(CirculationSettingsSerializer(selectors.circulation_settings_get()).data)

    @extend_schema(
        summary="Change the lending settings",
        request=CirculationSettingsSerializer,
        responses=CirculationSettingsSerializer,
        examples=[ex.SETTINGS],
    )
    def put(self, request: Request) -> Response:
        body = self.body(CirculationSettingsSerializer)
        settings = services.circulation_settings_update(**body.validated_data)
        return Response(CirculationSettingsSerializer(settings).data)
