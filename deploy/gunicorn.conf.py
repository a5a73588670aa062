"""Gunicorn settings for the web role, from the environment (see deploy/.env.example)."""

import gc
import os

from config.web_server import REQUEST_FIELD_MAX, REQUEST_LINE_MAX, WORKER_CLASS

bind = [f"0.0.0.0:{os.environ.get('PORT', '8000')}"]
# Synchronous workers: each request holds one database connection, whose search_path the
# tenant middleware sets for the request's library.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = 1
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Long query strings (a search, a list of ids) and big cookies or tokens get through; a
# request past these is answered with a JSON problem (414 or 431), not an HTML page.
limit_request_line = REQUEST_LINE_MAX
limit_request_field_size = REQUEST_FIELD_MAX
worker_class = WORKER_CLASS
# Recycle workers now and then (jittered so they do not all restart at once): a process that
# served many libraries holds caches for each of them.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# Requests are logged by the application as JSON lines with their request id.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Worker heartbeats in memory, not on the container's (possibly slow or read-only) disk;
# /dev/shm is private to the container.
SHARED_MEMORY = "/dev/shm"  # noqa: S108
worker_tmp_dir = SHARED_MEMORY if os.path.isdir(SHARED_MEMORY) else None
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_request(worker, req, environ, resp):  # type: ignore[no-untyped-def]
    """Once a worker has loaded what requests use (after its first request, and again after
    its hundredth, when lazily built caches are in place), set those objects aside from the
    garbage collector: they live as long as the worker, and its full passes, every few hundred
    requests, would otherwise walk over 100,000 of them each time. Runs after the response
    has been sent."""
    if worker.nr in (1, 100):
        gc.collect()
        gc.freeze()
