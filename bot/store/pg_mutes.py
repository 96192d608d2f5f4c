"""Muted projects in PostgreSQL: one row per project; a mute ends by itself when `until` passes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

from bot.store import pg_rows as rows
from bot.watch.mutes import Mute

Connection = psycopg.Connection[tuple[Any, ...]]
_COLUMNS = ", ".join(rows.MUTE)


def mute(db: Connection, muted: Mute) -> None:
    """A second mute of the same project replaces the first: the latest word counts."""
    db.execute(
        f"INSERT INTO watch_mutes ({_COLUMNS}) VALUES (%s, %s, %s, %s) ON CONFLICT (project_id) DO UPDATE SET "  # noqa: S608
        "until = excluded.until, muted_by = excluded.muted_by, muted_at = excluded.muted_at",
        rows.values(muted, rows.MUTE),
    )


def unmute(db: Connection, project_id: str, now: datetime) -> Mute | None:
    """Drop the project's mute; the one that was in force, if any."""
    found = db.execute(
        f"DELETE FROM watch_mutes WHERE project_id = %s RETURNING {_COLUMNS}",  # noqa: S608
        (project_id,),
    ).fetchall()
    ended = rows.mute(found[0]) if found else None
    return ended if ended is not None and ended.in_force(now) else None


def mutes(db: Connection, now: datetime) -> list[Mute]:
    query = rows.select("watch_mutes", rows.MUTE, "WHERE until > %s ORDER BY until, project_id")
    return [rows.mute(row) for row in db.execute(query, (now,)).fetchall()]
