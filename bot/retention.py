"""What the store forgets, and when: pruned at start and then every few minutes on the lease keeper's tick."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.records import PruneBefore
from bot.store import AuditStore, StoreError, utcnow

log = logging.getLogger(__name__)

# Slack honours a response_url for 30 minutes after the command. Cleared at 25, on a tick of at most EVERY
# seconds, none is kept past 30.
URL_KEPT = timedelta(minutes=25)
SETTLED_KEPT = timedelta(days=1)
EVERY = 60.0


def cutoffs(now: datetime, *, retention_days: int, lock_stale_after: float) -> PruneBefore:
    return PruneBefore(
        attempts=now - timedelta(days=retention_days),
        settled=now - SETTLED_KEPT,
        locks=now - timedelta(seconds=lock_stale_after),
        response_urls=now - URL_KEPT,
    )


class Pruner:
    """Called on every tick of an existing periodic thread; prunes on the first call and then every `every` s."""

    def __init__(
        self,
        store: AuditStore,
        *,
        retention_days: int,
        lock_stale_after: float,
        every: float = EVERY,
        clock: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._retention_days = retention_days
        self._lock_stale_after = lock_stale_after
        self._every = every
        self._clock = clock
        self._monotonic = monotonic
        self._last: float | None = None
        self._lock = threading.Lock()

    def tick(self) -> dict[str, int] | None:
        """Prune if due; what was removed, or None when it was not due (or the store failed, which is logged)."""
        with self._lock:
            now = self._monotonic()
            if self._last is not None and now - self._last < self._every:
                return None
            self._last = now
        try:
            removed = self._store.prune(
                cutoffs(self._clock(), retention_days=self._retention_days, lock_stale_after=self._lock_stale_after)
            )
        except StoreError:
            log.exception("could not prune the store; trying again in %.0f s", self._every)
            return None
        if any(removed.values()):
            log.info("pruned the store: %s", ", ".join(f"{n} {name}" for name, n in removed.items() if n))
        return removed
