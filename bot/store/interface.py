"""The storage interface the bot writes through; backends implement it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from bot.budget import Budget, Spent
from bot.records import AttemptRecord, Followed, InFlight, Lease, Preview, PreviewState, PruneBefore
from bot.stop.record import StopClaim
from bot.watch.mutes import Mute
from bot.watch.record import AlertRecreate, SeenFailure


class StoreError(Exception):
    """The store could not be read or written; commands that need it are refused."""


class AuditStore(Protocol):
    """Durable storage of attempts, previews, in-flight locks, job claims, leases and followed jobs: SQLite for one
    host, PostgreSQL for replicas on several; tests/bot/store/test_contract.py holds both to the same behaviour."""

    def record(self, record: AttemptRecord, *, lease: Lease | None = None) -> None:
        """Insert a new attempt, or replace it by `request_id`; with `lease`, hold it in the same transaction.
        Raises StoreError."""

    def mark_sent(self, record: AttemptRecord, owner: str, *, budget: Budget | None = None) -> bool:
        """Save `record` (with its sent_at) if `owner` still holds its lease; False, and nothing saved, if not.

        With an active `budget`, what `spent_since(budget.window_start(record.sent_at))` would return (less this
        request) is read and `budget.over(...)` checked in the same transaction as the lease check and the write,
        serialized against every other mark_sent (SQLite: BEGIN IMMEDIATE; a server database: a lock on the
        transaction, e.g. pg_advisory_xact_lock or SELECT ... FOR UPDATE on a budget row): of two sends that each
        fit alone but not together, exactly one is saved. Over the budget it raises bot.budget.OverBudget and
        saves nothing."""

    def spent_since(self, since: datetime) -> list[Spent]:
        """Attempts sent at or after `since` whose outcome is pending, created or unknown, with their GPU totals
        (a plain read; the authoritative check is mark_sent's)."""

    def visible(self, limit: int, *, channel_id: str, user_id: str, job_id: str | None = None) -> list[AttemptRecord]:
        """Allowed attempts made in `channel_id` or by `user_id` (with `job_id`: as source or new job), newest
        first: what `history` may show there. A plain read."""

    def prune(self, before: PruneBefore) -> dict[str, int]:
        """Delete what can no longer matter and clear old response_urls, in one transaction; how many rows each
        kind lost. Attempts created before `before.attempts`; job claims whose attempt was sent before
        `before.claims_before(oldest sent attempt still in doubt)` (or is gone); leases of attempts that are gone;
        previews no longer pending created before `before.settled`; in-flight locks started before `before.locks`;
        followed jobs whose deadline, or (when done) last poll, is before `before.settled`; stop claims tapped, and
        failures the watch saw, before `before.attempts`; mutes that ended before `before.settled`; response_urls of
        previews (created_at), followed jobs (started_at) and leases (their attempt's created_at) before
        `before.response_urls`."""

    def claim_owner(self, job_id: str) -> str | None:
        """The request that claimed `job_id`, if any."""

    def contenders(self, copy_key: str, sent_after: datetime, sent_before: datetime, excluding: str) -> list[str]:
        """Requests still in doubt (pending or outcome unknown) for a source with `copy_key`, sent in the window."""

    def renew_leases(self, owner: str, request_ids: list[str], expires_at: datetime) -> int:
        """Extend these leases where `owner` still holds them; returns how many."""

    def release_lease(self, request_id: str, owner: str) -> None:
        """Drop the lease if `owner` holds it."""

    def expired_leases(self, now: datetime, limit: int) -> list[Lease]: ...

    def take_over(self, request_id: str, owner: str, now: datetime, expires_at: datetime) -> Lease | None:
        """Move an expired lease to `owner`; the lease for exactly one caller across all processes, else None."""

    def get(self, request_id: str) -> AttemptRecord | None: ...

    def recent(self, limit: int) -> list[AttemptRecord]:
        """Allowed attempts (recreations), newest first."""

    def involving(self, job_id: str, limit: int) -> list[AttemptRecord]:
        """Attempts whose source or new job is `job_id`, newest first."""

    def last_created(self, source_job_id: str, since: datetime) -> AttemptRecord | None:
        """The newest attempt that created (or may have created) a job from `source_job_id` since `since`."""

    def claim_new_job(self, job_id: str, request_id: str) -> bool:
        """Tie `job_id` to `request_id`; False when another request already has it (atomic across processes)."""

    def expire_previews(self, now: datetime) -> list[str]:
        """Mark pending previews past their expiry as expired; returns their IDs."""

    def save_preview(self, preview: Preview) -> None: ...

    def get_preview(self, preview_id: str) -> Preview | None: ...

    def claim_preview(self, preview_id: str, state: PreviewState, now: datetime, *, lease: Lease | None = None) -> bool:
        """Move a pending, unexpired preview to `state`; True for exactly one caller across all processes, who then
        holds `lease` (taken in the same transaction)."""

    def acquire_in_flight(self, lock: InFlight, stale_after: float) -> InFlight | None:
        """Take the lock for `lock.source_job_id`; returns the other holder if someone has it (stale ones expire)."""

    def in_flight(self, source_job_id: str, stale_after: float, now: datetime) -> InFlight | None: ...

    def release_in_flight(self, source_job_id: str, request_id: str) -> None: ...

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

    def schema_version(self) -> int:
        """The schema version the database is at."""

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

    def recreations_by(self, user_id: str, limit: int) -> list[AttemptRecord]:
        """Allowed recreates (not stops) asked for by `user_id`, newest first: the Home tab's list."""

    def claim_stop(self, claim: StopClaim, stale_after: float) -> StopClaim | None:
        """Take the stop of `claim.job_id`: None when the caller now holds it, else the holder (one caller across
        all processes). A claim not confirmed within `stale_after` seconds of its tap is replaced."""

    def stop_of(self, job_id: str) -> StopClaim | None:
        """The stop under way or done for `job_id`, if any."""

    def confirm_stop(self, job_id: str, request_id: str) -> None:
        """The stop of `request_id` took effect: its claim stays, so no later tap sends another."""

    def release_stop(self, job_id: str, request_id: str) -> None:
        """The stop of `request_id` did not happen (or cannot be known): a later tap may try again."""

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

    def check_writable(self) -> None:
        """Raise StoreError unless a write would succeed now (nothing is kept)."""

    def close(self) -> None: ...
