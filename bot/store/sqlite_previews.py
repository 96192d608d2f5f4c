"""Previews and in-flight locks in SQLite: a confirmation any process can complete once, and the per-source-job
lock against a second recreate."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import Any

from bot.records import InFlight, Lease, Preview, PreviewState
from bot.store import sqlite_rows as rows


def save(db: sqlite3.Connection, preview: Preview) -> None:
    rows.upsert(db, "previews", rows.PREVIEW, preview)


def get(db: sqlite3.Connection, preview_id: str) -> Preview | None:
    found = db.execute(rows.select("previews", rows.PREVIEW, "WHERE id = ?"), (preview_id,)).fetchone()
    return rows.preview(found) if found else None


def claim(db: sqlite3.Connection, preview_id: str, state: PreviewState, now: datetime, lease: Lease | None) -> bool:
    """Inside a transaction. One UPDATE decides: of any number of clicks, in any number of processes, exactly one
    sees rowcount 1, and takes the lease with it."""
    expiry = "" if state is PreviewState.EXPIRED else "AND expires_at > ?"
    params: tuple[Any, ...] = (state, preview_id, PreviewState.PENDING)
    if expiry:
        params += (rows.to_sql(now),)
    cursor = db.execute(f"UPDATE previews SET state = ? WHERE id = ? AND state = ? {expiry}", params)  # noqa: S608
    claimed = cursor.rowcount == 1
    if claimed and lease is not None:
        rows.upsert(db, "leases", rows.LEASE, lease)
    return claimed


def expire(db: sqlite3.Connection, now: datetime) -> list[str]:
    found = db.execute(
        "UPDATE previews SET state = ? WHERE state = ? AND expires_at <= ? RETURNING id",
        (PreviewState.EXPIRED, PreviewState.PENDING, rows.to_sql(now)),
    ).fetchall()
    return [str(row[0]) for row in found]


def acquire_in_flight(db: sqlite3.Connection, lock: InFlight, stale_after: float) -> InFlight | None:
    """Inside a transaction: drop a stale holder, take the lock if free; the other holder, if there is one."""
    stale = rows.to_sql(lock.started_at - timedelta(seconds=stale_after))
    db.execute("DELETE FROM in_flight WHERE source_job_id = ? AND started_at < ?", (lock.source_job_id, stale))
    db.execute(
        "INSERT OR IGNORE INTO in_flight (source_job_id, request_id, user_id, started_at) VALUES (?, ?, ?, ?)",
        rows.values(lock, rows.IN_FLIGHT),
    )
    found = holder(db, lock.source_job_id)
    return None if found is None or found.request_id == lock.request_id else found


def in_flight(db: sqlite3.Connection, source_job_id: str, stale_after: float, now: datetime) -> InFlight | None:
    found = holder(db, source_job_id)
    if found is None or found.started_at < now - timedelta(seconds=stale_after):
        return None
    return found


def release_in_flight(db: sqlite3.Connection, source_job_id: str, request_id: str) -> None:
    db.execute("DELETE FROM in_flight WHERE source_job_id = ? AND request_id = ?", (source_job_id, request_id))


def holder(db: sqlite3.Connection, source_job_id: str) -> InFlight | None:
    found = db.execute(rows.select("in_flight", rows.IN_FLIGHT, "WHERE source_job_id = ?"), (source_job_id,)).fetchone()
    return rows.in_flight(found) if found else None
