"""Platform tasks of onboarding: provisioning a library signed up for on the platform host."""

from django.conf import settings

from config.celery import app
from tenants.onboarding import signup_provision
from tenants.template import spare_pool_fill
from worker.base import PlatformTask


@app.task(base=PlatformTask, name="worker.signup_provision")
def signup_provision_task(signup_id: int) -> str:
    return signup_provision(signup_id=signup_id).status


@app.task(base=PlatformTask, name="worker.spare_pool_fill")
def spare_pool_fill_task() -> int:
    """Clone spare schemas until the configured number is ready for the next sign-ups."""
    return spare_pool_fill(size=settings.STACKS_SPARE_SCHEMAS)
