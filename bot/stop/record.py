"""What the store keeps of a stop: one row per job, whose key is the claim that lets only one stop go out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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
