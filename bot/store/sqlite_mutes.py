"""Muted projects in SQLite: one row per project, times as INTEGER microseconds (bot/store/sqlite_time.py)."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.store import sqlite_rows as rows
from bot.watch.mutes import Mute

_COLUMNS = ", ".join(rows.MUTE)


def mute(db: sqlite3.Connection, muted: Mute) -> None:
    """A second mute of the same project replaces the first: the latest word counts."""
    db.execute(
        f"INSERT INTO watch_mutes ({_COLUMNS}) VALUES (?, ?, ?, ?) ON CONFLICT (project_id) DO UPDATE SET "  # noqa: S608
        "until = excluded.until, muted_by = excluded.muted_by, muted_at = excluded.muted_at",
        rows.values(muted, rows.MUTE),
    )


def unmute(db: sqlite3.Connection, project_id: str, now: datetime) -> Mute | None:
    """Drop the project's mute; the one that was in force, if any."""
    found = db.execute(
        f"DELETE FROM watch_mutes WHERE project_id = ? RETURNING {_COLUMNS}",  # noqa: S608
        (project_id,),
    ).fetchall()  # read to the end, so the DELETE is finished before the connection is used again
    ended = rows.mute(found[0]) if found else None
    return ended if ended is not None and ended.in_force(now) else None


def mutes(db: sqlite3.Connection, now: datetime) -> list[Mute]:
    query = rows.select("watch_mutes", rows.MUTE, "WHERE until > ? ORDER BY until, project_id")
    return [rows.mute(row) for row in db.execute(query, (rows.to_sql(now),)).fetchall()]
