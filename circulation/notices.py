"""Emails to patrons: due soon, overdue, and a hold waiting on the shelf. Each is sent once."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext

from catalog.text import record_title_shown
from circulation.models import Hold, Loan, Notice
from circulation.selectors import circulation_settings_get, today
from common.bidi import isolated
from common.emails import library_mail_send, library_sender
from common.language import library_language, library_name


def notices_prepare(*, on: date | None = None) -> int:
    """Note the due-soon and overdue notices owed today. A loan gets each kind once per due date
    (the unique index answers a second run), so running this twice adds nothing."""
    on = on or today()
    soon = on + timedelta(days=circulation_settings_get().due_soon_days)
    loans = Loan.objects.filter(returned_at__isnull=True, patron__isnull=False).exclude(
        patron__email=""
    )
    notices = [
        Notice(kind=kind, patron_id=patron_id, loan_id=loan_id, about_date=due_on)
        for kind, rows in (
            (Notice.Kind.DUE_SOON, loans.filter(due_on__gte=on, due_on__lte=soon)),
            (Notice.Kind.OVERDUE, loans.filter(due_on__lt=on)),
        )
        for loan_id, patron_id, due_on in rows.values_list("id", "patron_id", "due_on")
    ]
    before = Notice.objects.count()
    Notice.objects.bulk_create(notices, ignore_conflicts=True)
    return Notice.objects.count() - before


def _hold_ready_message(notice: Notice, hold: Hold, account_url: str) -> tuple[str, str]:
    """The hold shelf's notice: who it is for, what waits where and until when, the reader's
    account, and how to reach the library."""
    title = isolated(record_title_shown(hold.record))
    values = {
        "title": title,
        "date": date_format(notice.about_date, "DATE_FORMAT"),
        "library": library_name(),
    }
    ready = (
        gettext("%(title)s is on the hold shelf for you at %(library)s until %(date)s.")
        if values["library"]
        else gettext("%(title)s is on the hold shelf for you until %(date)s.")
    )
    paragraphs = [
        gettext("Hello %(name)s,") % {"name": isolated(hold.patron.name)},
        ready % values,
        gettext("Please collect it by then: after that day it is no longer kept for you."),
    ]
    if account_url:
        paragraphs.append(
            gettext("Your loans and holds are in your account: %(url)s") % {"url": account_url}
        )
    # Signed with the library's name and the address its readers may write to, when given.
    signature = [values["library"]]
    contact = library_sender().contact_email
    if contact:
        signature.append(gettext("Contact: %(email)s") % {"email": contact})
    paragraphs.append("\n".join(line for line in signature if line))
    subject = gettext("%(title)s is waiting for you") % {"title": title}
    return subject, "\n\n".join(p for p in paragraphs if p) + "\n"


def _message(notice: Notice, account_url: str) -> tuple[str, str]:
    """The notice's subject and text, in the library's language (called inside its override)."""
    if notice.kind == Notice.Kind.HOLD_READY and notice.hold is not None:
        return _hold_ready_message(notice, notice.hold, account_url)
    date = date_format(notice.about_date, "DATE_FORMAT")
    # Titles are isolated: one written right to left must not turn the sentence around.
    title = (
        isolated(record_title_shown(notice.loan.item.record))
        if notice.loan is not None
        else gettext("an item")
    )
    # The subject is a sentence naming the library, as its other mails do.
    name = library_name()
    if notice.kind == Notice.Kind.OVERDUE:
        subject = (
            gettext("%(title)s is overdue at %(library)s")
            if name
            else gettext("%(title)s is overdue")
        )
        body = gettext("%(title)s was due back on %(date)s. Please return or renew it.")
    else:
        subject = (
            gettext("%(title)s is due back soon at %(library)s")
            if name
            else gettext("%(title)s is due back soon")
        )
        body = gettext("%(title)s is due back on %(date)s. You may renew it online.")
    subject = subject % {"title": title, "library": name}
    # "an item", standing for a copy since deleted, heads the sentence; a title is left as
    # the catalog writes it.
    if notice.loan is None:
        subject = capfirst(subject)
    return subject, body % {"title": title, "date": date}


def notices_send(*, account_url: str = "") -> int:
    """Mail the notices not yet sent. Each is claimed, mailed and marked in one transaction, so
    two runs at once never mail one notice twice; a failed mail leaves it for the next run.
    `account_url`, the reader's account on the library's host, is given in the hold shelf's
    notice."""
    sent = 0
    while True:
        with transaction.atomic():
            notice = (
                Notice.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("patron", "loan__item__record", "hold__record", "hold__patron")
                .filter(sent_at__isnull=True)
                .order_by("id")
                .first()
            )
            if notice is None:
                return sent
            if notice.patron is not None and notice.patron.email:
                with translation.override(library_language()):
                    subject, body = _message(notice, account_url)
                library_mail_send(subject=subject, body=body, to=[notice.patron.email])
                sent += 1
            # Without an address there is nobody to mail: the desk tells the patron instead.
            notice.sent_at = timezone.now()
            notice.save(update_fields=["sent_at"])
