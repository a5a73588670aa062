"""Blocking a patron and lifting the block, on the page or over the API, are written to the
library's audit log as its other administrative actions are: who, on whom, why; the audit
page shows them. Another library's callers write nothing; erasing the patron keeps the
events, not whom they were about."""

from django.test import Client
from django_tenants.utils import schema_context

from circulation.models import Patron
from staff.models import AuditEvent
from tests.api.conftest import callers_of
from tests.api.test_circulation_api import patron_key, snapshot
from tests.circulation.conftest import Desk, staff_client
from tests.circulation.test_patron_block import REASON, fresh, patron_form
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST


def _events(schema: str) -> list[tuple[str, str, str, dict[str, object]]]:
    with schema_context(schema):
        events = AuditEvent.objects.filter(action__startswith="patron.").order_by("id")
        return list(events.values_list("actor", "action", "target", "detail"))


def test_the_page_s_block_and_lift_are_in_the_audit_log(
    library, librarian: Client, admin: Client, desk: Desk
) -> None:
    url = f"/staff/patrons/{desk.patron.pk}/"
    blocked = librarian.post(url, patron_form(fresh(desk), blocked="on", block_reason=REASON))
    assert blocked.status_code == 302
    # Another field saved, the block kept: nothing more to log.
    assert librarian.post(url, patron_form(fresh(desk), notes="rang")).status_code == 302
    assert librarian.post(url, patron_form(fresh(desk), blocked=None)).status_code == 302
    who, card = "librarian-desk@alpha.example", f"Shevek Anarres ({desk.patron.barcode})"
    detail = {"patron_id": desk.patron.pk, "reason": REASON}
    assert _events(desk.schema) == [
        (who, "patron.block", card, detail),
        (who, "patron.unblock", card, detail),
    ]
    page = admin.get("/staff/audit/", HTTP_ACCEPT_LANGUAGE="fr").text
    assert '<tr data-action="patron.block">' in page
    assert f'<td data-label="Qui">{who}</td><td data-label="Action">Usager bloqué</td>' in page
    assert f'{card}<br><span class="reason">Motif\u00a0: <bdi>{REASON}</bdi></span>' in page
    assert "Blocage de l’usager levé" in page  # noqa: RUF001 - French apostrophe


def test_a_patron_added_blocked_is_in_the_audit_log(librarian: Client, desk: Desk) -> None:
    form = {"name": "Odo", "barcode": "P-ODO", "category": "adult", "blocked": "on",
            "block_reason": REASON}  # fmt: skip
    assert librarian.post("/staff/patrons/new/", form).status_code == 302
    with schema_context(desk.schema):
        odo = Patron.objects.get(barcode="P-ODO")
    assert _events(desk.schema) == [
        ("librarian-desk@alpha.example", "patron.block", "Odo (P-ODO)",
         {"patron_id": odo.pk, "reason": REASON}),
    ]  # fmt: skip


def test_the_api_s_block_and_lift_are_in_the_audit_log(library, desk: Desk) -> None:
    key = patron_key(library.schema_name, LIBRARY_HOST, "write")
    librarian = callers_of(library.schema_name, LIBRARY_HOST)["librarian"]
    url = f"/api/v1/patrons/{desk.patron.pk}/"
    assert (
        key.patch(url, {"blocked": True, "block_reason": REASON}, format="json").status_code == 200
    )
    assert librarian.patch(url, {"block_reason": "two books"}, format="json").status_code == 200
    assert librarian.patch(url, {"blocked": False}, format="json").status_code == 200
    with schema_context(desk.schema):
        prefix = AuditEvent.objects.get(action="patron.block").actor.removeprefix("api-key:")
    card = f"Shevek Anarres ({desk.patron.barcode})"
    assert _events(desk.schema) == [
        (f"api-key:{prefix}", "patron.block", card, {"patron_id": desk.patron.pk,
                                                     "reason": REASON}),
        ("librarian-api@alpha.example", "patron.unblock", card,
         {"patron_id": desk.patron.pk, "reason": "two books"}),
    ]  # fmt: skip
    assert prefix


def test_erasing_the_patron_keeps_the_events_without_them(librarian: Client, desk: Desk) -> None:
    url = f"/staff/patrons/{desk.patron.pk}/"
    librarian.post(url, patron_form(fresh(desk), blocked="on", block_reason=REASON))
    librarian.post(url, patron_form(fresh(desk), blocked=None))
    erased = librarian.post(f"{url}erase/", {"confirm": desk.patron.barcode})
    assert erased.status_code == 302
    who = "librarian-desk@alpha.example"
    assert _events(desk.schema) == [
        (who, "patron.block", "", {}),
        (who, "patron.unblock", "", {}),
    ]


def test_another_library_blocks_nobody_and_logs_nothing(library, other_library, desk: Desk) -> None:
    before = snapshot(desk.schema)
    theirs = staff_client(other_library.schema_name, OTHER_LIBRARY_HOST, "librarian")
    url = f"/staff/patrons/{desk.patron.pk}/"
    form = patron_form(fresh(desk), blocked="on", block_reason=REASON)
    assert theirs.post(url, form).status_code == 404
    body = {"blocked": True, "block_reason": REASON}
    api = f"/api/v1/patrons/{desk.patron.pk}/"
    their_admin = callers_of(other_library.schema_name, OTHER_LIBRARY_HOST)["admin"]
    assert their_admin.patch(api, body, format="json").status_code == 404
    stray = patron_key(library.schema_name, OTHER_LIBRARY_HOST, "write")
    assert stray.patch(api, body, format="json").status_code == 401
    assert snapshot(desk.schema) == before
    assert fresh(desk).blocked_at is None
    assert _events(desk.schema) == _events(other_library.schema_name) == []
