"""Platform tasks of onboarding: provisioning a library signed up for on the platform host."""

from config.celery import app
from tenants.onboarding import signup_provision
from worker.base import PlatformTask


@app.task(base=PlatformTask, name="worker.signup_provision")
def signup_provision_task(signup_id: int) -> str:
    return signup_provision(signup_id=signup_id).status
