"""Background work after the Slack ack: a bounded thread pool that drains on shutdown."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger(__name__)


class Runner:
    """Runs slow work (Baseten calls, posting cards) off the request thread, so acks never wait for it."""

    def __init__(self, *, workers: int = 64, max_queued: int = 500) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="recreate")
        self._max_in_flight = workers + max_queued
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._in_flight: dict[int, str] = {}
        self._next_id = 0
        self._closing = False

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
            # Inside the lock, so a concurrent drain() cannot shut the pool down between the check and here.
            self._pool.submit(self._run, task_id, work, label)
        return True

    def _run(self, task_id: int, work: Callable[[], object], label: str) -> None:
        try:
            work()
        except Exception:
            # The work answers the user itself; this is the last net so a bug never kills the pool silently.
            log.exception("background task %s failed", label)
        finally:
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
