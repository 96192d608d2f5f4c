"""What the store keeps of the failure watch: each failure seen, once, and when each scope began to be watched."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SeenFailure:
    """A failed job the watch has claimed; the claim (one row per job) is what stops a second alert."""

    job_id: str
    project_id: str
    status: str
    failed_at: datetime
    """The job's updated_at when it was seen failed."""
    seen_at: datetime
    alerted: bool
    """False when it was recorded without an alert: already failed when the watch first started, or too old."""
    channel_id: str | None = None
    ts: str | None = None
    """Where the alert went, once posted."""
