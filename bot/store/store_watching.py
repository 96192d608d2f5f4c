"""The store's jobs kept an eye on: followed jobs polled for their cards, and the failure watch's scopes,
failures seen, mutes and recreates from an alert."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from bot.records import Followed
from bot.watch.mutes import Mute
from bot.watch.record import AlertRecreate, SeenFailure


class WatchingStore(Protocol):
    """Followed jobs and the failure watch."""

    def follow(self, followed: Followed) -> None:
        """Start (or replace) following a job. A replaced row's version moves on by one, never back to
        `followed.version`, and its hold is let go: a poll's result read before is refused by update_followed."""

    def followed(self, job_id: str) -> Followed | None: ...

    def followed_due(self, now: datetime, cap: int) -> list[Followed]:
        """Due jobs among the `cap` oldest still followed; the rest wait their turn."""

    def take_due(self, owner: str, now: datetime, cap: int, hold: timedelta) -> list[Followed]:
        """Among the `cap` oldest still followed, the due jobs no other owner holds past `now`: held by `owner`
        until `now + hold` and returned, oldest poll first. Atomic across processes: each job to one caller
        (PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED, then UPDATE; SQLite: BEGIN IMMEDIATE)."""

    def update_followed(self, followed: Followed) -> bool:
        """Save a poll's result if the stored row is still at `followed.version` (no other process saved one
        meanwhile); the stored version then moves on by one and the hold of take_due is let go. True when saved."""

    def watch_begun(self, scope: str, now: datetime) -> datetime:
        """When `scope` (a project ID, or "all") was first watched; the first caller, across all processes, sets
        it to `now` (one conditional insert)."""

    def claim_failure(self, seen: SeenFailure) -> bool:
        """Record a failed job as seen; True for exactly one caller across all processes (one conditional insert
        keyed by job ID), who alone may alert it."""

    def failure_posted(self, job_id: str, channel_id: str, ts: str) -> None:
        """Where the alert for `job_id` went."""

    def alerted_failures(self, limit: int) -> list[SeenFailure]:
        """Failures that were alerted, newest first."""

    def mute(self, mute: Mute) -> None:
        """Silence alerts of `mute.project_id` until `mute.until`, replacing any mute of that project."""

    def unmute(self, project_id: str, now: datetime) -> Mute | None:
        """End the project's mute now; the mute that was in force at `now`, or None if there was none."""

    def mutes(self, now: datetime) -> list[Mute]:
        """The mutes in force at `now`, the soonest to end first; expired ones are never returned."""

    def claim_alert_recreate(self, job_id: str, request_id: str, user_id: str, now: datetime) -> AlertRecreate | None:
        """Take the alert of failed `job_id` for `request_id`, unless someone holds it (one conditional UPDATE:
        exactly one of several callers wins). Returns the claim now on the alert (compare its request_id), or
        None when the job was never alerted."""

    def alert_recreate_of(self, request_id: str) -> AlertRecreate | None:
        """The alert claim `request_id` holds, if any."""

    def finish_alert_recreate(self, request_id: str, new_job_id: str, now: datetime) -> AlertRecreate | None:
        """The claim of `request_id` made `new_job_id` at `now`: kept for good. Returns it (None: no claim)."""

    def release_alert_recreate(self, request_id: str) -> None:
        """Let go of the claim of `request_id` if it made no job (cancelled, refused, failed)."""
