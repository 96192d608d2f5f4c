"""Stop claims on SQLite: the statements behind SqliteAuditStore's stop methods (times as INTEGER microseconds)."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from bot.stop.record import StopClaim
from bot.store import sqlite_rows as rows
from bot.store.sqlite_time import to_micros

_SELECT = rows.select("stops", rows.STOP, "WHERE job_id = ?")


def claim_stop(db: sqlite3.Connection, claim: StopClaim, stale_after: float) -> StopClaim | None:
    """Inside a BEGIN IMMEDIATE transaction: the claim for `claim.job_id`, or the other holder. A stop still under
    way after `stale_after` seconds is one whose process stopped mid-way: it is replaced."""
    stale = to_micros(claim.requested_at - timedelta(seconds=stale_after))
    db.execute("DELETE FROM stops WHERE job_id = ? AND stopped = 0 AND requested_at < ?", (claim.job_id, stale))
    db.execute(
        "INSERT OR IGNORE INTO stops (job_id, project_id, request_id, user_id, requested_at, stopped) "
        "VALUES (?, ?, ?, ?, ?, 0)",
        (claim.job_id, claim.project_id, claim.request_id, claim.user_id, to_micros(claim.requested_at)),
    )
    holder = stop_of(db, claim.job_id)
    return None if holder is None or holder.request_id == claim.request_id else holder


def stop_of(db: sqlite3.Connection, job_id: str) -> StopClaim | None:
    row = db.execute(_SELECT, (job_id,)).fetchone()
    return rows.stop(row) if row else None


def confirm_stop(db: sqlite3.Connection, job_id: str, request_id: str) -> None:
    db.execute("UPDATE stops SET stopped = 1 WHERE job_id = ? AND request_id = ?", (job_id, request_id))


def release_stop(db: sqlite3.Connection, job_id: str, request_id: str) -> None:
    db.execute("DELETE FROM stops WHERE job_id = ? AND request_id = ?", (job_id, request_id))
