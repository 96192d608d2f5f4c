"""Stop claims on PostgreSQL: the statements behind PostgresAuditStore's stop methods."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg

from bot.stop.record import StopClaim
from bot.store import pg_rows as rows

Connection = psycopg.Connection[tuple[Any, ...]]
_SELECT = rows.select("stops", rows.STOP, "WHERE job_id = %s")


def claim_stop(db: Connection, claim: StopClaim, stale_after: float) -> StopClaim | None:
    """Inside one transaction: the claim for `claim.job_id`, or the other holder (see the SQLite twin)."""
    stale = claim.requested_at - timedelta(seconds=stale_after)
    db.execute("DELETE FROM stops WHERE job_id = %s AND NOT stopped AND requested_at < %s", (claim.job_id, stale))
    db.execute(
        "INSERT INTO stops (job_id, project_id, request_id, user_id, requested_at, stopped) "
        "VALUES (%s, %s, %s, %s, %s, FALSE) ON CONFLICT (job_id) DO NOTHING",
        (claim.job_id, claim.project_id, claim.request_id, claim.user_id, claim.requested_at),
    )
    holder = stop_of(db, claim.job_id)
    return None if holder is None or holder.request_id == claim.request_id else holder


def stop_of(db: Connection, job_id: str) -> StopClaim | None:
    row = db.execute(_SELECT, (job_id,)).fetchone()
    return rows.stop(row) if row is not None else None


def confirm_stop(db: Connection, job_id: str, request_id: str) -> None:
    db.execute("UPDATE stops SET stopped = TRUE WHERE job_id = %s AND request_id = %s", (job_id, request_id))


def release_stop(db: Connection, job_id: str, request_id: str) -> None:
    db.execute("DELETE FROM stops WHERE job_id = %s AND request_id = %s", (job_id, request_id))
