"""A worker stops within 30 seconds of its stop signal, even while Redis is going away."""

import select
import signal
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from tests.conftest import WorkerProcess

pytestmark = pytest.mark.worker

STOP_LIMIT_SECONDS = 30


class VanishingRedis:
    """A TCP relay to the test Redis that can make it vanish as a stopped container's does:
    every byte sent is swallowed, nothing answers, and no connection is closed or refused."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.gone = threading.Event()
        self.closed = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = [self.listener]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                ready, _, _ = select.select([self.listener], [], [], 0.2)
            except (OSError, ValueError):
                return  # closed
            if not ready:
                continue
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            self.sockets.append(client)
            upstream = None
            if not self.gone.is_set():
                upstream = socket.create_connection(self.target)
                self.sockets.append(upstream)
            threading.Thread(target=self._relay, args=(client, upstream), daemon=True).start()

    def _relay(self, client: socket.socket, upstream: socket.socket | None) -> None:
        ends = [client] if upstream is None else [client, upstream]
        while not self.closed.is_set():
            try:
                ready, _, _ = select.select(ends, [], [], 0.2)
            except (OSError, ValueError):
                return  # closed
            for end in ready:
                try:
                    data = end.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                if self.gone.is_set() or upstream is None:
                    continue  # swallowed: the other side never hears of it
                (upstream if end is client else client).sendall(data)

    def vanish(self) -> None:
        self.gone.set()

    def close(self) -> None:
        self.closed.set()
        for sock in self.sockets:
            sock.close()


@pytest.fixture
def vanishing_redis() -> Iterator[VanishingRedis]:
    parts = urlsplit(settings.REDIS_URL)
    relay = VanishingRedis((parts.hostname or "127.0.0.1", parts.port or 6379))
    yield relay
    relay.close()


def _worker(relay: VanishingRedis, tmp_path, queue: str, **env: str) -> WorkerProcess:  # type: ignore[no-untyped-def]
    """A real worker whose broker and cache are Redis through the relay."""
    path = urlsplit(settings.REDIS_URL).path or "/0"
    url = f"redis://127.0.0.1:{relay.port}{path}"
    worker = WorkerProcess(
        concurrency=1,
        extra_env={"REDIS_URL": url, "CELERY_BROKER_URL": url, "CELERY_DEFAULT_QUEUE": queue,
                   **env},
    )  # fmt: skip
    worker.log_path = tmp_path / "worker.log"
    return worker.start()


def _seconds_to_exit(worker: WorkerProcess, limit: float) -> float:
    assert worker.process is not None
    started = time.monotonic()
    while worker.process.poll() is None and time.monotonic() - started < limit:
        time.sleep(0.1)
    return time.monotonic() - started


@pytest.mark.parametrize("redis_goes", ["before the signal", "after the signal"])
def test_a_worker_stops_in_time_while_redis_goes_away(
    live_db, vanishing_redis, tmp_path, redis_goes
):  # type: ignore[no-untyped-def]
    worker = _worker(vanishing_redis, tmp_path, queue=f"stop-{tmp_path.name}")
    assert worker.process is not None
    try:
        time.sleep(2)  # past start-up: connected, consuming
        if redis_goes == "before the signal":
            vanishing_redis.vanish()
            worker.process.send_signal(signal.SIGTERM)
        else:
            worker.process.send_signal(signal.SIGTERM)
            time.sleep(0.2)
            vanishing_redis.vanish()
        seconds = _seconds_to_exit(worker, STOP_LIMIT_SECONDS + 30)
        print(f"redis went away {redis_goes}; the worker stopped after {seconds:.1f}s")
        assert worker.process.poll() is not None, (
            f"the worker still runs {seconds:.0f}s after SIGTERM; see {worker.log_path}"
        )
        assert seconds < STOP_LIMIT_SECONDS, f"stopped after {seconds:.1f}s; see {worker.log_path}"
    finally:
        worker.process.kill()
        worker.process.wait()


def test_without_socket_timeouts_the_watchdog_still_ends_the_shutdown(
    live_db, vanishing_redis, tmp_path
):  # type: ignore[no-untyped-def]
    """With Redis calls free to wait forever, a close hangs (the failure the issue saw); the
    watchdog of config/worker_stop.py ends the worker once the broker does not answer."""
    worker = _worker(
        vanishing_redis, tmp_path, queue=f"stop-{tmp_path.name}",
        REDIS_SOCKET_TIMEOUT="0", STACKS_WORKER_STOP_SECONDS="3",
    )  # fmt: skip
    assert worker.process is not None
    try:
        time.sleep(2)
        vanishing_redis.vanish()
        worker.process.send_signal(signal.SIGTERM)
        seconds = _seconds_to_exit(worker, 40)
        print(f"without socket timeouts, the worker stopped after {seconds:.1f}s")
        assert worker.process.poll() == 1, f"still running or killed; see {worker.log_path}"
        assert 3 <= seconds < 10
        assert "the broker has not answered for 3s after the stop signal" in worker.log()
    finally:
        worker.process.kill()
        worker.process.wait()


def test_the_watchdog_leaves_a_worker_alone_while_the_broker_answers(live_db, tmp_path):  # type: ignore[no-untyped-def]
    from config.worker_stop import broker_answers

    assert broker_answers(settings.CELERY_BROKER_URL)
    relay = VanishingRedis(("127.0.0.1", int(urlsplit(settings.REDIS_URL).port or 6379)))
    try:
        assert broker_answers(f"redis://127.0.0.1:{relay.port}/0")
        relay.vanish()
        started = time.monotonic()
        assert not broker_answers(f"redis://127.0.0.1:{relay.port}/0", timeout=1)
        assert time.monotonic() - started < 5
    finally:
        relay.close()


def test_a_broker_whose_name_does_not_resolve_in_time_does_not_answer(monkeypatch):  # type: ignore[no-untyped-def]
    """A stopped stack's Redis: its host name's lookup waits on the resolver, which the socket
    timeouts do not cover. The ping gives up after its own timeout, while the lookup still waits."""
    from config.worker_stop import broker_answers

    looking_up = threading.Event()
    looked_up = threading.Event()
    release = threading.Event()
    resolving = socket.getaddrinfo

    def slow_lookup(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host == "redis.stack.invalid":
            looking_up.set()
            release.wait(20)
            looked_up.set()
        return resolving(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", slow_lookup)
    try:
        assert not broker_answers("redis://redis.stack.invalid:6379/0", timeout=0.5)
        assert looking_up.is_set(), "the ping never looked the broker's name up"
        assert not looked_up.is_set(), "the ping waited for the lookup to end"
    finally:
        release.set()
