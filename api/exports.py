"""Export jobs over the API: ask for a file of the catalog, then download it."""

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api import examples as ex
from api.jobs import JobViewSet, started_by
from api.permissions import MayExport
from api.strict import ChoiceField, StrictInputSerializer
from catalog.imports.exports import export_file_open, export_job_create
from catalog.imports.models import ExportJob
from catalog.imports.selectors import export_job_list


class ExportJobSerializer(serializers.ModelSerializer[ExportJob]):
    started_by = serializers.CharField(source="started_by_label", read_only=True)
    waiting_for_job_queue = serializers.BooleanField(
        read_only=True,
        help_text="True while the job is stored but waits for the job queue (Redis away); "
        "it starts by itself once the queue is back.",
    )

    class Meta:
        model = ExportJob
        fields = [
            "id", "format", "separator", "filters", "status", "records", "error", "error_code",
            "started_by", "created_at", "finished_at", "waiting_for_job_queue",
        ]  # fmt: skip


class ExportJobCreateSerializer(StrictInputSerializer):
    format = ChoiceField(choices=ExportJob.ExportFormat.choices)
    filters = serializers.DictField(required=False, default=dict)
    separator = ChoiceField(
        choices=ExportJob.Separator.choices,
        default=ExportJob.Separator.COMMA,
        help_text="A CSV's column separator: , (the default) or ; (as Excel reads CSV in "
        "French, German or Spanish, where a cell holding a list is then quoted). Other "
        "formats have no columns: for them only the default is taken.",
    )


_FILE = OpenApiResponse(
    OpenApiTypes.BINARY,
    description="The export, as an attachment (Content-Disposition) named "
    "catalog-export-<id>.<extension>, by the job's format: csv, .csv, text/csv; marc, .mrc, "
    "application/marc; marcxml, .xml, application/marcxml+xml; jsonl, .jsonl, "
    "application/jsonl (JSON Lines: one record a line, as a JSON object).",
)


@extend_schema_view(
    list=extend_schema(summary="List export jobs", examples=[ex.EXPORT_JOB_PAGE]),
    retrieve=extend_schema(summary="An export job", examples=[ex.EXPORT_JOB]),
    create=extend_schema(summary="Export the catalog", request=ExportJobCreateSerializer,
                         responses={202: ExportJobSerializer},
                         examples=[ex.EXPORT_JOB_INPUT, ex.EXPORT_JOB_CSV_SEMICOLON,
                                   ex.EXPORT_JOB_QUEUED]),
    download=extend_schema(summary="Download a finished export",
                           responses={(200, "text/csv"): _FILE, (200, "application/marc"): _FILE,
                                      (200, "application/marcxml+xml"): _FILE,
                                      (200, "application/jsonl"): _FILE}),
)  # fmt: skip
class ExportJobViewSet(JobViewSet[ExportJob]):
    """Export jobs of this library; `filters` take the record list's filter names."""

    serializer_class = ExportJobSerializer
    detail_url_name = "export-detail"
    not_found = gettext_lazy("No such export.")

    def get_queryset(self) -> QuerySet[ExportJob]:
        return export_job_list()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = self.body(ExportJobCreateSerializer)
        user, label = started_by(request)
        job = export_job_create(**incoming.validated_data, started_by=user, started_by_label=label)
        return self.queued(job)

    @action(detail=True, methods=["get"], permission_classes=[MayExport])
    def download(self, request: Request, pk: str | None = None) -> FileResponse:
        export = export_file_open(self.get_object())
        return FileResponse(
            export.file, as_attachment=True, filename=export.name, content_type=export.media_type
        )
