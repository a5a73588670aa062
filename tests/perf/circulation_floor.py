"""The circulation benchmark's floor: the statements a check-out or check-in runs, written out
as SQL and answered as JSON by a bare WSGI app (no framework, no tenant lookup, no auth).

`POST /checkout?item=<barcode>&patron=<barcode>` and `POST /checkin?item=<barcode>` run, in one
transaction on one persistent connection per process, the statements loan_checkout and
loan_checkin run (the same tables, locks, indexes and writes, the change feed's lock included;
a patron without holds on the record has none to fulfil, so none is updated): check-out's
rule, holds, open loans and closed days in one statement (circulation.selectors.checkout_terms),
check-in's loan closed and read back in one (circulation.services._loan_close).
"""

import datetime
import os
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs

import orjson
import psycopg2

_SCHEMA = os.environ["STACKS_FLOOR_SCHEMA"]
_connection: Any = None

CHECKOUT = [
    ("patron", "SELECT id, name, barcode, email, category, expires_on, notes, pin_hash, created_at,"
     " updated_at FROM circulation_patron WHERE barcode = %(patron)s LIMIT 1 FOR UPDATE"),
    ("item", "SELECT i.id, i.record_id, i.barcode, i.call_number, i.location_id, i.status,"
     " i.price, i.acquired_on, i.public_note, i.staff_note, i.version, i.created_at,"
     " i.updated_at, c.item_id, c.item_type, r.id, r.title FROM catalog_item i"
     " LEFT JOIN circulation_itemcirculation c ON c.item_id = i.id"
     " JOIN catalog_record r ON r.id = i.record_id"
     " WHERE i.barcode = %(item)s LIMIT 1 FOR UPDATE OF i"),
    ("terms", "WITH rules AS (SELECT id, patron_category, item_type, for_loan, loan_days,"
     " max_loans, renewals, max_holds FROM circulation_loanrule"
     " WHERE patron_category IN (%(category)s, '') AND item_type IN (%(item_type)s, ''))"
     " SELECT (SELECT coalesce(json_agg(json_build_array(id, patron_category, item_type,"
     " for_loan, loan_days, max_loans, renewals, max_holds)), '[]') FROM rules),"
     " (SELECT coalesce(json_agg(json_build_array(id, patron_id, item_id, status)), '[]')"
     " FROM circulation_hold WHERE (item_id = %(item_id)s AND status = 'ready')"
     " OR (patron_id = %(patron_id)s AND record_id = %(record_id)s"
     " AND status IN ('waiting', 'ready'))),"
     " (SELECT count(*) FROM circulation_loan WHERE patron_id = %(patron_id)s"
     " AND returned_at IS NULL),"
     " ARRAY(SELECT date FROM circulation_closedday WHERE date >= %(on)s AND date <= %(on)s"
     " + (SELECT coalesce(max(loan_days), 0) FROM rules) + 387 ORDER BY date)"),
    ("loan", "INSERT INTO circulation_loan (item_id, patron_id, checked_out_at, due_on, renewals,"
     " returned_at) VALUES (%(item_id)s, %(patron_id)s, now(), %(due)s, 0, NULL) RETURNING id"),
    (None, "UPDATE catalog_item SET status = 'on_loan', version = version + 1,"
     " updated_at = now() WHERE id = %(item_id)s"),
    (None, "SELECT pg_advisory_xact_lock(hashtext('catalog_change'), hashtext(current_schema()))"),
    (None, "INSERT INTO catalog_change (entity, entity_id, action, at)"
     " VALUES ('item', %(item_id)s, 'updated', now()) RETURNING id"),
]  # fmt: skip

CHECKIN = [
    ("item", CHECKOUT[1][1]),
    ("loan", "WITH closed AS (UPDATE circulation_loan SET returned_at = now()"
     " WHERE item_id = %(item_id)s AND returned_at IS NULL"
     " RETURNING id, item_id, patron_id, checked_out_at, due_on, renewals, returned_at)"
     " SELECT closed.*, p.* FROM closed LEFT JOIN circulation_patron p"
     " ON p.id = closed.patron_id"),
    (None, "UPDATE catalog_item SET status = 'available', version = version + 1,"
     " updated_at = now() WHERE id = %(item_id)s"),
    (None, CHECKOUT[5][1]),
    (None, CHECKOUT[6][1]),
    ("hold", "SELECT * FROM circulation_hold WHERE record_id = %(record_id)s"
     " AND status = 'waiting' AND NOT (expires_on < current_date AND expires_on IS NOT NULL)"
     " ORDER BY placed_at, id LIMIT 1 FOR UPDATE SKIP LOCKED"),
]  # fmt: skip


def _cursor() -> Any:
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg2.connect(os.environ["DATABASE_URL"])
    return _connection.cursor()


def _run(statements: list[tuple[str | None, str]], values: dict[str, Any]) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    with _cursor() as cursor:
        cursor.execute(f'SET search_path TO "{_SCHEMA}", public')
        for name, sql in statements:
            cursor.execute(sql, values)
            if name is None:
                continue
            rows = cursor.fetchall()
            answers[name] = rows
            if name == "patron":
                values.update(patron_id=rows[0][0], category=rows[0][4])
            elif name == "item":
                values.update(item_id=rows[0][0], record_id=rows[0][1], item_type=rows[0][14] or "")
            elif name == "loan" and "loan_id" not in values:
                values["loan_id"] = rows[0][0]
    _connection.commit()
    return answers


def application(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    path = environ.get("PATH_INFO", "").strip("/")
    on = datetime.datetime.now(datetime.UTC).date()
    values: dict[str, Any] = {
        "item": query.get("item", ""), "patron": query.get("patron", ""),
        "on": on, "due": on + datetime.timedelta(days=21),
    }  # fmt: skip
    if path == "checkout":
        answers = _run(CHECKOUT, values)
    elif path == "checkin":
        answers = _run(CHECKIN, values)
    elif path == "healthz":
        answers = {}
    else:
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"detail":"no such operation"}']
    body = orjson.dumps(answers, default=str)
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]
