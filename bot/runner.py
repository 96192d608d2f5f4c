"""Background work after the Slack ack: a bounded thread pool that lets acks go first and drains on shutdown."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager

from bot.ack_gate import BUSY_AFTER_SECONDS, QUIET_SECONDS, AckGate

log = logging.getLogger(__name__)

_Task = tuple[int, Callable[[], object], str]


class Runner:
    """Runs slow work (Baseten calls, posting cards) off the request thread, so acks never wait for it."""

    def __init__(
        self,
        *,
        workers: int = 64,
        max_queued: int = 500,
        busy_after: float = BUSY_AFTER_SECONDS,
        quiet: float = QUIET_SECONDS,
    ) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="recreate")
        self._workers = workers
        self._max_in_flight = workers + max_queued
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._queued = threading.Condition(self._lock)
        self._queue: deque[_Task] = deque()
        self._in_flight: dict[int, str] = {}
        self._next_id = 0
        self._closing = False
        self._stopped = False
        self._gate = AckGate(quiet=quiet, busy_after=busy_after)
        self._dispatcher = threading.Thread(target=self._dispatch, name="runner-dispatch", daemon=True)
        self._dispatcher.start()

    def warm(self) -> None:
        """Start every pool thread now, so the first burst of commands does not pay for thread creation."""
        started = threading.Barrier(self._workers + 1)
        for _ in range(self._workers):
            self._pool.submit(started.wait)
        started.wait()

    @property
    def closing(self) -> bool:
        with self._lock:
            return self._closing

    def submit(self, work: Callable[[], object], label: str) -> bool:
        """Queue `work` to run in the background; False when shutting down or full (nothing was queued)."""
        with self._lock:
            if self._closing or len(self._in_flight) >= self._max_in_flight:
                return False
            task_id = self._next_id
            self._next_id += 1
            self._in_flight[task_id] = label
            self._queue.append((task_id, work, label))
            self._queued.notify()
        return True

    def answering(self, received_at: float | None = None) -> AbstractContextManager[None]:
        """Mark a Slack request being answered; queued work holds back until requests stop arriving (bot/ack_gate.py).
        `received_at` (time.monotonic()) is when the request arrived, for `overdue()`."""
        return self._gate.answering(received_at)

    def overdue(self) -> bool:
        """True when the Slack request this thread is answering arrived too long ago: answer "busy", start nothing."""
        return self._gate.overdue()

    def _dispatch(self) -> None:
        """One thread hands queued work to the pool, in batches, when Slack requests leave a gap."""
        while True:
            with self._lock:
                while not self._queue and not self._stopped:
                    self._queued.wait()
                if self._stopped and not self._queue:
                    return
            self._gate.wait_for_quiet()
            with self._lock:
                batch = list(self._queue)
                self._queue.clear()
            for task in batch:
                try:
                    self._pool.submit(self._run, *task)
                except RuntimeError:
                    # The pool was shut down after a drain timed out: this work never started.
                    log.error("background task %s was not started: shutting down", task[2])
                    self._finished(task[0])

    def _run(self, task_id: int, work: Callable[[], object], label: str) -> None:
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
        """Wait up to `timeout` s until nothing is queued or running; returns what still is. Keeps taking work."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._idle.wait(remaining)
            return list(self._in_flight.values())

    def drain(self, timeout: float) -> list[str]:
        """Stop taking work and wait up to `timeout` s for what is queued or running; returns what did not finish."""
        with self._lock:
            self._closing = True
        unfinished = self.wait_idle(timeout)
        with self._lock:
            self._stopped = True
            self._queued.notify_all()
        self._pool.shutdown(wait=False, cancel_futures=False)
        return unfinished
