"""Background work after the Slack ack: a bounded thread pool that drains on shutdown."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

log = logging.getLogger(__name__)

# The longest background work waits for Slack requests being answered before it starts anyway.
ACK_PRIORITY_SECONDS = 0.25


class Runner:
    """Runs slow work (Baseten calls, posting cards) off the request thread, so acks never wait for it."""

    def __init__(self, *, workers: int = 64, max_queued: int = 500) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="recreate")
        self._workers = workers
        self._max_in_flight = workers + max_queued
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._in_flight: dict[int, str] = {}
        self._next_id = 0
        self._closing = False
        self._answering = 0
        self._quiet = threading.Condition()

    def warm(self) -> None:
        """Start every pool thread now, so the first burst of commands does not pay for thread creation in its acks."""
        started = threading.Barrier(self._workers + 1)
        for _ in range(self._workers):
            self._pool.submit(started.wait)
        started.wait()

    @property
    def accepting(self) -> bool:
        with self._lock:
            return not self._closing and len(self._in_flight) < self._max_in_flight

    @property
    def closing(self) -> bool:
        with self._lock:
            return self._closing

    def submit(self, work: Callable[[], object], label: str) -> bool:
        """Start `work` in the background; False when shutting down or full (nothing was started)."""
        with self._lock:
            if self._closing or len(self._in_flight) >= self._max_in_flight:
                return False
            task_id = self._next_id
            self._next_id += 1
            self._in_flight[task_id] = label
        # Outside the lock: starting a pool thread can take milliseconds, and acks wait on this lock.
        try:
            self._pool.submit(self._run, task_id, work, label)
        except RuntimeError:
            # drain() shut the pool down between the check above and here: the work was not started.
            self._finished(task_id)
            return False
        return True

    @contextmanager
    def answering(self) -> Iterator[None]:
        """Mark a Slack request being answered; background work holds back briefly so acks go first."""
        with self._quiet:
            self._answering += 1
        try:
            yield
        finally:
            with self._quiet:
                self._answering -= 1
                if not self._answering:
                    self._quiet.notify_all()

    def _run(self, task_id: int, work: Callable[[], object], label: str) -> None:
        # Python runs one thread at a time: in a burst, work for acked commands would slow the acks still due.
        # Baseten takes seconds anyway, so waiting a moment for the acks costs the requester nothing.
        with self._quiet:
            self._quiet.wait_for(lambda: not self._answering, timeout=ACK_PRIORITY_SECONDS)
        try:
            work()
        except Exception:
            # The work answers the user itself; this is the last net so a bug never kills the pool silently.
            log.exception("background task %s failed", label)
        finally:
            self._finished(task_id)

    def _finished(self, task_id: int) -> None:
        with self._lock:
            del self._in_flight[task_id]
            if not self._in_flight:
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> list[str]:
        """Wait up to `timeout` s until nothing is running; returns what still is. Keeps taking work."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._idle.wait(remaining)
            return list(self._in_flight.values())

    def drain(self, timeout: float) -> list[str]:
        """Stop taking work and wait up to `timeout` s for what is running; returns what did not finish."""
        with self._lock:
            self._closing = True
        unfinished = self.wait_idle(timeout)
        self._pool.shutdown(wait=False, cancel_futures=False)
        return unfinished
