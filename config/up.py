"""`make up`: migrate, make sure the demo library exists, then run the web, workers and beat.

Run inside `config.embedded run`, which provides PostgreSQL and Redis. A process that dies is
started again (config/supervise.py); Ctrl-C stops them all and waits for them. While it runs,
`.stacks/dev/running.env` names the services it uses, so that `manage.py` in a second shell
reaches the same database and Redis without any variable set.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
RUNNING_ENV = ROOT / ".stacks" / "dev" / "running.env"
# What a second shell needs to act on this stack (manage.py reads it).
SHARED_VARIABLES = ("DATABASE_URL", "REDIS_URL", "DEBUG", "STACKS_SITE_PORT", "SECRET_KEY")

# Run as a script, this folder is first on the path, where config/celery.py would stand in
# for the celery package: the project's root takes its place.
if __name__ == "__main__":
    sys.path[0] = str(ROOT)
from config.supervise import Service, supervise  # noqa: E402
from config.web_server import REQUEST_FIELD_MAX, REQUEST_LINE_MAX, WORKER_CLASS  # noqa: E402


def manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, check=True)


def demo_password() -> str:
    path = ROOT / ".stacks" / "dev" / "demo-admin-password"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(12))
        path.chmod(0o600)
    return path.read_text().strip()


def setup_demo_args(password: str) -> list[str]:
    """setup_demo's arguments for the demo admin's password: joined to its option by "=", as a
    generated password may begin with "-", which would be read as an option of its own."""
    return ["setup_demo", f"--admin-password={password}"]


def running_env_write() -> None:
    lines = [f"STACKS_UP_PID={os.getpid()}"]
    lines += [f"{name}={os.environ[name]}" for name in SHARED_VARIABLES if os.environ.get(name)]
    RUNNING_ENV.parent.mkdir(parents=True, exist_ok=True)
    RUNNING_ENV.write_text("\n".join(lines) + "\n")
    RUNNING_ENV.chmod(0o600)


def web_command(bind: str) -> list[str]:
    """The web server of `make up`."""
    return [str(BIN / "gunicorn"), "config.wsgi", "--bind", bind, "--workers", "2",
            "--access-logfile", "-", "--limit-request-line", str(REQUEST_LINE_MAX),
            "--limit-request-field_size", str(REQUEST_FIELD_MAX),
            "--worker-class", WORKER_CLASS]  # fmt: skip


def running_message(port: str) -> str:
    """What `make up` says once everything runs: the demo library's address and the sign-up
    page's, each whole, to open in a browser."""
    base = os.environ.get("STACKS_BASE_DOMAIN", "localhost")
    served = "" if port == "80" else f":{port}"
    return (
        f"Stacks is running (Ctrl-C stops):\n"
        f"  demo library: http://demo.{base}{served}/\n"
        f"  sign-up:      http://{base}{served}/signup/"
    )


def main() -> int:
    os.environ.setdefault("DEBUG", "1")
    port = os.environ.get("PORT", "8000")
    bind = os.environ.get("STACKS_BIND", f"127.0.0.1:{port}")
    port = bind.rsplit(":", 1)[1]
    # Links in emails (invitations, sign-ups) carry the port the site is really served on.
    os.environ.setdefault("STACKS_SITE_PORT", "" if port == "80" else port)
    # Imports and exports on a queue of their own, for a worker that gives way to the web.
    os.environ.setdefault("CELERY_IMPORTS_QUEUE", "imports")
    manage("migrate_schemas", "--shared", "-v", "0")
    manage("bootstrap_platform")
    manage("migrate_schemas", "--tenant", "-v", "0")
    manage(*setup_demo_args(demo_password()))
    # Queues the demo import on the first start only; the worker started below runs it.
    manage("demo_catalog_load", "--library", "demo")
    services = [
        Service("web", web_command(bind), cwd=ROOT),
        Service("worker", [str(BIN / "celery"), "-A", "config", "worker", "--loglevel", "INFO",
                           "--concurrency", "2", "--queues",
                           os.environ.get("CELERY_DEFAULT_QUEUE", "celery"), "--hostname",
                           "worker@%h"], cwd=ROOT),
        # Imports run niced (config/worker_priority.py): a library importing a large file
        # leaves the processor to the searches of the others.
        Service("worker-imports", [str(BIN / "celery"), "-A", "config", "worker", "--loglevel",
                                   "INFO", "--concurrency", "1", "--queues",
                                   os.environ["CELERY_IMPORTS_QUEUE"], "--hostname",
                                   "imports@%h"],
                cwd=ROOT, env={"STACKS_WORKER_NICE": os.environ.get("STACKS_WORKER_NICE", "10")}),
        # Periodic tasks (circulation's notices) in every library.
        Service("beat", [str(BIN / "celery"), "-A", "config", "beat", "--loglevel", "INFO",
                         "--schedule", str(ROOT / ".stacks" / "dev" / "celerybeat-schedule")],
                cwd=ROOT),
    ]  # fmt: skip
    running_env_write()
    print(running_message(port), flush=True)
    try:
        return supervise(services)
    finally:
        RUNNING_ENV.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
