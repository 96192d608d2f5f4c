"""Muted projects in SQLite: one row per project, times as INTEGER microseconds (bot/store/sqlite_time.py)."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.store.sqlite_time import from_micros, to_micros
from bot.watch.mutes import Mute


def mute(db: sqlite3.Connection, muted: Mute) -> None:
    """A second mute of the same project replaces the first: the latest word counts."""
    db.execute(
        "INSERT INTO watch_mutes (project_id, until, muted_by, muted_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (project_id) DO UPDATE SET "
        "until = excluded.until, muted_by = excluded.muted_by, muted_at = excluded.muted_at",
        (muted.project_id, to_micros(muted.until), muted.muted_by, to_micros(muted.muted_at)),
    )


def unmute(db: sqlite3.Connection, project_id: str, now: datetime) -> Mute | None:
    """Drop the project's mute; the one that was in force, if any."""
    rows = db.execute(
        "DELETE FROM watch_mutes WHERE project_id = ? RETURNING project_id, until, muted_by, muted_at",
        (project_id,),
    ).fetchall()  # read to the end, so the DELETE is finished before the connection is used again
    found = _mute(rows[0]) if rows else None
    return found if found is not None and found.in_force(now) else None


def mutes(db: sqlite3.Connection, now: datetime) -> list[Mute]:
    rows = db.execute(
        "SELECT project_id, until, muted_by, muted_at FROM watch_mutes WHERE until > ? ORDER BY until, project_id",
        (to_micros(now),),
    ).fetchall()
    return [_mute(row) for row in rows]


def _mute(row: tuple[object, ...]) -> Mute:
    project_id, until, muted_by, muted_at = row
    assert isinstance(until, int) and isinstance(muted_at, int)
    return Mute(str(project_id), from_micros(until), str(muted_by), from_micros(muted_at))
