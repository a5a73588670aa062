"""Run a few long-lived processes together and start again any that dies (`make up`).

A web server or a worker that exits on its own (a crash, the broker gone for a moment) is
started again after a short pause; one that keeps dying (more than MAX_RESTARTS a minute)
stops the whole group, so a broken setup is said at once rather than looping.
"""

import os
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

MAX_RESTARTS = 5
WINDOW_SECONDS = 60.0
RESTART_PAUSE_SECONDS = 1.0


@dataclass
class Service:
    name: str
    argv: Sequence[str]
    cwd: Path | None = None
    env: dict[str, str] = field(default_factory=dict)  # set over the supervisor's own
    process: "subprocess.Popen[bytes] | None" = None
    restarts: deque[float] = field(default_factory=deque)

    def start(self) -> None:
        env = {**os.environ, **self.env} if self.env else None
        self.process = subprocess.Popen(list(self.argv), cwd=self.cwd, env=env)

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def may_restart(self, now: float) -> bool:
        while self.restarts and now - self.restarts[0] > WINDOW_SECONDS:
            self.restarts.popleft()
        return len(self.restarts) < MAX_RESTARTS


def supervise(services: Sequence[Service], *, poll_seconds: float = 0.2) -> int:
    """Start every service, restart any that exits, and stop them all on SIGINT or SIGTERM.

    Returns 0 after a requested stop, 1 when a service kept dying.
    """
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    for service in services:
        service.start()
    failed = False
    while not stopping and not failed:
        time.sleep(poll_seconds)
        for service in services:
            code = service.exited()
            if code is None or stopping:
                continue
            now = time.monotonic()
            if not service.may_restart(now):
                print(f"{service.name} exited {MAX_RESTARTS} times in a minute; stopping.",
                      file=sys.stderr, flush=True)  # fmt: skip
                failed = True
                break
            print(f"{service.name} exited with status {code}; starting it again.",
                  file=sys.stderr, flush=True)  # fmt: skip
            service.restarts.append(now)
            time.sleep(RESTART_PAUSE_SECONDS)
            service.start()
    for service in services:
        if service.exited() is None and service.process is not None:
            service.process.send_signal(signal.SIGTERM)
    for service in services:
        if service.process is None:
            continue
        try:
            service.process.wait(30)
        except subprocess.TimeoutExpired:
            service.process.kill()
            service.process.wait()
    return 1 if failed else 0
