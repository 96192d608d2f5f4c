"""The periodic thread the follower and the failure watch run on."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from bot.ticker import Ticker


def test_a_failed_round_is_logged_with_its_traceback_and_tried_again(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[float] = []
    again = threading.Event()

    def tick() -> float:
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise RuntimeError("Baseten said something odd")
        again.set()
        return 60.0

    ticker = Ticker("test-ticker", tick, retry=0.1, what="watching for failures")
    with caplog.at_level(logging.ERROR, logger="bot.ticker"):
        ticker.start()
        assert again.wait(5), "the round after a failure never ran"
        ticker.stop()
    [record] = [r for r in caplog.records if "watching for failures failed" in r.getMessage()]
    assert record.exc_info is not None


def test_wake_cuts_a_long_wait_short_and_stop_ends_the_thread() -> None:
    rounds = threading.Semaphore(0)

    def tick() -> float:
        rounds.release()
        return 3600.0

    ticker = Ticker("test-ticker", tick, retry=3600.0, what="following jobs")
    ticker.start()
    assert rounds.acquire(timeout=5)
    ticker.wake()
    assert rounds.acquire(timeout=5), "a wake did not start the next round"
    started = time.monotonic()
    ticker.stop(timeout=5)
    assert time.monotonic() - started < 2
    assert ticker.stopping
    assert not [t for t in threading.enumerate() if t.name == "test-ticker"]
