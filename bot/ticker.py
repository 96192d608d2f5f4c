"""One periodic thread: the follower and the failure watch each run their rounds on one of these."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Ticker:
    """Calls `tick` on a daemon thread until stopped; `tick` returns the seconds until the next call (capped at
    `longest` when given). A tick that fails is logged with its traceback and tried again `retry` seconds later."""

    def __init__(
        self, name: str, tick: Callable[[], float], *, retry: float, what: str, longest: float | None = None
    ) -> None:
        self._name = name
        self._tick = tick
        self._retry = retry
        self._longest = longest
        self._what = what
        """What a round does, for the log line when one fails ("following jobs")."""
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Cut the current wait short: there is new work."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                pause = self._tick()
            except Exception:
                log.exception("%s failed; trying again shortly", self._what)
                pause = self._retry
            if self._longest is not None:
                pause = min(pause, self._longest)
            self._wake.wait(max(0.05, pause))
            self._wake.clear()
