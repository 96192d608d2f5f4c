"""The failure watch's state in SQLite: one row per failure seen (its key is the claim), and each scope's start."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.store import sqlite_rows as rows
from bot.store.sqlite_time import from_micros
from bot.watch.record import SeenFailure


def watch_begun(db: sqlite3.Connection, scope: str, now: datetime) -> datetime:
    """The first caller across all processes sets the scope's start; everyone reads the same one."""
    db.execute(
        "INSERT INTO watch_scopes (scope, begun_at) VALUES (?, ?) ON CONFLICT (scope) DO NOTHING",
        (scope, rows.to_sql(now)),
    )
    (begun,) = db.execute("SELECT begun_at FROM watch_scopes WHERE scope = ?", (scope,)).fetchone()
    return from_micros(begun)


def claim_failure(db: sqlite3.Connection, seen: SeenFailure) -> bool:
    placeholders = ", ".join("?" for _ in rows.SEEN)
    cursor = db.execute(
        f"INSERT INTO watch_failures ({', '.join(rows.SEEN)}) VALUES ({placeholders}) "  # noqa: S608
        "ON CONFLICT (job_id) DO NOTHING",
        rows.values(seen, rows.SEEN),
    )
    return cursor.rowcount == 1


def failure_posted(db: sqlite3.Connection, job_id: str, channel_id: str, ts: str) -> None:
    db.execute("UPDATE watch_failures SET channel_id = ?, ts = ? WHERE job_id = ?", (channel_id, ts, job_id))


def alerted_failures(db: sqlite3.Connection, limit: int) -> list[SeenFailure]:
    found = db.execute(
        rows.select("watch_failures", rows.SEEN, "WHERE alerted = 1 ORDER BY seen_at DESC LIMIT ?"), (limit,)
    ).fetchall()
    return [rows.seen(row) for row in found]
