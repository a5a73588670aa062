"""A worker's warm shutdown ends in bounded time when the broker has gone away.

Celery's warm shutdown waits for running tasks, then closes its broker channels, and each close
talks to Redis. When Redis is going away at the same moment (a whole stack stopping at once), a
close can wait on a connection that never answers, and the worker outlives its stop grace
period and is killed. Nothing is gained by waiting: with late acknowledgement a task still
running cannot be acknowledged without the broker and is delivered again. So from
STACKS_WORKER_STOP_SECONDS after the stop signal on, as soon as the broker does not answer a
ping, the worker ends its pool processes and exits.
"""

import contextlib
import logging
import os
import signal
import sys
import threading
import time
from typing import Any

from celery.signals import worker_shutting_down
from django.conf import settings

logger = logging.getLogger(__name__)
# The broker's ping: short, and never retried (the watchdog asks again itself).
PING_SECONDS = 2.0
EXIT_CODE = 1


def broker_answers(url: str, timeout: float = PING_SECONDS) -> bool:
    """Whether the Redis broker at `url` answers a ping within `timeout` seconds, all told.

    The socket timeouts do not cover the host name's lookup: with the broker's container gone,
    the resolver can wait on its own timeouts and retries for far longer. So the ping runs in a
    thread of its own, and a ping still waiting after `timeout` counts as no answer.
    """
    answers: list[bool] = []
    pinging = threading.Thread(
        target=_ping, args=(url, timeout, answers), name="stacks-stop-ping", daemon=True
    )
    pinging.start()
    pinging.join(timeout)
    return bool(answers and answers[0])


def _ping(url: str, timeout: float, answers: list[bool]) -> None:
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    client = redis.Redis.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0)
    )
    try:
        answers.append(bool(client.ping()))
    except (redis.RedisError, OSError):
        answers.append(False)
    finally:
        client.close()


def _exit_without_broker(url: str, grace: float) -> None:
    time.sleep(grace)
    while broker_answers(url):
        time.sleep(1)  # tasks are finishing and can be acknowledged: let them
    logger.error(
        "Warm shutdown: the broker has not answered for %.0fs after the stop signal; tasks "
        "still running will be delivered again (late acknowledgement). Exiting now.",
        grace,
    )
    for handler in logging.getLogger().handlers:
        handler.flush()
    from billiard.process import active_children

    for child in active_children():
        with contextlib.suppress(OSError):  # already gone
            os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
    sys.stderr.flush()
    os._exit(EXIT_CODE)


@worker_shutting_down.connect
def watch_the_shutdown(sig: str = "", how: str = "", exitcode: int = 0, **kwargs: Any) -> None:
    """Sent in the worker's main process when a stop signal arrives."""
    grace = float(settings.STACKS_WORKER_STOP_SECONDS)
    if grace <= 0:
        return
    threading.Thread(
        target=_exit_without_broker,
        args=(settings.CELERY_BROKER_URL, grace),
        name="stacks-stop-watchdog",
        daemon=True,
    ).start()
