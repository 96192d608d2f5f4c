"""What the store keeps of a stop: one row per job, whose key is the claim that lets only one stop go out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

STALE_AFTER = 300.0
"""A stop not settled within five minutes of its tap was cut short (its process stopped): another tap may go, and
following tells the thread that the job stopped."""


@dataclass(frozen=True)
class StopClaim:
    """A stop of `job_id` under way (or done, when `stopped`), by `user_id`, tapped at `requested_at`."""

    job_id: str
    project_id: str
    request_id: str
    user_id: str
    requested_at: datetime
    stopped: bool = False
    """Baseten accepted the stop (or a lookup after a lost answer showed the job ended)."""


def under_way(claim: StopClaim | None, now: datetime) -> bool:
    """A stop claimed but not yet settled, whose own reply to the card's thread may still come."""
    return claim is not None and not claim.stopped and now - claim.requested_at < timedelta(seconds=STALE_AFTER)
