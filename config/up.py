"""`make up`: migrate, make sure the demo library exists, then run the web, a worker and beat.

Run inside `config.embedded run`, which provides PostgreSQL and Redis. Ctrl-C stops both
processes and waits for them.
"""

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent


def manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, check=True)


def demo_password() -> str:
    path = ROOT / ".stacks" / "dev" / "demo-admin-password"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(12))
        path.chmod(0o600)
    return path.read_text().strip()


def main() -> int:
    os.environ.setdefault("DEBUG", "1")
    bind = os.environ.get("STACKS_BIND", "127.0.0.1:8000")
    manage("migrate_schemas", "--shared", "-v", "0")
    manage("bootstrap_platform")
    manage("migrate_schemas", "--tenant", "-v", "0")
    manage("setup_demo", "--admin-password", demo_password())
    if (ROOT / "catalog" / "management" / "commands" / "demo_catalog_load.py").exists():
        # Queues the demo import on the first start only; the worker started below runs it.
        manage("demo_catalog_load", "--library", "demo")
    processes = [
        subprocess.Popen(
            [str(BIN / "gunicorn"), "config.wsgi", "--bind", bind, "--workers", "2",
             "--access-logfile", "-"],
            cwd=ROOT,
        ),
        subprocess.Popen(
            [str(BIN / "celery"), "-A", "config", "worker", "--loglevel", "INFO",
             "--concurrency", "2"],
            cwd=ROOT,
        ),
        # Periodic tasks (circulation's notices) in every library.
        subprocess.Popen(
            [str(BIN / "celery"), "-A", "config", "beat", "--loglevel", "INFO",
             "--schedule", str(ROOT / ".stacks" / "dev" / "celerybeat-schedule")],
            cwd=ROOT,
        ),
    ]  # fmt: skip
    print(f"Stacks is running: http://demo.localhost:{bind.rsplit(':', 1)[1]}/  (Ctrl-C stops)")

    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping and all(p.poll() is None for p in processes):
        time.sleep(0.2)
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
    return 0 if stopping else 1


if __name__ == "__main__":
    sys.exit(main())
