"""The API benchmark's floor: the SQL a Django request ran, answered as JSON by a bare WSGI app.

`GET /<key>` runs the statements stored under <key> in the file STACKS_FLOOR_SQL names (captured
from the query log of the same request to the real API), inside the schema STACKS_FLOOR_SCHEMA,
on one persistent connection per process, and returns every row as JSON (orjson). No framework,
no tenant lookup, no serializers: what is left is the database and the HTTP server.
"""

import json
import os
from collections.abc import Iterable
from typing import Any

import orjson
import psycopg2

_STATEMENTS: dict[str, list[str]] = json.loads(
    open(os.environ["STACKS_FLOOR_SQL"], encoding="utf-8").read()  # noqa: SIM115
)
_SCHEMA = os.environ["STACKS_FLOOR_SCHEMA"]
_connection: Any = None


def _cursor() -> Any:
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg2.connect(os.environ["DATABASE_URL"])
        _connection.autocommit = True
    return _connection.cursor()


def application(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    statements = _STATEMENTS.get(environ.get("PATH_INFO", "").strip("/"))
    if statements is None:
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"detail":"no such query"}']
    answers = []
    with _cursor() as cursor:
        # A multi-library server must pick the library's schema for each request.
        cursor.execute(f'SET search_path TO "{_SCHEMA}", public')
        for sql in statements:
            cursor.execute(sql)
            if cursor.description is None:
                continue
            names = [column.name for column in cursor.description]
            answers.append([dict(zip(names, row, strict=True)) for row in cursor.fetchall()])
    body = orjson.dumps({"results": answers}, default=str)
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
