"""Small work off the request path (group refreshes, "busy" replies): one bounded lane.

The runner's capacity is for recreates. Everything else that must not hold up a Slack ack goes here instead of
a thread of its own, so no flood of events, refused or not, can start threads without bound or take a worker
from an allowed user's recreate. When the lane is full, the work is dropped and logged: each such task is a
convenience whose durable record lives elsewhere (the store, the JSON log).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

Submit = Callable[[Callable[[], object], str], bool]


class Lane:
    def __init__(self, name: str, *, workers: int = 2, max_queued: int = 200) -> None:
        self._queue: queue.Queue[tuple[Callable[[], object], str] | None] = queue.Queue(max_queued)
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{n}", daemon=True) for n in range(max(1, workers))
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, work: Callable[[], object], label: str) -> bool:
        """Queue `work`; False (logged) when the lane is full."""
        try:
            self._queue.put_nowait((work, label))
        except queue.Full:
            log.warning("dropped background task %s: too much queued", label)
            return False
        return True

    def wait_idle(self) -> None:
        """Block until everything queued so far has run (tests and shutdown)."""
        self._queue.join()

    def stop(self) -> None:
        for _ in self._threads:
            try:
                self._queue.put_nowait(None)
            except queue.Full:
                break

    def _work(self) -> None:
        while True:
            task = self._queue.get()
            try:
                if task is None:
                    return
                work, label = task
                try:
                    work()
                except Exception:
                    log.exception("background task %s failed", label)
            finally:
                self._queue.task_done()
