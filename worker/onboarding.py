"""Platform tasks of onboarding: provisioning a library signed up for on the platform host."""

from celery import shared_task
from django.conf import settings

from common.tasks import PlatformTask
from tenants.onboarding import SIGNUP_PROVISION, signup_provision
from tenants.services import SPARE_POOL_FILL
from tenants.template import spare_pool_fill


@shared_task(base=PlatformTask, name=SIGNUP_PROVISION)
def signup_provision_task(signup_id: int) -> str:
    return signup_provision(signup_id=signup_id).status


@shared_task(base=PlatformTask, name=SPARE_POOL_FILL)
def spare_pool_fill_task() -> int:
    """Clone spare schemas until the configured number is ready for the next sign-ups."""
    return spare_pool_fill(size=settings.STACKS_SPARE_SCHEMAS)
