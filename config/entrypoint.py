"""Process entrypoint: wait for PostgreSQL and the broker, then run one role.

    python -m config.entrypoint web|worker|beat|migrate [extra arguments for the program]
    python -m config.entrypoint healthcheck web|worker|beat [worker node name]

The Docker image runs this as its entrypoint; it behaves the same outside Docker. `web`,
`worker` and `beat` replace this process with gunicorn or Celery (so signals reach them
directly); `migrate` runs the shared migrations, the platform bootstrap and then every
library's migrations with the parallel executor, and exits.
"""

import os
import socket
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# Already loaded with the config package, which exposes it (see config/__init__.py).
from config.celery import app

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
ROLES = ("web", "worker", "beat", "migrate", "healthcheck")
BEAT_SCHEDULE = "/tmp/celerybeat-schedule"  # noqa: S108 - the image's only writable folder
BEAT_STALE_SECONDS = 900


class NotReady(RuntimeError):
    """A service did not answer within the time limit."""


def _say(message: str) -> None:
    print(f"entrypoint: {message}", file=sys.stderr, flush=True)


def _database_check() -> tuple[str, Callable[[], None]]:
    from django.db import connections

    conn = connections["default"]
    conf = conn.settings_dict
    where = f"PostgreSQL at {conf.get('HOST') or 'local socket'}:{conf.get('PORT') or 5432}"
    where += f"/{conf['NAME']} (DATABASE_URL)"

    def check() -> None:
        try:
            conn.ensure_connection()
        finally:
            conn.close()

    return where, check


def _broker_check() -> tuple[str, Callable[[], None]]:
    from django.conf import settings
    from kombu import Connection

    url = settings.CELERY_BROKER_URL
    parts = urlsplit(url)
    # Shown without user or password.
    shown = f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}{parts.path}"
    where = f"broker at {shown} (CELERY_BROKER_URL / REDIS_URL)"

    def check() -> None:
        with Connection(url, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)

    return where, check


def wait_for_services(timeout: float) -> None:
    """Return once PostgreSQL and the broker answer; raise NotReady after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    for where, check in (_database_check(), _broker_check()):
        announced = False
        while True:
            try:
                check()
                break
            except Exception as exc:  # every failure to connect is retried until the deadline
                if time.monotonic() >= deadline:
                    raise NotReady(
                        f"gave up after {timeout:.0f}s: {where} is not reachable "
                        f"({exc.__class__.__name__}: {str(exc).strip() or 'no detail'})"
                    ) from exc
                if not announced:
                    _say(f"waiting for {where} ...")
                    announced = True
                time.sleep(1)
        _say(f"{where} is up")


def _manage(*args: str) -> int:
    import subprocess

    command = [sys.executable, str(ROOT / "manage.py"), *args]
    _say("running " + " ".join(command[1:]))
    return subprocess.run(command, cwd=ROOT, check=False).returncode  # noqa: S603


def migrate(extra: list[str]) -> int:
    """Shared schema first, then the platform tenant and template, then every library."""
    steps = [
        ("migrate_schemas", "--shared", "--noinput", *extra),
        ("bootstrap_platform",),
        ("migrate_schemas", "--tenant", "--noinput", "--executor=multiprocessing", *extra),
    ]
    for step in steps:
        code = _manage(*step)
        if code != 0:
            _say(f"migrate stopped: `manage.py {' '.join(step)}` exited with {code}")
            return code
    _say("migrate finished: platform and every library are current")
    return 0


def _exec(program: str, *args: str) -> None:
    executable = Path(sys.executable).parent / program
    argv = [str(executable) if executable.exists() else program, *args]
    _say("starting " + " ".join(argv))
    sys.stdout.flush()
    os.chdir(ROOT)
    os.execvp(argv[0], argv)  # noqa: S606 - replaces this process by design


def _log_level() -> str:
    from django.conf import settings

    logging_config: dict[str, Any] = settings.LOGGING
    return str(logging_config["root"]["level"])


def worker_arguments(extra: list[str]) -> list[str]:
    """Celery worker arguments: all queues unless the command names its own."""
    from django.conf import settings

    args = ["-A", "config", "worker", "--loglevel", _log_level()]
    if not any(a in ("-Q", "--queues") or a.startswith("--queues=") for a in extra):
        queues = [settings.CELERY_TASK_DEFAULT_QUEUE]
        if settings.CELERY_IMPORTS_QUEUE:
            queues.append(settings.CELERY_IMPORTS_QUEUE)
        args += ["--queues", ",".join(queues)]
    return args + extra


def healthcheck(target: str, node: str | None = None) -> int:
    """Exit 0 if this container's process answers: web on /healthz, a worker to a ping.

    A worker is pinged by its node name, `celery@<host name>` unless the worker was started
    with another `-n` (then pass that name).
    """
    if target == "web":
        port = os.environ.get("PORT", "8000")
        try:
            url = f"http://127.0.0.1:{port}/healthz"
            with urllib.request.urlopen(url, timeout=5) as reply:
                return 0 if reply.status == 200 else 1
        except OSError as exc:
            _say(f"web is not healthy: {exc}")
            return 1
    if target == "worker":
        node = node or f"celery@{socket.gethostname()}"
        if app.control.ping(destination=[node], timeout=5):
            return 0
        _say(f"worker {node} did not answer a ping")
        return 1
    if target == "beat":
        # Beat writes its schedule file at least every few minutes while it ticks.
        files = list(Path(BEAT_SCHEDULE).parent.glob(Path(BEAT_SCHEDULE).name + "*"))
        newest = max((f.stat().st_mtime for f in files), default=0.0)
        if time.time() - newest < BEAT_STALE_SECONDS:
            return 0
        _say(f"beat has not written {BEAT_SCHEDULE} for {BEAT_STALE_SECONDS} s")
        return 1
    _say(f"unknown healthcheck target {target!r}; use web, worker or beat")
    return 2


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ROLES:
        _say(f"usage: python -m config.entrypoint {{{'|'.join(ROLES)}}} [arguments]")
        return 2
    role, extra = argv[0], argv[1:]
    if role == "healthcheck":
        return healthcheck(*(extra[:2] or ["web"]))

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.conf import settings

    django.setup()
    try:
        wait_for_services(float(settings.STACKS_WAIT_SECONDS))
    except NotReady as exc:
        _say(str(exc))
        return 1

    if role == "migrate":
        return migrate(extra)
    if role == "web":
        _exec("gunicorn", "config.wsgi", "--config", str(GUNICORN_CONF), *extra)
    elif role == "worker":
        _exec("celery", *worker_arguments(extra))
    else:
        level = _log_level()
        # The schedule file lives in /tmp: the image's application folder is read-only.
        _exec("celery", "-A", "config", "beat", "--loglevel", level,
              "--schedule", BEAT_SCHEDULE, *extra)  # fmt: skip
    return 0  # pragma: no cover - _exec does not return


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
