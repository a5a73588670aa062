"""Circulation tasks: notices, expired holds, forgotten borrowers and patron imports, in each
library."""

from celery import shared_task

from circulation.notices import notices_prepare, notices_send
from circulation.patron_imports import PATRON_IMPORT_RUN, patron_import_run
from circulation.services import (
    CIRCULATION_DAILY,
    NOTICES_SEND,
    holds_expire,
    loans_anonymize,
)
from common.tasks import LibraryTask
from tenants.domains import library_site_url


@shared_task(base=LibraryTask, name=NOTICES_SEND)
def circulation_notices_send() -> int:
    return notices_send(account_url=library_site_url("/account/"))


@shared_task(base=LibraryTask, name=CIRCULATION_DAILY)
def circulation_daily() -> dict[str, int]:
    """Beat runs this in every library: expire holds, forget returned loans' patrons, note the
    due-soon and overdue notices and mail them. Running it twice sends nothing twice."""
    return {
        "holds_expired": holds_expire(),
        "loans_anonymized": loans_anonymize(),
        "notices_noted": notices_prepare(),
        "notices_sent": notices_send(account_url=library_site_url("/account/")),
    }


@shared_task(base=LibraryTask, name=PATRON_IMPORT_RUN)
def patron_import_run_task(job_id: int) -> str:
    """Read a queued patron file into its preview, or write a confirmed one."""
    job = patron_import_run(job_id=job_id)
    return job.status if job is not None else "gone"
