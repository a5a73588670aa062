"""The web server's request limits, and its refusal of a request past them said in the API's
problem body (JSON an API client reads) rather than gunicorn's HTML page."""

import json
from typing import Any

from gunicorn import util
from gunicorn.http.errors import LimitRequestHeaders, LimitRequestLine
from gunicorn.workers.sync import SyncWorker

from common.problems import PROBLEM_JSON, problem

# The longest request line gunicorn reads (its own ceiling; its default, 4094 bytes, refuses a
# long search or a list of ids before the application can answer it in its own terms).
REQUEST_LINE_MAX = 8190
# The longest header, name and value: a single sign-on cookie or a bearer token with many
# claims passes gunicorn's default of 8190 bytes.
REQUEST_FIELD_MAX = 32768
WORKER_CLASS = "config.web_server.ProblemWorker"


# The limits answered in the API's terms: status, reason phrase, code, title, detail.
_REFUSALS: dict[type[BaseException], tuple[int, str, str, str, str]] = {
    LimitRequestLine: (
        414, "URI Too Long", "request_line_too_long", "Request line too long",
        f"The request line (method, address and query string) is longer than this server "
        f"takes ({REQUEST_LINE_MAX} bytes): send fewer or shorter query parameters, or "
        f"split the request.",
    ),
    LimitRequestHeaders: (
        431, "Request Header Fields Too Large", "headers_too_large", "Request headers too large",
        f"A request header is longer than this server takes ({REQUEST_FIELD_MAX} bytes, "
        f"name and value), or there are too many headers: send smaller cookies or tokens.",
    ),
}  # fmt: skip


def refusal(exc: BaseException) -> bytes | None:
    """The whole HTTP answer to a request past a limit, or None for gunicorn's other errors."""
    found = next((kind for kind in _REFUSALS if isinstance(exc, kind)), None)
    if found is None:
        return None
    status, reason, code, title, detail = _REFUSALS[found]
    body = json.dumps(problem(status, title, detail, code), separators=(",", ":")).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
        f"Content-Type: {PROBLEM_JSON}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class ProblemWorker(SyncWorker):
    """gunicorn's synchronous worker, answering a request past its limits in JSON."""

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        answer = refusal(exc)
        if answer is None:
            super().handle_error(req, client, addr, exc)
            return
        self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        try:
            util.write_nonblock(client, answer)
        except OSError:
            self.log.debug("Failed to send error message.")
