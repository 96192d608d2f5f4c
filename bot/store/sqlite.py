"""The audit trail in a SQLite file: created on first use, migrated in place, safe across threads and processes.

Each method hands one function of a per-feature module (bot/store/sqlite_*.py: attempts, leases, previews,
followed, watch, spending, mutes, stops, alerts) to the connection: `_read`, `_write` (one statement, or several
that need not land together) or `_atomic` (BEGIN IMMEDIATE ... COMMIT).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.budget import Budget, Spent
from bot.records import AttemptRecord, Followed, InFlight, Lease, Preview, PreviewState, PruneBefore
from bot.stop.record import StopClaim
from bot.store import sqlite_alerts as alerts
from bot.store import sqlite_attempts as attempts
from bot.store import sqlite_followed as following
from bot.store import sqlite_leases as leases
from bot.store import sqlite_mutes as muting
from bot.store import sqlite_previews as previews
from bot.store import sqlite_spending as spending
from bot.store import sqlite_stops as stops
from bot.store import sqlite_watch as watch
from bot.store.schema import HISTORY
from bot.store.sqlite_db import SqliteConnection
from bot.store.sqlite_migrate import migrate
from bot.watch.mutes import Mute
from bot.watch.record import AlertRecreate, SeenFailure

__all__ = ["MIGRATIONS", "SqliteAuditStore", "migrate"]

# The released SQLite texts, by version (PRAGMA user_version); bot/store/schema.py owns the history.
MIGRATIONS: tuple[str, ...] = tuple(step.sqlite for step in HISTORY)


class SqliteAuditStore(SqliteConnection):
    """The AuditStore on one SQLite file (bot/store/interface.py says what each method promises)."""

    def record(self, record: AttemptRecord, *, lease: Lease | None = None) -> None:
        self._atomic(attempts.record, record, lease)

    def mark_sent(self, record: AttemptRecord, owner: str, *, budget: Budget | None = None) -> bool:
        return self._atomic(attempts.mark_sent, record, owner, budget)

    def spent_since(self, since: datetime) -> list[Spent]:
        return self._read(spending.spent, since)

    def visible(self, limit: int, *, channel_id: str, user_id: str, job_id: str | None = None) -> list[AttemptRecord]:
        return self._read(attempts.visible, limit, channel_id, user_id, job_id)

    def prune(self, before: PruneBefore) -> dict[str, int]:
        return self._atomic(spending.prune, before)

    def claim_owner(self, job_id: str) -> str | None:
        return self._read(attempts.claim_owner, job_id)

    def contenders(self, copy_key: str, sent_after: datetime, sent_before: datetime, excluding: str) -> list[str]:
        return self._read(attempts.contenders, copy_key, sent_after, sent_before, excluding)

    def renew_leases(self, owner: str, request_ids: list[str], expires_at: datetime) -> int:
        return self._atomic(leases.renew, owner, request_ids, expires_at)

    def release_lease(self, request_id: str, owner: str) -> None:
        self._write(leases.release, request_id, owner)

    def expired_leases(self, now: datetime, limit: int) -> list[Lease]:
        return self._read(leases.expired, now, limit)

    def take_over(self, request_id: str, owner: str, now: datetime, expires_at: datetime) -> Lease | None:
        return self._write(leases.take_over, request_id, owner, now, expires_at)

    def get(self, request_id: str) -> AttemptRecord | None:
        return self._read(attempts.get, request_id)

    def recent(self, limit: int) -> list[AttemptRecord]:
        return self._read(attempts.recent, limit)

    def involving(self, job_id: str, limit: int) -> list[AttemptRecord]:
        return self._read(attempts.involving, job_id, limit)

    def last_created(self, source_job_id: str, since: datetime) -> AttemptRecord | None:
        return self._read(attempts.last_created, source_job_id, since)

    def claim_new_job(self, job_id: str, request_id: str) -> bool:
        return self._write(attempts.claim_new_job, job_id, request_id)

    def expire_previews(self, now: datetime) -> list[str]:
        return self._write(previews.expire, now)

    def save_preview(self, preview: Preview) -> None:
        self._write(previews.save, preview)

    def get_preview(self, preview_id: str) -> Preview | None:
        return self._read(previews.get, preview_id)

    def claim_preview(self, preview_id: str, state: PreviewState, now: datetime, *, lease: Lease | None = None) -> bool:
        return self._atomic(previews.claim, preview_id, state, now, lease)

    def acquire_in_flight(self, lock: InFlight, stale_after: float) -> InFlight | None:
        return self._atomic(previews.acquire_in_flight, lock, stale_after)

    def in_flight(self, source_job_id: str, stale_after: float, now: datetime) -> InFlight | None:
        return self._read(previews.in_flight, source_job_id, stale_after, now)

    def release_in_flight(self, source_job_id: str, request_id: str) -> None:
        self._write(previews.release_in_flight, source_job_id, request_id)

    def follow(self, followed: Followed) -> None:
        self._write(following.follow, followed)

    def followed(self, job_id: str) -> Followed | None:
        return self._read(following.get, job_id)

    def followed_due(self, now: datetime, cap: int) -> list[Followed]:
        return self._read(following.due, now, cap)

    def take_due(self, owner: str, now: datetime, cap: int, hold: timedelta) -> list[Followed]:
        return self._atomic(following.take_due, owner, now, cap, hold)

    def update_followed(self, followed: Followed) -> bool:
        return self._write(following.update, followed)

    def watch_begun(self, scope: str, now: datetime) -> datetime:
        return self._write(watch.watch_begun, scope, now)

    def claim_failure(self, seen: SeenFailure) -> bool:
        return self._write(watch.claim_failure, seen)

    def failure_posted(self, job_id: str, channel_id: str, ts: str) -> None:
        self._write(watch.failure_posted, job_id, channel_id, ts)

    def alerted_failures(self, limit: int) -> list[SeenFailure]:
        return self._read(watch.alerted_failures, limit)

    def mute(self, mute: Mute) -> None:
        self._write(muting.mute, mute)

    def unmute(self, project_id: str, now: datetime) -> Mute | None:
        return self._write(muting.unmute, project_id, now)

    def mutes(self, now: datetime) -> list[Mute]:
        return self._read(muting.mutes, now)

    def recreations_by(self, user_id: str, limit: int) -> list[AttemptRecord]:
        return self._read(attempts.recreations_by, user_id, limit)

    def claim_stop(self, claim: StopClaim, stale_after: float) -> StopClaim | None:
        return self._atomic(stops.claim_stop, claim, stale_after)

    def stop_of(self, job_id: str) -> StopClaim | None:
        return self._read(stops.stop_of, job_id)

    def confirm_stop(self, job_id: str, request_id: str) -> None:
        self._write(stops.confirm_stop, job_id, request_id)

    def release_stop(self, job_id: str, request_id: str) -> None:
        self._write(stops.release_stop, job_id, request_id)

    def claim_alert_recreate(self, job_id: str, request_id: str, user_id: str, now: datetime) -> AlertRecreate | None:
        return self._atomic(alerts.claim, job_id, request_id, user_id, now)

    def alert_recreate_of(self, request_id: str) -> AlertRecreate | None:
        return self._read(alerts.of_request, request_id)

    def finish_alert_recreate(self, request_id: str, new_job_id: str, now: datetime) -> AlertRecreate | None:
        return self._atomic(alerts.finish, request_id, new_job_id, now)

    def release_alert_recreate(self, request_id: str) -> None:
        self._write(alerts.release, request_id)
