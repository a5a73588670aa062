"""Celery beat outlives its broker going away: one line when Redis goes, one when it is back,
and the periodic tasks go out again by themselves."""

import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from tests.conftest import ROOT, process_stop, subprocess_env
from tests.worker.helpers import wait_for
from tests.worker.test_broker_outage import Redis

pytestmark = [pytest.mark.worker, pytest.mark.faults]

QUEUE = "beat-outage"


def _beat(tmp_path: Path, redis_url: str) -> tuple["subprocess.Popen[bytes]", Path]:
    log = tmp_path / "beat.log"
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO",
         "--schedule", str(tmp_path / "schedule")],
        cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        env=subprocess_env(DJANGO_SETTINGS_MODULE="tests.settings", REDIS_URL=redis_url,
                           CELERY_BROKER_URL=redis_url, CELERY_DEFAULT_QUEUE=QUEUE,
                           STACKS_CIRCULATION_EVERY_SECONDS="1",
                           STACKS_POOL_SYNC_SECONDS="1"),
    )  # fmt: skip
    return beat, log


def _queued(url: str) -> int:
    return int(redis.Redis.from_url(url).llen(QUEUE))


def test_beat_says_once_that_redis_is_away_and_goes_on_when_it_is_back(
    live_library, tmp_path
) -> None:
    broker = Redis(tmp_path)
    broker.start()
    beat, log = _beat(tmp_path, broker.url)
    try:
        assert wait_for(lambda: _queued(broker.url) >= 2, 60), log.read_text()[-3000:]
        broker.stop()
        away = log.stat().st_size
        # Each task falls due about fifteen times meanwhile.
        time.sleep(15)
        assert beat.poll() is None, log.read_text()[-3000:]
        during = log.read_bytes()[away:].decode(errors="replace")
        broker.start()
        assert wait_for(lambda: _queued(broker.url) >= 2, 60), log.read_text()[-3000:]
        time.sleep(2)
        assert beat.poll() is None
        after = log.read_bytes()[away:].decode(errors="replace")
    finally:
        process_stop(beat)
        broker.stop()
    address = f"127.0.0.1:{broker.port}"
    assert "Traceback" not in after, after[-3000:]
    unreachable = [line for line in after.splitlines() if "unreachable" in line]
    assert len(unreachable) == 1, after[-3000:]
    said = f"job queue (Redis at {address}) unreachable; scheduled tasks wait for it"
    assert said in unreachable[0]
    back = [line for line in after.splitlines() if "is back" in line]
    assert len(back) == 1, after[-3000:]
    assert address in back[0]
    assert "unreachable" in during
