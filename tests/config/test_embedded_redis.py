"""The embedded Redis of `make up` and `make test` comes back by itself when it is killed."""

import os
import shutil
import signal
import subprocess
import sys
import time

import redis

from tests.conftest import ROOT

PROFILE = "test-redis-keeper"
# The child names its Redis, then waits for its stdin to close.
CHILD = "import os, sys; print(os.environ['REDIS_URL'], flush=True); sys.stdin.read()"


def _answers(client: redis.Redis, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            time.sleep(0.1)
    return False


def test_a_killed_embedded_redis_is_started_again_with_its_data():
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.setdefault("DATABASE_URL", "postgres://unused")  # only Redis is embedded here
    run = subprocess.Popen(
        [sys.executable, "config/embedded.py", "run", "--profile", PROFILE, "--",
         sys.executable, "-c", CHILD],
        cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert run.stdout is not None
        assert run.stdin is not None
        url = run.stdout.readline().strip()
        assert url.startswith("redis://127.0.0.1:"), url
        client = redis.Redis.from_url(url, socket_timeout=2)
        client.set("queued", "a task")
        time.sleep(1.5)  # the append-only file is written once a second
        os.kill(int(client.info("server")["process_id"]), signal.SIGKILL)

        assert _answers(client, timeout=15)
        assert client.get("queued") == b"a task"

        run.stdin.close()
        assert run.wait(30) == 0
        assert "embedded Redis exited with status -9; starting it again." in run.stderr.read()
        assert not _answers(client, timeout=1)  # stopped with the command
    finally:
        if run.poll() is None:
            run.kill()
        shutil.rmtree(ROOT / ".stacks" / PROFILE, ignore_errors=True)
