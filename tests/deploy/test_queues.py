"""Imports and exports go to their own queue when one is named; a bare worker takes both."""

import json
import os
import subprocess
import sys

from tests.conftest import ROOT

_ROUTE = """
import json, django
django.setup()
from config.celery import app
from config.entrypoint import worker_arguments
route = lambda name: app.amqp.router.route({}, name)["queue"].name
print(json.dumps({
    "import": route("worker.import_job_run"),
    "resume": route("worker.imports_resume"),
    "export": route("worker.export_job_run"),
    "statistics": route("worker.library_statistics_refresh"),
    "worker": worker_arguments([]),
    "worker_named": worker_arguments(["--queues", "imports"]),
}))
"""


def _routing(**env: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", _ROUTE],
        cwd=ROOT, capture_output=True, text=True, check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings",
             "CELERY_DEFAULT_QUEUE": "celery", **env},
    )  # fmt: skip
    return json.loads(result.stdout)


def test_imports_have_their_own_queue_when_it_is_named():
    routing = _routing(CELERY_IMPORTS_QUEUE="imports")
    assert routing["import"] == "imports"
    assert routing["resume"] == "imports"
    assert routing["export"] == "imports"
    assert routing["statistics"] == "celery"
    assert routing["worker"][-2:] == ["--queues", "celery,imports"]
    assert routing["worker_named"].count("--queues") == 1
    assert routing["worker_named"][-2:] == ["--queues", "imports"]


def test_without_an_imports_queue_everything_shares_the_default_one():
    routing = _routing(CELERY_IMPORTS_QUEUE="")
    assert routing["import"] == "celery"
    assert routing["export"] == "celery"
    assert routing["worker"][-2:] == ["--queues", "celery"]
