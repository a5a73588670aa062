"""What the API's import and export jobs share: staff list and read them, and a request that
starts or moves one on answers 202 with the job and its address while a worker carries on."""

from typing import Any, TypeVar

from django.db import models
from django.utils.functional import Promise
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from api.http import located
from api.permissions import StaffOnly
from api.strict import StrictQueryParams

_Job = TypeVar("_Job", bound=models.Model)


def started_by(request: Request) -> tuple[Any, str]:
    """The account that starts a job (none for an API key) and the label kept if it goes."""
    user = request.user
    return (user if getattr(user, "pk", None) else None), str(user)[:255]


class JobViewSet(
    StrictQueryParams,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[_Job],
):
    """A library's jobs of one kind, for staff; `detail_url_name` is one job's address and
    `not_found` what a 404 says of a job that is not there."""

    permission_classes = [StaffOnly]
    detail_url_name: str
    not_found: Promise

    def queued(self, job: _Job) -> Response:
        """202 Accepted with the job and its Location: a worker carries it on. The job is read
        again for whether it waits for the job queue: that is known only once its transaction
        committed and the queue was tried."""
        job.refresh_from_db(fields=["queue_missed_at"])
        response = Response(self.get_serializer_class()(job).data, status=status.HTTP_202_ACCEPTED)
        return located(response, self.request, self.detail_url_name, job.pk)
