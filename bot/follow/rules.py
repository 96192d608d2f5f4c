"""How gently jobs are followed: the poll interval and its back-off and jitter, for how long, how many at once."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class FollowRules:
    interval: float = 30.0
    """Seconds between polls at first, and after every change."""
    max_interval: float = 600.0
    """Polls back off up to this while the status stays the same."""
    backoff: float = 1.5
    jitter: float = 0.1
    follow_for: float = 86400.0
    cap: int = 100
    """Jobs followed at once; the rest wait their turn."""
    hold: float = 120.0
    """Seconds the due jobs a round takes stay this process's (a few poll timeouts): no other replica polls them
    meanwhile; saving a poll's result lets its job go, and a process that stopped mid-round loses the rest then."""

    def slower(self, interval: float) -> float:
        """The interval after a poll that saw nothing new: backed off, up to `max_interval`."""
        return min(interval * self.backoff, self.max_interval)

    def next_poll(self, now: datetime, interval: float, rng: random.Random) -> datetime:
        spread = interval * self.jitter
        # Jitter spreads polls out but never brings one closer than the base interval.
        seconds = max(self.interval, interval + rng.uniform(-spread, spread))
        return now + timedelta(seconds=seconds)
