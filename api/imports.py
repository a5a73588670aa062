"""Import jobs over the API: upload, watch, preview, commit, revert, download rejects."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from api import examples as ex
from api.jobs import JobViewSet, started_by
from api.pagination import RowPagination
from api.parsers import BoundedJSONParser
from api.strict import ChoiceField, StrictInputSerializer, TextBooleanField
from catalog.imports.formats.csv_file import csv_template
from catalog.imports.jobs import (
    CatalogMovedOn,
    import_job_cancel,
    import_job_commit,
    import_job_create,
    import_job_outdated,
    import_job_preview_again,
    import_job_revert,
    import_upload_check,
)
from catalog.imports.models import Format, ImportJob, ImportRow
from catalog.imports.rejects import import_rejects_file
from catalog.imports.selectors import (
    IMPORT_JOB_FIELDS,
    import_job_fraction_done,
    import_job_list,
    import_job_seconds_left,
    import_job_warnings,
    import_outdated_records_shown,
    import_row_list,
)
from common.http import csv_attachment, declared_length, streamed_attachment


def upload_limit_check(request: Request) -> None:
    """Refuse an oversized upload from its declared length, before reading any of it."""
    import_upload_check(size=declared_length(request))


class ImportJobSerializer(serializers.ModelSerializer[ImportJob]):
    progress = serializers.SerializerMethodField()
    seconds_left = serializers.SerializerMethodField()
    started_by = serializers.CharField(source="started_by_label")
    warnings = serializers.SerializerMethodField()
    waiting_for_job_queue = serializers.BooleanField(
        read_only=True,
        help_text="True while the job is stored but waits for the job queue (Redis away); "
        "it starts by itself once the queue is back.",
    )

    class Meta:
        model = ImportJob
        fields = [
            *IMPORT_JOB_FIELDS, "progress", "seconds_left", "started_by", "warnings",
            "waiting_for_job_queue",
        ]  # fmt: skip

    def get_progress(self, job: ImportJob) -> float:
        """0 to 1: bytes read while staging, rows written while committing."""
        return import_job_fraction_done(job)

    def get_seconds_left(self, job: ImportJob) -> float | None:
        return import_job_seconds_left(job)

    def get_warnings(self, job: ImportJob) -> list[str]:
        """What the file gives that no record takes (a CSV's columns not read), in the
        caller's language."""
        return import_job_warnings(job)


class ImportJobDetailSerializer(ImportJobSerializer):
    """One job as its detail answers it: with whether its preview is out of date, which
    reads the job's staged rows, so a list of jobs does not carry it."""

    preview_outdated = serializers.SerializerMethodField(
        help_text="The records (ids) that changed after this staged preview was made in a way "
        "that could turn its decisions: a record a row matched, edited or removed since, or a "
        "record that now holds an ISBN or control number the file gives. While it lists any, "
        "a commit is refused (409 catalog_changed_since_preview): preview the job again "
        "(POST .../preview/) first. Empty when the preview can be committed, and for a job "
        "that is not a staged preview. Only on the detail, not in the list."
    )

    class Meta(ImportJobSerializer.Meta):
        fields = [*ImportJobSerializer.Meta.fields, "preview_outdated"]

    def get_preview_outdated(self, job: ImportJob) -> list[int]:
        return import_job_outdated(job)


class ImportJobCreateSerializer(StrictInputSerializer):
    file = serializers.FileField()
    format = ChoiceField(
        choices=Format.choices, required=False, help_text="Left out: told from the file."
    )
    match_on = ChoiceField(choices=ImportJob.MatchOn.choices, default=ImportJob.MatchOn.EITHER)
    on_match = ChoiceField(choices=ImportJob.OnMatch.choices, default=ImportJob.OnMatch.UPDATE)
    on_no_match = ChoiceField(
        choices=ImportJob.OnNoMatch.choices, default=ImportJob.OnNoMatch.CREATE
    )
    dry_run = TextBooleanField(default=False)
    one_shot = TextBooleanField(default=False)
    overlay = ChoiceField(
        choices=ImportJob.Overlay.choices,
        default=ImportJob.Overlay.REPLACE,
        help_text="On an update: replace the record's fields with the file's; fill_empty: only "
        "fill the fields that are empty in Stacks; keep_local: keep the fields edited in Stacks "
        "since the last import.",
    )
    create_locations = TextBooleanField(
        default=False,
        help_text="Create the location codes the file gives that the library does not have; "
        "otherwise their records are rejected, saying which code.",
    )


class ImportRowSerializer(serializers.ModelSerializer[ImportRow]):
    match_line = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="The line of the earlier CSV row this one matches (see `line`); null for "
        "MARC and MARCXML, or when it matches a record of the catalog.",
    )

    class Meta:
        model = ImportRow
        fields = [
            "position", "line", "action", "reason", "title", "identifiers",
            "match_record_id", "match_position", "match_line", "record_id", "committed",
        ]  # fmt: skip


class ImportRowParamsSerializer(serializers.Serializer):
    action = ChoiceField(
        choices=ImportRow.Action.choices,
        required=False,
        allow_blank=True,
        help_text="Only the rows with this action (empty: every row).",
    )


_FILE = OpenApiResponse(OpenApiTypes.BINARY, description="The file, as an attachment.")


@extend_schema_view(
    list=extend_schema(summary="List import jobs", examples=[ex.IMPORT_JOB_PAGE]),
    retrieve=extend_schema(summary="An import job: status, counts, progress, time left",
                           responses=ImportJobDetailSerializer, examples=[ex.IMPORT_JOB_DETAIL]),
    # A file travels only in a multipart body: offering JSON or a urlencoded form for it
    # makes a generated client send the file where the API cannot read it.
    create=extend_schema(summary="Upload a file to import",
                         request={"multipart/form-data": ImportJobCreateSerializer},
                         responses={202: ImportJobSerializer}, examples=[ex.IMPORT_JOB_QUEUED]),
    rows=extend_schema(summary="The preview: each record's action and the reason for it",
                       parameters=[ImportRowParamsSerializer],
                       responses=ImportRowSerializer(many=True), examples=[ex.IMPORT_ROW_PAGE]),
    commit=extend_schema(summary="Commit a staged import", request=None,
                         responses={202: ImportJobSerializer},
                         examples=[ex.IMPORT_JOB_COMMITTING]),
    preview=extend_schema(summary="Preview a staged import again from its file", request=None,
                          description="Reads the file the job was uploaded with again and "
                          "decides each record anew against the catalog as it is now, as the "
                          "upload did: a preview that records changed since (409 "
                          "catalog_changed_since_preview on commit) can then be committed. "
                          "Open to a staged job, or one whose commit was refused so.",
                          responses={202: ImportJobSerializer},
                          examples=[ex.IMPORT_JOB_QUEUED]),
    revert=extend_schema(summary="Revert a committed import", request=None,
                         responses=ImportJobSerializer, examples=[ex.IMPORT_JOB]),
    cancel=extend_schema(summary="Cancel an import", request=None,
                         responses=ImportJobSerializer, examples=[ex.IMPORT_JOB]),
    rejects=extend_schema(summary="The rejected records in the file's own format",
                          responses={(200, "application/marc"): _FILE,
                                     (200, "application/marcxml+xml"): _FILE,
                                     (200, "text/csv"): _FILE}),
    template=extend_schema(summary="The CSV import template",
                           responses={(200, "text/csv"): _FILE}),
)  # fmt: skip
class ImportJobViewSet(JobViewSet[ImportJob]):
    """Import jobs of this library. Upload a file (multipart) to start one."""

    serializer_class = ImportJobSerializer
    detail_url_name = "import-detail"
    not_found = gettext_lazy("No such import.")
    query_params = {"rows": ImportRowParamsSerializer}
    paged_actions = ("list", "rows")
    parser_classes = [MultiPartParser, FormParser, BoundedJSONParser]

    def get_queryset(self) -> QuerySet[ImportJob]:
        return import_job_list()

    def get_serializer_class(self) -> type[serializers.BaseSerializer[ImportJob]]:
        if self.action == "retrieve":
            return ImportJobDetailSerializer
        return ImportJobSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        upload_limit_check(request)
        incoming = self.body(ImportJobCreateSerializer)
        # No format given: the import tells it from the file.
        options = {"format": "", **incoming.validated_data}
        upload = options.pop("file")
        import_upload_check(size=upload.size)
        user, label = started_by(request)
        job = import_job_create(
            file=upload, file_name=upload.name, started_by=user, started_by_label=label, **options
        )
        return self.queued(job)

    @action(detail=True, methods=["get"])
    def rows(self, request: Request, pk: str | None = None) -> Response:
        """The preview: each record's position (and a CSV row's line), action and reason."""
        job = self.get_object()
        rows = import_row_list(job=job, action=self.query().validated_data.get("action"))
        # Built here, not named as the action's pagination_class: the viewset pages jobs.
        paginator = RowPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(ImportRowSerializer(page, many=True).data)

    @action(detail=True, methods=["post"])
    def commit(self, request: Request, pk: str | None = None) -> Response:
        job = self.get_object()
        self.body_none()
        try:
            return self.queued(import_job_commit(job_id=job.pk))
        except CatalogMovedOn as refused:
            # Each record by its title too, so the integrator can tell the librarian which.
            refused.extra["records"] = [
                {"id": shown["pk"], "title": shown["title"],
                 "url": reverse("record-detail", args=[shown["pk"]], request=request)
                 if shown["title"] is not None else None}
                for shown in import_outdated_records_shown(refused.record_ids)
            ]  # fmt: skip
            raise

    @action(detail=True, methods=["post"])
    def preview(self, request: Request, pk: str | None = None) -> Response:
        job = self.get_object()
        self.body_none()
        return self.queued(import_job_preview_again(job_id=job.pk))

    @action(detail=True, methods=["post"])
    def revert(self, request: Request, pk: str | None = None) -> Response:
        job = self.get_object()
        self.body_none()
        job = import_job_revert(job_id=job.pk)
        return Response(ImportJobSerializer(job).data)

    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        job = self.get_object()
        self.body_none()
        job = import_job_cancel(job_id=job.pk)
        return Response(ImportJobSerializer(job).data)

    @action(detail=True, methods=["get"])
    def rejects(self, request: Request, pk: str | None = None) -> StreamingHttpResponse:
        """The rejected records in the file's own format, to fix and upload again."""
        content, name, content_type = import_rejects_file(job=self.get_object())
        return streamed_attachment(content, content_type=content_type, filename=name)

    @action(detail=False, methods=["get"])
    def template(self, request: Request) -> HttpResponse:
        """The CSV template: the documented columns and one example row."""
        return csv_attachment(csv_template(), filename="stacks-import-template.csv")
