"""Due dates are dates in the library's own zone: a check-out just after local midnight is
lent from the local day, closed days are local dates, and overdue is judged by the local date,
for zones far ahead of and behind UTC."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from circulation.models import ClosedDay
from circulation.selectors import overdue_list, today
from circulation.services import loan_checkout
from staff.services import api_key_create
from tenants.models import Library
from tests.api.conftest import client_for
from tests.circulation.conftest import Desk
from tests.conftest import LIBRARY_HOST


def zoned(library: Library, zone: str) -> Library:
    Library.objects.filter(pk=library.pk).update(time_zone=zone)
    return Library.objects.get(pk=library.pk)


@pytest.fixture
def clock(monkeypatch):
    """Set the time everything reads (timezone.now) to an instant in UTC."""

    def set_to(instant: datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: instant)

    return set_to


@pytest.mark.parametrize(
    ("zone", "instant", "local_day"),
    [
        # 11:30 UTC on 10 March is 00:30 on 11 March in Auckland (UTC+13).
        ("Pacific/Auckland", datetime(2026, 3, 10, 11, 30, tzinfo=UTC), date(2026, 3, 11)),
        # 06:30 UTC on 11 March is 23:30 on 10 March in Los Angeles (UTC-7).
        ("America/Los_Angeles", datetime(2026, 3, 11, 6, 30, tzinfo=UTC), date(2026, 3, 10)),
    ],
)
def test_a_loan_is_due_from_the_local_day_past_local_closed_days(
    library: Library, desk: Desk, clock, zone: str, instant: datetime, local_day: date
) -> None:
    assert instant.date() != local_day
    clock(instant)
    with tenant_context(zoned(library, zone)):
        assert today() == local_day
        ClosedDay.objects.create(date=local_day + timedelta(days=21))
        loan = loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
    assert loan.due_on == local_day + timedelta(days=22)


def test_overdue_is_judged_by_the_local_date(library: Library, desk: Desk, clock) -> None:
    lent = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)  # 1 March in Los Angeles too
    clock(lent)
    auckland = zoned(library, "Pacific/Auckland")
    with tenant_context(auckland):
        loan = loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        key = api_key_create(name="desk", scope="write", patrons=True).secret
    # 10:30 UTC on the due date is 23:30 in Auckland: due today, not yet overdue.
    clock(datetime.combine(loan.due_on, datetime.min.time(), tzinfo=UTC) + timedelta(hours=10.5))
    client = client_for(LIBRARY_HOST, f"Api-Key {key}")
    answer = client.get(f"/api/v1/loans/{loan.pk}/").json()
    assert (answer["due_on"], answer["overdue"]) == (loan.due_on.isoformat(), False)
    # An hour later it is the next day there, while UTC is still on the due date.
    clock(datetime.combine(loan.due_on, datetime.min.time(), tzinfo=UTC) + timedelta(hours=11.5))
    assert client.get(f"/api/v1/loans/{loan.pk}/").json()["overdue"] is True
    with tenant_context(auckland):
        assert [late.pk for late in overdue_list()] == [loan.pk]
    with tenant_context(zoned(library, "UTC")):
        assert list(overdue_list()) == []
