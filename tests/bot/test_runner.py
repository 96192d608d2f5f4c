"""Background work after the ack: it runs off the request thread, is bounded, and drains on shutdown."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from functools import partial

import pytest

from bot.runner import Runner


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Blocked work waits on this; it is always set at the end so no thread outlives the test."""
    event = threading.Event()
    yield event
    event.set()


def test_submit_returns_before_the_work_finishes(release: threading.Event) -> None:
    runner = Runner(workers=2)
    started = threading.Event()
    done = threading.Event()

    def work() -> None:
        started.set()
        release.wait(5)
        done.set()

    assert runner.submit(work, "slow")
    assert started.wait(2)
    assert not done.is_set()
    release.set()
    assert runner.drain(5) == []
    assert done.is_set()


def test_work_runs_on_another_thread() -> None:
    runner = Runner(workers=1)
    seen: list[str] = []
    runner.submit(lambda: seen.append(threading.current_thread().name), "which thread")
    assert runner.drain(5) == []
    assert seen[0].startswith("recreate")
    assert seen[0] != threading.current_thread().name


def test_drain_waits_for_running_work() -> None:
    runner = Runner(workers=4)
    finished: list[int] = []

    def work(index: int) -> None:
        time.sleep(0.05)
        finished.append(index)

    for index in range(4):
        runner.submit(partial(work, index), f"task {index}")
    assert runner.drain(5) == []
    assert sorted(finished) == [0, 1, 2, 3]


def test_drain_returns_what_did_not_finish_in_time(release: threading.Event) -> None:
    runner = Runner(workers=2)
    runner.submit(lambda: release.wait(5), "recreate p7qr9qv")
    runner.submit(lambda: None, "quick")
    started = time.monotonic()
    assert runner.drain(0.1) == ["recreate p7qr9qv"]
    assert time.monotonic() - started < 1


def test_no_new_work_after_drain() -> None:
    runner = Runner(workers=1)
    assert runner.drain(1) == []
    ran: list[bool] = []
    assert not runner.submit(lambda: ran.append(True), "too late")
    assert runner.closing
    time.sleep(0.05)
    assert ran == []


def test_a_failing_task_is_logged_and_the_pool_keeps_working(caplog: pytest.LogCaptureFixture) -> None:
    runner = Runner(workers=1)

    def broken() -> None:
        raise RuntimeError("bug in the handler")

    ran = threading.Event()
    with caplog.at_level(logging.ERROR, logger="bot.runner"):
        assert runner.submit(broken, "recreate p7qr9qv")
        assert runner.submit(ran.set, "next")
        assert ran.wait(2)
        assert runner.drain(5) == []
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "recreate p7qr9qv" in record.getMessage()
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)
    assert "bug in the handler" in caplog.text  # the traceback is in the log


def test_full_runner_refuses_new_work_until_some_finishes(release: threading.Event) -> None:
    runner = Runner(workers=1, max_queued=1)
    assert runner.submit(lambda: release.wait(5), "first")
    assert runner.submit(lambda: None, "queued")
    ran: list[bool] = []
    assert not runner.submit(lambda: ran.append(True), "one too many")
    release.set()
    assert runner.wait_idle(2) == []
    assert runner.submit(lambda: ran.append(True), "after")
    assert runner.drain(5) == []
    assert ran == [True]


def test_queued_work_waits_while_slack_requests_are_being_answered() -> None:
    """Acks go first: work queued during a request starts only once requests stop arriving."""
    runner = Runner(workers=2)
    started = threading.Event()
    try:
        with runner.answering():
            assert runner.submit(started.set, "after the ack")
            assert not started.wait(0.1)
        assert started.wait(1.0)
    finally:
        runner.drain(1)


def test_queued_work_starts_anyway_when_requests_never_stop() -> None:
    """A steady stream of requests delays background work by at most ACK_PRIORITY_SECONDS."""
    runner = Runner(workers=2)
    started = threading.Event()
    try:
        with runner.answering():
            begun = time.monotonic()
            assert runner.submit(started.set, "starved")
            assert started.wait(2.0)
            assert time.monotonic() - begun < 1.0
    finally:
        runner.drain(1)


def test_a_request_is_overdue_only_once_it_has_waited_past_busy_after() -> None:
    runner = Runner(workers=1, busy_after=1.0)
    try:
        with runner.answering(received_at=time.monotonic() - 0.1):
            fresh = runner.overdue()
        with runner.answering(received_at=time.monotonic() - 1.5):
            late = runner.overdue()
        with runner.answering():  # Socket Mode: no arrival time, never overdue
            unknown = runner.overdue()
        outside = runner.overdue()
    finally:
        runner.drain(1)

    assert (fresh, late, unknown, outside) == (False, True, False, False)


def test_the_work_of_a_lone_request_starts_as_soon_as_it_is_answered() -> None:
    """A quiet system pays nothing for burst protection: no quiet gap after a request that came alone."""
    runner = Runner(workers=2, quiet=2.0)
    started = threading.Event()
    try:
        time.sleep(0.1)
        with runner.answering():
            assert runner.submit(started.set, "alone")
        assert started.wait(0.2)  # not after the quiet gap (2 s) nor the ack-priority bound (0.25 s)
    finally:
        runner.drain(1)
