"""The web process's Celery notice: never holds a webhook on the broker, however the broker behaves."""

from __future__ import annotations

import logging
import socket
import threading

import redis

from qa.jobs.celery_app import QUEUE, CeleryNotifier

REDIS_URL = "redis://127.0.0.1:6379/12"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HeldNotifier(CeleryNotifier):
    """A notifier whose broker answers only when the test lets it (a broker that hangs)."""

    def __init__(self):
        super().__init__(f"redis://127.0.0.1:{_closed_port()}/0", wait_s=0.2)
        self.release = threading.Event()
        self.sent = 0

    def send(self) -> bool:
        self.release.wait()
        self.sent += 1
        return True


def test_a_notice_reaches_a_live_broker():
    broker = redis.Redis.from_url(REDIS_URL)
    broker.delete(QUEUE)
    assert CeleryNotifier(REDIS_URL).notify() is True
    assert broker.llen(QUEUE) == 1
    broker.delete(QUEUE)


def test_a_broker_that_is_down_is_one_logged_error(caplog):
    notifier = CeleryNotifier(f"redis://127.0.0.1:{_closed_port()}/0")
    with caplog.at_level(logging.ERROR, logger="qa.jobs.celery_app"):
        assert notifier.notify() is False
    assert any("could not reach the Celery broker" in r.getMessage() for r in caplog.records)


def test_a_hung_broker_never_holds_the_webhooks_that_notify():
    notifier = HeldNotifier()
    answers: list[bool] = []
    threads = [threading.Thread(target=lambda: answers.append(notifier.notify())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # every request thread got its answer while the broker still held the first message
    assert answers == [False] * 8 and notifier.sent == 0
    notifier.release.set()
    notifier.wait_s = 30.0  # a live broker now: this webhook may wait for its own notice
    assert notifier.notify() is True  # the queued notices went out, one at a time, then this one
    assert notifier.sent == 9
