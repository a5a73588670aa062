"""Celery beat, as `make up` and the compose stack run it, sends circulation's periodic task
into every library; a real worker runs it there and mails the overdue notice once."""

import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django_tenants.utils import schema_context

from circulation.models import Loan, Notice
from circulation.selectors import today
from circulation.services import loan_checkout
from tenants.services import ProvisionedLibrary
from tests.circulation.conftest import desk_make
from tests.conftest import ROOT, process_stop, subprocess_env

pytestmark = pytest.mark.worker


def test_beat_runs_the_daily_task_in_each_library(
    celery_worker_process, live_library: ProvisionedLibrary, tmp_path
) -> None:
    schema = live_library.library.schema_name
    desk = desk_make(schema)
    with schema_context(schema):
        loan = loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        Loan.objects.filter(pk=loan.pk).update(due_on=today() - timedelta(days=2))
    log = tmp_path / "beat.log"
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO",
         "--schedule", str(tmp_path / "schedule")],
        cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        env=subprocess_env(DJANGO_SETTINGS_MODULE="tests.settings",
                           STACKS_CIRCULATION_EVERY_SECONDS="2"),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        sent = []
        while time.monotonic() < deadline and not sent:
            with schema_context(schema):
                sent = list(Notice.objects.filter(sent_at__isnull=False, loan=loan))
            time.sleep(0.5)
        # Beat keeps sending; the notice stays one.
        time.sleep(5)
    finally:
        process_stop(beat)
    assert sent, log.read_text()[-2000:] + celery_worker_process.log()[-2000:]
    with schema_context(schema):
        assert Notice.objects.filter(loan=loan, kind="overdue").count() == 1
    assert "worker.circulation_daily" in log.read_text()
