"""Recovery leases in SQLite: which process works on each attempt in flight, until when."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.records import Lease
from bot.store import sqlite_rows as rows


def renew(db: sqlite3.Connection, owner: str, request_ids: list[str], expires_at: datetime) -> int:
    """Inside a transaction: the leases `owner` still holds, extended together."""
    renewed = 0
    for request_id in request_ids:
        cursor = db.execute(
            "UPDATE leases SET expires_at = ? WHERE request_id = ? AND owner = ?",
            (rows.to_sql(expires_at), request_id, owner),
        )
        renewed += cursor.rowcount
    return renewed


def release(db: sqlite3.Connection, request_id: str, owner: str) -> None:
    db.execute("DELETE FROM leases WHERE request_id = ? AND owner = ?", (request_id, owner))


def expired(db: sqlite3.Connection, now: datetime, limit: int) -> list[Lease]:
    query = rows.select("leases", rows.LEASE, "WHERE expires_at <= ? ORDER BY expires_at LIMIT ?")
    found = db.execute(query, (rows.to_sql(now), limit)).fetchall()
    return [rows.lease(row) for row in found]


def take_over(db: sqlite3.Connection, request_id: str, owner: str, now: datetime, expires_at: datetime) -> Lease | None:
    # One UPDATE decides: the connection's write lock makes a second taker find the lease no longer expired.
    found = db.execute(
        f"UPDATE leases SET owner = ?, expires_at = ? WHERE request_id = ? AND expires_at <= ? "  # noqa: S608
        f"RETURNING {', '.join(rows.LEASE)}",
        (owner, rows.to_sql(expires_at), request_id, rows.to_sql(now)),
    ).fetchall()  # read to the end, so the UPDATE is finished before the connection is used again
    return rows.lease(found[0]) if found else None
