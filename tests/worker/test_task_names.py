"""Services queue tasks by name: every name they queue is a task the worker registers."""

import importlib
import pkgutil

from common.tasks import QUEUED_TASKS
from config.celery import app

PACKAGES = ["common", "staff", "catalog", "tenants", "api", "worker"]


def _import_every_module() -> None:
    for name in PACKAGES:
        package = importlib.import_module(name)
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{name}."):
            if ".migrations." not in module.name and ".management." not in module.name:
                importlib.import_module(module.name)


def test_every_queued_name_is_a_registered_task() -> None:
    _import_every_module()
    app.loader.import_default_modules()
    assert {"worker.import_job_run", "worker.export_job_run", "worker.signup_provision"} <= (
        QUEUED_TASKS
    )
    missing = sorted(QUEUED_TASKS - set(app.tasks))
    assert not missing, f"queued by name but registered by no task: {missing}"
