"""Export jobs over the API: ask for a file of the catalog, then download it."""

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.imports import started_by
from api.permissions import StaffOnly
from catalog.imports.exports import EXTENSIONS, export_job_create
from catalog.imports.models import ExportJob
from catalog.imports.selectors import export_job_list
from config.errors import Conflict


class ExportJobSerializer(serializers.ModelSerializer):
    started_by = serializers.CharField(source="started_by_label", read_only=True)

    class Meta:
        model = ExportJob
        fields = [
            "id", "format", "filters", "status", "records", "error", "started_by",
            "created_at", "finished_at",
        ]  # fmt: skip


class ExportJobCreateSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=ExportJob.ExportFormat.choices)
    filters = serializers.DictField(required=False, default=dict)


class ExportJobViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[ExportJob]
):
    """Export jobs of this library; `filters` take the record list's filter names."""

    permission_classes = [StaffOnly]
    serializer_class = ExportJobSerializer

    def get_queryset(self) -> QuerySet[ExportJob]:
        return export_job_list()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = ExportJobCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        user, label = started_by(request)
        job = export_job_create(**incoming.validated_data, started_by=user, started_by_label=label)
        return Response(ExportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> FileResponse:
        job = self.get_object()
        if job.status != ExportJob.Status.DONE or not job.file:
            raise Conflict(f"The export is {job.status}; download it once it is done.")
        return FileResponse(
            job.file.open("rb"),
            as_attachment=True,
            filename=f"catalog-export-{job.pk}.{EXTENSIONS[job.format]}",
        )
