"""The store's audit trail: attempts written, marked sent under the GPU budget, read back and pruned; and the
database's own state."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.budget import Budget, Spent
from bot.records import AttemptRecord, Lease, PruneBefore


class AttemptStore(Protocol):
    """The attempts and what the store keeps of itself; every method raises StoreError when it cannot answer."""

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

    def get(self, request_id: str) -> AttemptRecord | None: ...

    def recent(self, limit: int) -> list[AttemptRecord]:
        """Allowed attempts (recreations), newest first."""

    def involving(self, job_id: str, limit: int) -> list[AttemptRecord]:
        """Attempts whose source or new job is `job_id`, newest first."""

    def last_created(self, source_job_id: str, since: datetime) -> AttemptRecord | None:
        """The newest attempt that created (or may have created) a job from `source_job_id` since `since`."""

    def schema_version(self) -> int:
        """The schema version the database is at."""

    def recreations_by(self, user_id: str, limit: int) -> list[AttemptRecord]:
        """Allowed recreates (not stops) asked for by `user_id`, newest first: the Home tab's list."""

    def check_writable(self) -> None:
        """Raise StoreError unless a write would succeed now (nothing is kept)."""

    def close(self) -> None: ...
