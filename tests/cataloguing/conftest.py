"""The cataloguing tests' fixtures: a signed-in librarian, and a small HTTP server on 127.0.0.1
replaying recorded answers of outside record sources (records and their covers)."""

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from staff.services import user_create
from tests.conftest import LIBRARY_HOST
from tests.tenants.admin_helpers import signed_in

RECORDED = Path(__file__).resolve().parent.parent / "data" / "lookup"


@dataclass
class Answer:
    body: bytes
    status: int = 200
    delay: float = 0.0
    content_type: str = "application/xml"


class RecordedServer:
    """Answers by path (the query string is kept in `requests` for the tests to check)."""

    def __init__(self) -> None:
        self.answers: dict[str, Answer] = {}
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                answer = server.answers.get(self.path.split("?")[0])
                if answer is None:
                    self.send_error(404)
                    return
                time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", answer.content_type)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except OSError:  # the client gave up waiting
                    pass

            def log_message(self, format: str, *args: object) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def answer(self, path: str, recorded: str, **options: object) -> None:
        kind = "application/json" if recorded.endswith(".json") else "application/xml"
        options.setdefault("content_type", kind)
        self.answers[path] = Answer((RECORDED / recorded).read_bytes(), **options)  # type: ignore[arg-type]


OPEN_LIBRARY_COVER = "/b/id/8091016-L.jpg"


def open_library_recorded(server: RecordedServer, isbn: str) -> list[dict[str, object]]:
    """Open Library's recorded answer for `isbn` on `server`, with its cover addresses pointing
    at the server's recorded cover; the STACKS_LOOKUP_SOURCES that asks it, labelled as the
    README's example."""
    answer = json.loads((RECORDED / "openlibrary_hit.json").read_text())
    for size in ("small", "medium", "large"):
        answer[f"ISBN:{isbn}"]["cover"][size] = f"{server.url}{OPEN_LIBRARY_COVER}"
    server.answers["/api/books"] = Answer(
        json.dumps(answer).encode(), content_type="application/json"
    )
    server.answer(OPEN_LIBRARY_COVER, "openlibrary_cover.jpg", content_type="image/jpeg")
    return [
        {"name": "openlibrary", "label": "Open Library", "kind": "openlibrary", "url": server.url}
    ]


@pytest.fixture
def recorded_server() -> Iterator[RecordedServer]:
    server = RecordedServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def librarian(library) -> Client:  # type: ignore[no-untyped-def]
    with schema_context("alpha"):
        user_create(email="lib@alpha.example", role="librarian")
    return signed_in(LIBRARY_HOST, "alpha", "lib@alpha.example", client_class=Client)
