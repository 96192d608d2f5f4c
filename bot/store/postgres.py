"""The audit trail in PostgreSQL, shared by replicas on several hosts: each guarantee is one statement or one
transaction in the database (conditional updates, unique keys), never a lock in this process."""

from __future__ import annotations

from datetime import datetime

from bot.stop.record import StopClaim
from bot.store import pg_alerts as alerts
from bot.store import pg_mutes as muting
from bot.store import pg_stops as stops
from bot.store import pg_watch as watch
from bot.store.pg_attempts import PgAttempts
from bot.store.pg_previews import PgPreviewsAndFollowing
from bot.watch.mutes import Mute
from bot.watch.record import AlertRecreate, SeenFailure


class PostgresAuditStore(PgAttempts, PgPreviewsAndFollowing):
    """The AuditStore on PostgreSQL (bot/store/interface.py says what each method promises). The watch, the
    mutes, the stops and the alert claims are here, each a thin call into its pg_ module."""

    def claim_stop(self, claim: StopClaim, stale_after: float) -> StopClaim | None:
        with self._transaction() as db:
            return stops.claim_stop(db, claim, stale_after)

    def stop_of(self, job_id: str) -> StopClaim | None:
        with self._connection("read") as db:
            return stops.stop_of(db, job_id)

    def confirm_stop(self, job_id: str, request_id: str) -> None:
        with self._connection("write to") as db:
            stops.confirm_stop(db, job_id, request_id)

    def release_stop(self, job_id: str, request_id: str) -> None:
        with self._connection("write to") as db:
            stops.release_stop(db, job_id, request_id)

    def watch_begun(self, scope: str, now: datetime) -> datetime:
        with self._transaction() as db:
            return watch.watch_begun(db, scope, now)

    def claim_failure(self, seen: SeenFailure) -> bool:
        with self._connection("write to") as db:
            return watch.claim_failure(db, seen)

    def failure_posted(self, job_id: str, channel_id: str, ts: str) -> None:
        with self._connection("write to") as db:
            db.execute("UPDATE watch_failures SET channel_id = %s, ts = %s WHERE job_id = %s", (channel_id, ts, job_id))

    def alerted_failures(self, limit: int) -> list[SeenFailure]:
        with self._connection("read") as db:
            return watch.alerted_failures(db, limit)

    def mute(self, mute: Mute) -> None:
        with self._connection("write to") as db:
            muting.mute(db, mute)

    def unmute(self, project_id: str, now: datetime) -> Mute | None:
        with self._connection("write to") as db:
            return muting.unmute(db, project_id, now)

    def mutes(self, now: datetime) -> list[Mute]:
        with self._connection("read") as db:
            return muting.mutes(db, now)

    def claim_alert_recreate(self, job_id: str, request_id: str, user_id: str, now: datetime) -> AlertRecreate | None:
        with self._transaction() as db:
            return alerts.claim(db, job_id, request_id, user_id, now)

    def alert_recreate_of(self, request_id: str) -> AlertRecreate | None:
        with self._connection("read") as db:
            return alerts.of_request(db, request_id)

    def finish_alert_recreate(self, request_id: str, new_job_id: str, now: datetime) -> AlertRecreate | None:
        with self._transaction() as db:
            return alerts.finish(db, request_id, new_job_id, now)

    def release_alert_recreate(self, request_id: str) -> None:
        with self._connection("write to") as db:
            alerts.release(db, request_id)
