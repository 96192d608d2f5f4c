"""Followed jobs in SQLite: the follow-up queue shared by processes on one file, each job polled by one at a time,
each poll's result saved once (compared by version)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import Any

from bot.records import Followed
from bot.store import sqlite_rows as rows


def follow(db: sqlite3.Connection, followed: Followed) -> None:
    """A job followed again (its card posted again after a restart) moves its version on, never back: a poll's
    result read before is refused, as after any save."""
    names = rows.FOLLOWED
    placeholders = ", ".join("?" for _ in names)
    updates = ", ".join(f"{name} = excluded.{name}" for name in names if name not in ("job_id", "version"))
    db.execute(
        f"INSERT INTO followed ({', '.join(names)}) VALUES ({placeholders}) ON CONFLICT (job_id) DO UPDATE SET "  # noqa: S608
        f"{updates}, version = followed.version + 1, taken_by = NULL, taken_until = NULL",
        rows.values(followed, names),
    )


def select(db: sqlite3.Connection, where: str, params: tuple[Any, ...]) -> list[Followed]:
    return [rows.followed(row) for row in db.execute(rows.select("followed", rows.FOLLOWED, where), params)]


def get(db: sqlite3.Connection, job_id: str) -> Followed | None:
    found = select(db, "WHERE job_id = ?", (job_id,))
    return found[0] if found else None


def due(db: sqlite3.Connection, now: datetime, cap: int) -> list[Followed]:
    active = select(db, "WHERE done = 0 ORDER BY started_at LIMIT ?", (cap,))
    return sorted((f for f in active if f.next_poll_at <= now), key=lambda f: f.next_poll_at)


def take_due(db: sqlite3.Connection, owner: str, now: datetime, cap: int, hold: timedelta) -> list[Followed]:
    """Inside a transaction: BEGIN IMMEDIATE, so no other connection takes the same rows between select and update."""
    taken = select(
        db,
        "WHERE job_id IN (SELECT job_id FROM followed WHERE done = 0 ORDER BY started_at LIMIT ?) "
        "AND next_poll_at <= ? AND (taken_by IS NULL OR taken_by = ? OR taken_until <= ?)",
        (cap, rows.to_sql(now), owner, rows.to_sql(now)),
    )
    db.executemany(
        "UPDATE followed SET taken_by = ?, taken_until = ? WHERE job_id = ?",
        [(owner, rows.to_sql(now + hold), f.job_id) for f in taken],
    )
    return sorted(taken, key=lambda f: f.next_poll_at)


def update(db: sqlite3.Connection, followed: Followed) -> bool:
    """Saved only if the stored row is still at `followed.version`: the version is compared, never a time."""
    names = [name for name in rows.FOLLOWED if name not in ("job_id", "version")]
    assignments = ", ".join(f"{name} = ?" for name in names)
    cursor = db.execute(
        f"UPDATE followed SET {assignments}, version = version + 1, taken_by = NULL, taken_until = NULL "  # noqa: S608
        "WHERE job_id = ? AND version = ?",
        [*rows.values(followed, names), followed.job_id, followed.version],
    )
    return cursor.rowcount == 1
