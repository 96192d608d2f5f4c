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


@dataclass(frozen=True)
class AlertRecreate:
    """Who took an alert's Recreate, and the job it made: the claim that stops a second recreate from one alert."""

    job_id: str
    """The failed job the alert is about."""
    request_id: str
    user_id: str
    at: datetime
    """When the claim was taken; once the job exists, when it was made."""
    new_job_id: str | None = None
    """None while the recreate is still under way (a preview waiting for its click, a send in progress)."""
    channel_id: str | None = None
    ts: str | None = None
    """Where the alert is."""
